"""The fields contract v2 added for the statutory returns (SSDA903, CIN census), written for
every LA so that the DfE's validation rules (rule sets 2022-23 to 2026-27) can pass on them.

Everything here draws from a random stream of its own (the LA's seed and STATUTORY_STREAM),
after the LA's tables are built, and only adds columns and tables: the records and columns
of contract v1 (and the calibrated demo's figures) are the same with or without it.

- persons: `upn_unknown` where there is no UPN (UN1 for a child under 4 on the last 31
  August before the last extract, else UN2, UN4 or UN5: the census accepts only those for
  an older child; never UN4 for a child who has been in care, 903 rule 210); `disabilities`
  (NONE for most, one or two census codes for about one child in eight); `uasc` (a few of
  the children entering care aged 13 or more, mostly boys) with `uasc_ceased_date` their
  18th birthday (known from that day); `mother` N for girls, Y from the day a girl in care
  aged 14-17 has her child (`mother_child_dob`), empty for boys.
- cla_episodes: `category_of_need` per period of care (national shares; N8, absence of
  parenting, for most UASC); `home_postcode` a real postcode of the LA (none for a UASC);
  `placement_postcode` real: the provider's for a residential setting, in the LA for most
  other placements, in a neighbouring area for some, the home for a placement with parents
  (P1), never the home otherwise (903 rule 392d), in the LA for its own provision (PR1)
  other than fostering and adoption (rule 1015, OWN_PROVISION_STREAM); `placement_urn`
  an Ofsted-style URN (SC and six digits) of the children's home, school or supported
  accommodation (K1, K2, R3, S1; H5 open on or after 29 October 2023, when supported
  accommodation came under Ofsted), of the fostering service (U1-U6) or adoption agency
  (A3-A6), and `XXXXXXX` where the 903 wants none (P1-P3, R1, R2, R5, T0-T4, Z1).
  Episodes of one placement (an L episode is a change of legal status only) share its
  postcode and URN.
- placement types as used then: an H5 or Z1 episode open on 1 April 2025 (when the
  2025-26 SSDA903 replaced them by K3, supported accommodation, and Z11-Z14) is recoded from
  that day, as LAs recoded their open episodes; drops before then hold the old code.
- assessments: `authorisation_date` 0-10 days after completion (never after the referral
  closed), known from that day with `factors`: one to four census assessment factors
  (or 21, no factors identified, alone).
- cin_plans: for each referral that went on after assessment (not closed RC8 or RC9, not
  NFA), from the authorisation to the closure, except while the child is on a child
  protection plan (the census does not allow both at once: a CIN plan ends the day a CP
  plan starts and a new one may start the day it ends), nor while another of the child's
  CIN plans is (a referral joining an open CIN episode: from the day after it ends).
  Children in care are other persons
  in the generator, so a CIN plan never overlaps care.
- missing_episodes: some children in care aged 11 or more go missing (M) or away without
  authorisation (A), a few times, for a day to about a week, always inside their period of
  care and never overlapping.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa

from csc.generate.calendar import add_months, day
from csc.generate.context import NEVER, NONE, YEAR
from csc.generate.history import LaHistory
from csc.generate.postcodes import AreaPostcodes

STATUTORY_STREAM = 1903  # the stream of the v2 fields: np.random.default_rng([seed, 1903])
OWN_PROVISION_STREAM = 1905  # own provision's placement postcodes: [seed, 1905]

DISABILITIES = ["LD", "AUT", "BEH", "COMM", "CON", "MOB", "HAND", "PC", "INC", "HEAR", "VIS",
                "DDA"]
DISABILITY_SHARES = [0.22, 0.2, 0.14, 0.12, 0.08, 0.06, 0.04, 0.04, 0.03, 0.03, 0.02, 0.02]
CATEGORIES = ["N1", "N2", "N3", "N4", "N5", "N6", "N7", "N8"]
CATEGORY_SHARES = [0.63, 0.03, 0.03, 0.08, 0.14, 0.01, 0.005, 0.075]
# CIN census assessment factors (the validators' list), weighted as the census counts them
FACTORS = ["3B", "4B", "3A", "2B", "1B", "18B", "19B", "4A", "3C", "5B", "6B", "14A", "15A",
           "10A", "11A", "23A", "2A", "1A", "4C", "6A", "5A", "7A", "22A", "13A", "18C", "19C",
           "12A", "16A", "17A", "24A"]
FACTOR_SHARES = np.array([18, 17, 12, 8, 6, 6, 5, 5, 4, 3, 3, 3, 3, 2, 2, 2, 2, 1, 1, 1, 1, 1,
                          1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5], dtype=float)
NO_FACTORS = "21"
RESIDENTIAL = {"K1", "K2", "R3", "S1", "H5"}
FOSTER = {"U1", "U2", "U3", "U4", "U5", "U6"}
ADOPTION = {"A3", "A4", "A5", "A6"}
NO_URN = "XXXXXXX"
# An assessment is authorised 0-10 days after its completion (never after the referral
# closed): `_assessment_fields` draws the day, `assessment_under_way_until` bounds it.
AUTHORISATION_DELAY_MAX = 10
# Supported accommodation (H5) is Ofsted-registered from this day (903 rule 230, 2023-24).
H5_REGISTERED = day(date(2023, 10, 29))
# SSDA903 2025-26: K3 and Z11-Z14 replace H5 and Z1 (rule 146 accepts only the new codes).
RECODE_DAY = day(date(2025, 4, 1))


def assessment_under_way_until(completed: np.ndarray) -> np.ndarray:
    """The last day an assessment completed on `completed` can still be under way: it is
    under way until authorised, at most AUTHORISATION_DELAY_MAX days after its completion
    (`_assessment_fields` draws the day); NONE, still open, where it is not completed.
    csc.generate.realism starts no other assessment of the child before then."""
    return np.where(completed == NONE, NONE, completed + AUTHORISATION_DELAY_MAX)


def _urns(n: int, rng: np.random.Generator) -> np.ndarray:
    numbers = rng.choice(900_000, size=n, replace=False) + 100_000
    return np.char.add("SC", numbers.astype(str)).astype(object)


def valid_upn(la: str, serial: np.ndarray, dob: np.ndarray) -> np.ndarray:
    """13-character UPNs: the DfE check letter, the LA code, the two-digit year the child
    started school, a seven-digit serial (unique within the LA)."""
    school_year = (np.asarray(dob, dtype=np.int64).astype("datetime64[D]").astype(
        "datetime64[Y]").astype(np.int64) + 1970 + 5) % 100
    body = [f"{la[-3:]:0>3}{y:02d}{s % 10**7:07d}" for y, s in zip(school_year, serial,
                                                                    strict=True)]
    letters = "ABCDEFGHJKLMNPQRTUVWXYZ"
    return np.array([letters[sum(int(c) * (i + 2) for i, c in enumerate(b)) % 23] + b
                     for b in body], dtype=object)


def add_statutory_fields(la: str, history: LaHistory, tables: dict[str, pa.Table],
                         rng: np.random.Generator, horizon_end: int,
                         own_rng: np.random.Generator) -> None:
    """Add the contract v2 columns to persons, cla_episodes and assessments, and the tables
    cin_plans and missing_episodes (in place; `rng`: the LA's STATUTORY_STREAM; `own_rng`:
    the postcodes of the LA's own provision, OWN_PROVISION_STREAM)."""
    area = AreaPostcodes(la)
    persons = tables["persons"]
    person = np.array([int(p[1:]) for p in persons["person_id"].to_pylist()], dtype=np.int64)
    n_people = history.n_people
    dob = np.full(n_people, NONE, dtype=np.int64)
    dob[person] = persons["date_of_birth"].to_numpy()
    sex = np.full(n_people, "", dtype=object)
    sex[person] = np.asarray(persons["sex"].to_pylist(), dtype=object)

    periods = history.periods
    period_person = np.asarray(history.period_person)
    start = periods.start.to_numpy().astype(np.int64)
    stop = np.where(periods.end.to_numpy() == NONE, horizon_end + 1,
                    periods.end.to_numpy()).astype(np.int64)
    period_dob = dob[period_person]
    uasc_period = _uasc(start, period_dob, sex[period_person], rng)
    uasc = np.zeros(n_people, dtype=bool)
    uasc[period_person[uasc_period]] = True

    tables["persons"] = _persons_fields(persons, person, dob, sex, uasc, periods,
                                        period_person, stop, horizon_end, rng)
    tables["cla_episodes"] = _episode_fields(tables["cla_episodes"], history, uasc_period,
                                             area, rng, own_rng)
    tables["assessments"] = _assessment_fields(tables["assessments"], history, rng)
    tables["cin_plans"] = _cin_plans(la, history, tables["assessments"], rng)
    tables["missing_episodes"] = _missing_episodes(la, start, stop, period_dob, period_person,
                                                   rng)
    tables["cla_episodes"] = _recode_placements(tables["cla_episodes"], rng)


def _last_august_31(on: int) -> int:
    """The day number of the last 31 August on or before day `on`."""
    when = np.datetime64(int(on), "D").astype(object)
    year = when.year if (when.month, when.day) >= (8, 31) else when.year - 1
    return day(date(year, 8, 31))


def _uasc(start: np.ndarray, dob: np.ndarray, sex: np.ndarray,
          rng: np.random.Generator) -> np.ndarray:
    """Periods of care of an unaccompanied asylum-seeking child: a few of those entering
    care aged 13 or more, mostly boys."""
    age = start - dob
    chance = np.where(sex == "M", 0.4, 0.05) * (age >= 13 * YEAR) * (dob != NONE)
    return rng.random(len(start)) < chance


def _persons_fields(persons: pa.Table, person: np.ndarray, dob: np.ndarray,
                    sex: np.ndarray, uasc: np.ndarray, periods: pd.DataFrame,
                    period_person: np.ndarray, stop: np.ndarray, horizon_end: int,
                    rng: np.random.Generator) -> pa.Table:
    n = len(person)
    child_dob = dob[person]
    no_upn = np.asarray(persons["upn"].to_pylist(), dtype=object) == ""
    # UN1 (not yet of school age): under 4 on the last 31 August before the last extract,
    # as 903 rule 209 reads school age; UN4 (UPN not yet obtained) never for a child in care
    # (903 rule 210: a child looked after has had time to have one), UN2 or UN5 instead
    last_august = _last_august_31(horizon_end)
    young = add_months(child_dob, 4 * 12) > last_august
    reason = rng.choice(["UN2", "UN4", "UN5"], size=n, p=[0.3, 0.4, 0.3])
    in_care = np.zeros(len(dob), dtype=bool)
    in_care[period_person] = True
    reason = np.where(in_care[person] & (reason == "UN4"), "UN5", reason)
    upn_unknown = np.where(no_upn, np.where(young, "UN1", reason), "").astype(object)

    has_disability = rng.random(n) < 0.13
    two = rng.random(n) < 0.25
    first = rng.choice(len(DISABILITIES), size=n, p=DISABILITY_SHARES)
    second = (first + 1 + rng.integers(0, len(DISABILITIES) - 1, n)) % len(DISABILITIES)
    disabilities = np.array(
        ["NONE" if not d else ";".join(sorted({DISABILITIES[f], DISABILITIES[s]} if t
                                              else {DISABILITIES[f]}))
         for d, t, f, s in zip(has_disability, two, first, second, strict=True)], dtype=object)

    is_uasc = uasc[person]
    ceased = np.where(is_uasc, add_months(child_dob, 18 * 12), NONE)

    # mothers: girls in care who have a child aged 14-17, while in care
    period_dob = dob[period_person]
    window_start = np.maximum(periods.start.to_numpy(), add_months(period_dob, 14 * 12))
    window_stop = np.minimum(np.minimum(stop, add_months(period_dob, 18 * 12)), horizon_end)
    can = (sex[period_person] == "F") & (window_stop - window_start > 60) & (period_dob != NONE)
    becomes = can & (rng.random(len(period_person)) < 0.04)
    birth = window_start + np.floor(rng.random(len(period_person))
                                    * np.maximum(window_stop - window_start, 1)).astype(np.int64)
    child_born = np.full(len(dob), NONE, dtype=np.int64)
    child_born[period_person[becomes]] = birth[becomes]
    mother_dob = child_born[person]
    mother = np.where(sex[person] == "F", "N", "").astype(object)
    return (persons.append_column("upn_unknown", pa.array(upn_unknown, pa.string()))
            .append_column("disabilities", pa.array(disabilities, pa.string()))
            .append_column("uasc", pa.array(np.where(is_uasc, "Y", "N"), pa.string()))
            .append_column("uasc_ceased_date", pa.array(ceased, pa.int64()))
            .append_column("mother", pa.array(mother, pa.string()))
            .append_column("mother_child_dob", pa.array(mother_dob, pa.int64())))


def _episode_fields(episodes_table: pa.Table, history: LaHistory, uasc_period: np.ndarray,
                    area: AreaPostcodes, rng: np.random.Generator,
                    own_rng: np.random.Generator) -> pa.Table:
    episodes = history.episodes
    n_periods = len(history.periods)
    period = episodes.period_id.to_numpy().astype(np.int64)
    category = np.where(uasc_period & (rng.random(n_periods) < 0.85), "N8",
                        rng.choice(CATEGORIES, size=n_periods, p=CATEGORY_SHARES))
    home = area.draw(n_periods, rng)
    home[uasc_period] = ""

    # placements: an episode starts a new one unless it changes the legal status only (L)
    order = np.lexsort((episodes.start.to_numpy(), period))
    rne = episodes.rne.to_numpy().astype(str)[order]
    new_period = np.r_[True, period[order][1:] != period[order][:-1]]
    placement_sorted = np.cumsum(new_period | (rne != "L")) - 1
    placement = np.empty(len(order), dtype=np.int64)
    placement[order] = placement_sorted
    n_placements = int(placement.max(initial=-1)) + 1
    first_episode = np.full(n_placements, -1, dtype=np.int64)
    first_episode[placement[order][::-1]] = order[::-1]
    kind = episodes.placement_type.to_numpy().astype(str)[first_episode]
    place_period = period[first_episode]
    end = episodes.end.to_numpy().astype(np.int64)
    last_end = np.full(n_placements, -2, dtype=np.int64)
    open_end = np.where(end == NONE, NEVER, end)
    np.maximum.at(last_end, placement, open_end)

    residential = np.isin(kind, sorted(RESIDENTIAL))
    foster = np.isin(kind, sorted(FOSTER))
    adoption = np.isin(kind, sorted(ADOPTION))
    n_homes = max(3, int(residential.sum()) // 4)
    providers = _urns(n_homes + 7, rng)  # homes, the LA's fostering and adoption services, IFAs
    home_urn, la_fostering, la_adoption, agencies = (providers[:n_homes], providers[n_homes],
                                                     providers[n_homes + 1],
                                                     providers[n_homes + 2:])
    home_postcode = area.draw(n_homes, rng, rng.random(n_homes) < 0.4)
    which_home = rng.integers(0, n_homes, n_placements)
    by_agency = rng.random(n_placements) < 0.35
    agency = agencies[rng.integers(0, len(agencies), n_placements)]
    urn = np.full(n_placements, NO_URN, dtype=object)
    urn[residential] = home_urn[which_home[residential]]
    urn[foster] = np.where(by_agency, agency, la_fostering)[foster]
    urn[adoption] = la_adoption
    urn[(kind == "H5") & (last_end < H5_REGISTERED)] = NO_URN

    postcode = area.draw(n_placements, rng, rng.random(n_placements) < 0.2)
    postcode[residential] = home_postcode[which_home[residential]]
    # the LA's own provision (PR1) other than fostering and adoption is in the LA (903 rule
    # 1015): drawn from a stream of its own, so the other fields' draws stay as they were
    provider = episodes.placement_provider.to_numpy().astype(str)[first_episode]
    own = (provider == "PR1") & ~foster & ~adoption
    postcode[own] = area.draw(int(own.sum()), own_rng)
    with_parents = kind == "P1"
    postcode[with_parents] = np.where(home[place_period] != "", home[place_period],
                                      postcode)[with_parents]
    for _ in range(5):  # a placement away from home is never at the home's postcode
        same = ~with_parents & (postcode == home[place_period])
        if not same.any():
            break
        postcode[same] = area.draw(int(same.sum()), rng)
    return (episodes_table
            .append_column("category_of_need", pa.array(category[period], pa.string()))
            .append_column("home_postcode", pa.array(home[period].astype(str), pa.string()))
            .append_column("placement_postcode",
                           pa.array(postcode[placement].astype(str), pa.string()))
            .append_column("placement_urn", pa.array(urn[placement].astype(str), pa.string())))


def _recode_placements(episodes_table: pa.Table, rng: np.random.Generator) -> pa.Table:
    """Placement types as used from 2025-26: an H5 or Z1 episode open on 1 April 2025 is
    recoded K3 or Z11-Z14 from that day (from its start if it starts later), as LAs recoded
    their open episodes (hidden columns read by csc.generate.drops.RECODED)."""
    kind = np.asarray(episodes_table["placement_type"].to_pylist(), dtype=object)
    start = episodes_table["start_date"].to_numpy()
    end = episodes_table["end_date"].to_numpy()
    open_then = (end == NONE) | (end > RECODE_DAY)
    new = np.where(kind == "H5", "K3", rng.choice(["Z11", "Z12", "Z13", "Z14"], len(kind)))
    recoded = open_then & np.isin(kind, ["H5", "Z1"])
    since = np.where(recoded, np.maximum(start, RECODE_DAY), NONE)
    return (episodes_table
            .append_column("_placement_type_new",
                           pa.array(np.where(recoded, new, kind).astype(str), pa.string()))
            .append_column("_placement_type_from", pa.array(since, pa.int64())))


def _assessment_fields(assessments_table: pa.Table, history: LaHistory,
                       rng: np.random.Generator) -> pa.Table:
    assessments = history.assessments
    n = len(assessments)
    completed = assessments.completed.to_numpy().astype(np.int64)
    closure = history.referrals.closure.to_numpy().astype(np.int64)[
        assessments.referral_id.to_numpy()]
    delay = rng.choice(AUTHORISATION_DELAY_MAX + 1, size=n,
                       p=[0.35, 0.2, 0.12, 0.08] + [0.25 / 7] * 7)
    authorised = np.where(completed == NONE, NONE,
                          np.maximum(completed, np.minimum(completed + delay, closure)))
    how_many = rng.choice([1, 2, 3, 4], size=n, p=[0.35, 0.35, 0.2, 0.1])
    none_found = rng.random(n) < 0.06
    shares = FACTOR_SHARES / FACTOR_SHARES.sum()
    position = {code: i for i, code in enumerate(FACTORS)}
    factors = np.array(
        ["" if done == NONE else NO_FACTORS if nothing else ";".join(sorted(
            rng.choice(FACTORS, size=k, replace=False, p=shares), key=position.get))
         for done, nothing, k in zip(completed, none_found, how_many, strict=True)],
        dtype=object)
    return (assessments_table
            .append_column("authorisation_date", pa.array(authorised, pa.int64()))
            .append_column("factors", pa.array(factors, pa.string())))


def _cin_plans(la: str, history: LaHistory, assessments: pa.Table,
               rng: np.random.Generator) -> pa.Table:
    referrals = history.referrals
    authorised = pd.Series(assessments["authorisation_date"].to_numpy(),
                           index=history.assessments.referral_id.to_numpy())
    authorised = authorised[authorised.to_numpy() != NONE].groupby(level=0).min()
    rid = authorised.index.to_numpy()
    closure = referrals.closure.to_numpy().astype(np.int64)[rid]
    reason = referrals.closure_reason.to_numpy().astype(str)[rid]
    nfa = referrals.nfa_date.to_numpy()[rid] != NONE
    goes_on = (~nfa & ~np.isin(reason, ["RC8", "RC9"]) & (closure - authorised.to_numpy() > 14)
               & (rng.random(len(rid)) < 0.85))
    plans = history.plans
    cp = pd.DataFrame({"person": np.asarray(history.plan_person),
                       "start": plans.start.to_numpy(),
                       "end": np.where(plans.end.to_numpy() == NONE, NEVER,
                                       plans.end.to_numpy())}).sort_values(["person", "start"])
    cp_of = {p: g[["start", "end"]].to_numpy() for p, g in cp.groupby("person")}
    rows = []
    people = referrals.person.to_numpy()
    # one CIN plan at a time: a referral received while the child's plan is open (it joins
    # that CIN episode) has a plan only for the time no other plan of the child covers
    # (CIN census rules 4004, 4014)
    planned: dict[int, list[tuple[int, int]]] = {}
    chosen = np.flatnonzero(goes_on)
    chosen = chosen[np.lexsort((authorised.to_numpy()[chosen], people[rid[chosen]]))]
    for r, begin, finish in zip(rid[chosen], authorised.to_numpy()[chosen], closure[chosen],
                                strict=True):
        free = [(int(begin), int(finish))]
        busy = planned.setdefault(int(people[r]), [])
        for cp_start, cp_end in cp_of.get(int(people[r]), ()):
            free = [piece for s, e in free for piece in
                    ((s, min(e, cp_start)), (max(s, cp_end), e)) if piece[1] - piece[0] > 14]
        for plan_start, plan_end in busy:  # (the census: not even on the same day)
            free = [piece for s, e in free for piece in
                    ((s, min(e, plan_start - 1)), (max(s, plan_end + 1), e))
                    if piece[1] - piece[0] > 14]
        busy += free
        rows += [(r, s, e) for s, e in free]
    rows.sort()
    frame = pd.DataFrame(rows, columns=["referral", "start", "end"], dtype=np.int64)
    return pa.table({
        "la_code": pa.array([la] * len(frame), pa.string()),
        "cin_plan_id": pa.array([f"CIN{i:07d}" for i in range(len(frame))], pa.string()),
        "person_id": pa.array([f"P{p:07d}" for p in people[frame.referral.to_numpy()]],
                              pa.string()),
        "referral_id": pa.array([f"R{r:08d}" for r in frame.referral], pa.string()),
        "start_date": pa.array(frame.start.to_numpy(), pa.int64()),
        "end_date": pa.array(np.where(frame.end.to_numpy() >= NEVER, NONE, frame.end),
                             pa.int64()),
        "_rec": pa.array(frame.start.to_numpy(), pa.int64())})


def _missing_episodes(la: str, start: np.ndarray, stop: np.ndarray, dob: np.ndarray,
                      period_person: np.ndarray, rng: np.random.Generator) -> pa.Table:
    lo = np.maximum(start, add_months(dob, 11 * 12))
    hi = np.minimum(stop, add_months(dob, 18 * 12))
    older = lo - dob
    chance = np.where(older >= 14 * YEAR, 0.25, 0.1) * ((hi - lo) > 30) * (dob != NONE)
    goes = rng.random(len(start)) < chance
    times = np.minimum(1 + rng.poisson(2, len(start)), 12)
    rows = []
    for p in np.flatnonzero(goes):
        span = int(hi[p] - lo[p])
        days = np.sort(lo[p] + rng.choice(span, size=min(int(times[p]), span), replace=False))
        length = rng.choice([0, 1, 2, 3, 5, 8], size=len(days),
                            p=[0.45, 0.3, 0.1, 0.05, 0.06, 0.04])
        following = np.r_[days[1:] - 1, hi[p] - 1]
        ends = np.maximum(days, np.minimum(days + length, following))
        kinds = rng.choice(["M", "A"], size=len(days), p=[0.75, 0.25])
        rows += [(period_person[p], d, e, k) for d, e, k in zip(days, ends, kinds, strict=True)]
    frame = pd.DataFrame(rows, columns=["person", "start", "end", "type"])
    return pa.table({
        "la_code": pa.array([la] * len(frame), pa.string()),
        "missing_id": pa.array([f"M{i:07d}" for i in range(len(frame))], pa.string()),
        "person_id": pa.array([f"P{p:07d}" for p in frame.person], pa.string()),
        "missing_type": pa.array(frame["type"].to_numpy(dtype=object), pa.string()),
        "start_date": pa.array(frame.start.to_numpy(dtype=np.int64), pa.int64()),
        "end_date": pa.array(frame.end.to_numpy(dtype=np.int64), pa.int64()),
        "_rec": pa.array(frame.start.to_numpy(dtype=np.int64), pa.int64())})
