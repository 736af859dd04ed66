"""Combinations of codes the DfE's validation rules require, for uncalibrated LAs.

The history draws each care episode's placement type, legal status, provider and reasons,
and each referral's reason for closure, independently of one another (csc.generate.
placements, csc.generate.children_in_need): some combinations come out that a real case
record cannot hold and the SSDA903 and CIN census rules reject. `make_consistent` corrects
them in the history of an uncalibrated LA, before its tables are built, drawing from a
random stream of its own (the LA's seed and REALISM_STREAM). The calibrated demo is left as
it is: its draws, and so its published figures, do not change (docs/generator.md).

What it corrects (the DfE rule each correction meets in brackets):
- assessments and section 47 enquiries, one at a time per child: a referral received while
  the child's case is open joins its CIN episode (csc.returns.cin_census), and the history
  gives each referral its own assessment and, for some, its own enquiry. An assessment that
  would start before another of the child's is completed and authorised (up to 10 days
  after) is not started, nor the core assessment that would follow it: the new referral's
  concerns go into the open one (CIN census 8896, 8863Q); so is an enquiry that would
  start while another of the child's is under way (to its initial conference, else its
  end) and has no conference of its own (8890).
- referrals: one is not closed before its assessments are completed (8565): the closure
  moves to the last completion.
- referrals: one that led to a section 47 enquiry or a CP plan, or that shares its child's
  CIN episode (received while it was open) with such a referral or with one that went on
  after assessment (which may have a CIN plan), is not closed "after assessment, no further
  action" or "referred to early help" (RC8, RC9): RC7 (2990).
- episodes, placement types: a placement in a school (S1) for a child under 4 (373), in
  semi-independent living (H5) for a child under 16 (371), a move from placed with parents
  to placed with parents (no change at all, 435, 436), and temporary placements (T1:
  a period of care may not start or end with one and the child must go back to the
  placement before it, 375, 380, 381, 383) are foster placements (U3) instead.
- legal status as a timeline per period of care: it changes only on an episode whose
  reason says so (L, B, U) and stays the same on a change of placement alone (P, T) (434,
  435, 436); police protection (L1) and PACE detention (J2), which last hours, do not
  start a period here (361, 364): an interim care order (C1) and, for a child of 10 or
  more, remand to the LA (J1), else C1 (358); a child placed with parents (P1) is never
  accommodated under section 20 (V2) (378): a care order (C2). A placement for adoption
  (A6: placement order, not with the current foster carers) comes with a placement order
  (E1) on an episode whose reason says both changed (B) (217, 408); the period's later
  episodes join it (the child stays placed for adoption until adopted, 390).
- placement provider: by placement (an episode of a change of legal status alone keeps its
  provider): none for Z1 (178), PR0 (parents) for P1 (527-531), never another public body
  (PR3) for a foster, adoptive or children's home placement (529).
- reason ceased: the codes retired in 2016 for special guardianship (E43, E44) and the
  former-foster-carer ones (E45, E46) where the last placement was not fostering (516)
  become E47, E48; independent living (E5) under 14 becomes E8 (387).
- once the tables are built (`fit_the_child`): a child looked after has a known sex (101);
  a review before the child's 4th birthday has participation PN0 (441: the tables tell age
  4 by 4 x 365 days, a day late where a 29 February falls between).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from csc.generate.calendar import add_months
from csc.generate.context import NEVER, NONE
from csc.generate.history import LaHistory
from csc.generate.statutory import assessment_under_way_until

REALISM_STREAM = 1904  # np.random.default_rng([seed, 1904])

NO_PROVIDER = ""


def make_consistent(history: LaHistory, rng: np.random.Generator) -> None:
    """Correct the history's code combinations in place (see the module's docstring); the
    tables built from it get `fit_the_child` after."""
    _one_assessment_at_a_time(history)
    _one_enquiry_at_a_time(history)
    _closed_after_assessments(history)
    _closure_reasons(history)
    history.episodes = _episodes(history, rng)


def _not_overlapping(person: np.ndarray, start: np.ndarray, stop: np.ndarray,
                     inclusive: bool) -> np.ndarray:
    """Which spells to keep (in their order) so that none of a person's kept spells starts
    while an earlier kept one is under way: from its start to `stop` (NONE: still open),
    `stop` itself included when `inclusive`. Ties keep the first in the arrays' order."""
    stop = np.where(stop == NONE, NEVER, stop)
    order = np.lexsort((np.arange(len(start)), start, person))
    keep = np.ones(len(start), dtype=bool)
    last_person, busy_until = None, -1
    for i in order:
        if person[i] != last_person:
            last_person, busy_until = person[i], -1
        elif start[i] < busy_until or (inclusive and start[i] == busy_until):
            keep[i] = False
            continue
        busy_until = max(busy_until, stop[i])
    return keep


def _one_assessment_at_a_time(history: LaHistory) -> None:
    assessments = history.assessments
    person = history.referrals.person.to_numpy()[assessments.referral_id.to_numpy()]
    stop = assessment_under_way_until(assessments.completed.to_numpy().astype(np.int64))
    keep = _not_overlapping(person, assessments.start.to_numpy().astype(np.int64), stop,
                            inclusive=False)
    # A core assessment only follows its referral's initial one: a referral whose initial
    # assessment is not started has none (else it would count as assessed where the
    # assessment is untyped, as in the SSD, and not where it is typed).
    dropped = assessments.referral_id[~keep & (assessments.type != "core").to_numpy()]
    keep &= ~assessments.referral_id.isin(dropped).to_numpy()
    history.assessments = assessments[keep].reset_index(drop=True)


def _one_enquiry_at_a_time(history: LaHistory) -> None:
    """Enquiries are numbered by position (s47_id): the kept ones are numbered again, and
    their conferences and CP plans follow."""
    enquiries = history.enquiries
    person = history.referrals.person.to_numpy()[enquiries.referral_id.to_numpy()]
    icpc = enquiries.icpc.to_numpy().astype(np.int64)
    stop = np.where(icpc != NONE, icpc, enquiries.end.to_numpy().astype(np.int64))
    keep = _not_overlapping(person, enquiries.start.to_numpy().astype(np.int64), stop,
                            inclusive=True)
    s47 = enquiries.s47_id.to_numpy().astype(np.int64)
    conferred = (np.isin(s47, history.conferences.s47_id.to_numpy())
                 | np.isin(s47, history.plans.s47_id.to_numpy()) | (icpc != NONE))
    keep |= conferred  # an enquiry that led to a conference stays (none such seen)
    if keep.all():
        return
    renumber = np.full(len(enquiries), NONE, dtype=np.int64)
    renumber[s47[keep]] = np.arange(int(keep.sum()))
    history.enquiries = enquiries[keep].reset_index(drop=True).assign(
        s47_id=np.arange(int(keep.sum())))
    def renumbered(ids: pd.Series) -> np.ndarray:
        ids = ids.to_numpy().astype(np.int64)
        return np.where(ids >= 0, renumber[np.maximum(ids, 0)], ids)

    history.conferences = history.conferences.assign(
        s47_id=renumbered(history.conferences.s47_id))
    history.plans = history.plans.assign(s47_id=renumbered(history.plans.s47_id))


def _closed_after_assessments(history: LaHistory) -> None:
    referrals = history.referrals
    assessments = history.assessments
    completed = assessments.completed.to_numpy().astype(np.int64)
    done = completed != NONE
    last = np.full(len(referrals), NONE, dtype=np.int64)
    np.maximum.at(last, assessments.referral_id.to_numpy().astype(np.int64)[done],
                  completed[done])
    closure = referrals.closure.to_numpy().astype(np.int64)
    early = (closure != NONE) & (closure < last)
    referrals["closure"] = np.where(early, last, closure)


def _closure_reasons(history: LaHistory) -> None:
    referrals = history.referrals
    n = len(referrals)
    active = np.zeros(n, dtype=bool)
    active[history.enquiries.referral_id.to_numpy().astype(np.int64)] = True
    active |= referrals.leads.to_numpy(dtype=bool)
    # one that went on after assessment (not RC8, RC9, not NFA) may have a CIN plan
    # (csc.generate.statutory)
    active |= (~np.isin(referrals.closure_reason.to_numpy().astype(str), ["RC8", "RC9"])
               & (referrals.nfa_date.to_numpy() == NONE))
    # a referral received while its child's case is open joins that case's CIN episode
    # (csc.returns.cin_census): the whole episode carries the further action
    person = referrals.person.to_numpy()
    received = referrals.referral_date.to_numpy().astype(np.int64)
    closure = referrals.closure.to_numpy().astype(np.int64)
    closure = np.where(closure == NONE, NEVER, closure)
    order = np.lexsort((received, person))
    episode = np.empty(n, dtype=np.int64)
    current, open_until, last_person = -1, -1, None
    for i in order:
        if person[i] != last_person or received[i] > open_until:
            current += 1
            open_until = closure[i]
            last_person = person[i]
        else:
            open_until = max(open_until, closure[i])
        episode[i] = current
    episode_active = np.zeros(current + 1, dtype=bool)
    np.logical_or.at(episode_active, episode, active)
    reason = referrals.closure_reason.to_numpy().astype(object)
    wrong = episode_active[episode] & np.isin(reason, ["RC8", "RC9"])
    reason[wrong] = "RC7"
    referrals["closure_reason"] = reason


def _episodes(history: LaHistory, rng: np.random.Generator) -> pd.DataFrame:
    episodes = history.episodes.sort_values(["period_id", "start"], kind="stable")
    episodes = _join_after_adoptive(episodes.reset_index(drop=True))
    n = len(episodes)
    periods = history.periods
    period = episodes.period_id.to_numpy().astype(np.int64)
    dob = periods.dob.to_numpy().astype(np.int64)[period]
    start = episodes.start.to_numpy().astype(np.int64)
    age4, age10, age14, age16 = (add_months(dob, 12 * years) for years in (4, 10, 14, 16))
    rne = episodes.rne.to_numpy().astype(object)
    adoptive = episodes.adoptive.to_numpy(dtype=bool)
    first = np.r_[True, period[1:] != period[:-1]]

    # placement types
    place = episodes.placement_type.to_numpy().astype(object)
    legal_only = (rne == "L") & ~first
    unfit = (((place == "S1") & (start < age4)) | ((place == "H5") & (start < age16))
             | (place == "T1"))
    place[unfit & ~legal_only] = "U3"
    place[adoptive] = "A6"
    # a move from home to home is no change of placement (P1 is always at the home, with
    # the parents as provider: 435, 436): the move is to foster carers
    previous = np.r_[None, place[:-1]]
    place[~first & ~legal_only & (place == "P1") & (previous == "P1")] = "U3"
    # an L episode keeps its placement (the one before it)
    place = pd.Series(np.where(legal_only, None, place)).ffill().to_numpy().astype(object)

    # legal status: the period's first, changed only where the reason for the episode says
    status = episodes.legal_status.to_numpy().astype(object)
    opening = status.copy()
    opening[np.isin(opening, ["L1"])] = "C1"
    opening[np.isin(opening, ["J2"])] = np.where(start >= age10, "J1", "C1")[
        np.isin(opening, ["J2"])]
    opening[(opening == "J1") & (start < age10)] = "C1"
    changes = ~first & np.isin(rne, ["L", "B", "U"])
    out = np.empty(n, dtype=object)
    for i in range(n):
        if first[i]:
            out[i] = opening[i]
        elif adoptive[i]:
            out[i] = "E1"
        elif changes[i]:
            before = out[i - 1]
            out[i] = {"C1": "C2", "V2": "C1", "J1": "C1", "E1": "C2"}.get(before, "C1")
        else:
            out[i] = out[i - 1]
        if place[i] == "P1" and out[i] == "V2":
            out[i] = "C2"  # placed with parents: under a care order (378)
    rne = np.where(adoptive, "B", rne)
    # a P or T move whose legal status had to change, or a B or U move that kept it
    same_status = np.r_[False, out[1:] == out[:-1]] & ~first
    rne = np.where(~first & np.isin(rne, ["P", "T"]) & ~same_status, "B", rne)
    rne = np.where(~first & np.isin(rne, ["B", "U"]) & same_status, "P", rne)

    # providers: by placement; an L episode keeps the provider before it
    drawn = episodes.placement_provider.to_numpy().astype(object)
    foster_like = np.char.startswith(place.astype(str), "U") | np.char.startswith(
        place.astype(str), "A") | np.isin(place, ["K1", "K2"])
    redraw = rng.choice(["PR1", "PR4", "PR5"], size=n, p=[0.5, 0.4, 0.1])
    provider = np.where(foster_like & (drawn == "PR3"), redraw, drawn)
    provider = np.where(place == "P1", "PR0", provider)
    provider = np.where(np.isin(place, ["Z1", "T0", "T1", "T2", "T3", "T4"]), NO_PROVIDER,
                        provider)
    provider = pd.Series(np.where(legal_only, None, provider)).ffill().to_numpy()

    # reasons ceased
    ceased = episodes.reason_ceased.to_numpy().astype(object)
    sgo = np.isin(ceased, ["E43", "E44", "E45", "E46"])
    fostered = np.char.startswith(place.astype(str), "U")
    ceased = np.where(sgo & ~(np.isin(ceased, ["E45", "E46"]) & fostered),
                      np.where(np.isin(ceased, ["E43", "E45"]), "E47", "E48"), ceased)
    end = episodes.end.to_numpy().astype(np.int64)
    ceased = np.where((ceased == "E5") & (end < age14), "E8", ceased)

    episodes["placement_type"] = place
    episodes["legal_status"] = out
    episodes["rne"] = rne
    episodes["placement_provider"] = provider
    episodes["reason_ceased"] = ceased
    return episodes


def _join_after_adoptive(episodes: pd.DataFrame) -> pd.DataFrame:
    """A child placed for adoption stays so until the period ends: the period's episodes
    after its adoptive placement join it (end and reason ceased of the last)."""
    period = episodes.period_id.to_numpy()
    adoptive = episodes.adoptive.to_numpy(dtype=bool)
    placed = pd.Series(np.where(adoptive, 1, 0)).groupby(period).cummax().to_numpy()
    after = (placed == 1) & ~adoptive
    if not after.any():
        return episodes
    last = ~np.r_[period[1:] == period[:-1], False]
    keep = ~after
    # the adoptive episode takes the end and reason of its period's last episode
    end = episodes.end.to_numpy().copy()
    reason = episodes.reason_ceased.to_numpy().copy()
    period_end = pd.Series(end[last], index=period[last])
    period_reason = pd.Series(reason[last], index=period[last])
    joined = adoptive & pd.Series(after).groupby(period).transform("any").to_numpy()
    end[joined] = period_end.reindex(period[joined]).to_numpy()
    reason[joined] = period_reason.reindex(period[joined]).to_numpy()
    episodes = episodes.assign(end=end, reason_ceased=reason)
    return episodes[keep].reset_index(drop=True)


def known_sex(history: LaHistory, tables: dict[str, pa.Table],
              rng: np.random.Generator) -> None:
    """A child looked after has a known sex (SSDA903 rule 101: 1 or 2): the few children in
    care drawn with sex unknown (U, csc.generate.people) are boys or girls (in place)."""
    persons = tables["persons"]
    number = np.array([int(p[1:]) for p in persons["person_id"].to_pylist()], dtype=np.int64)
    sex = np.asarray(persons["sex"].to_pylist(), dtype=object)
    unknown = np.isin(number, np.asarray(history.period_person)) & (sex == "U")
    sex[unknown] = np.where(rng.random(int(unknown.sum())) < 0.5, "M", "F")
    column = persons.schema.get_field_index("sex")
    tables["persons"] = persons.set_column(column, "sex", pa.array(sex, pa.string()))


def fit_the_child(history: LaHistory, tables: dict[str, pa.Table],
                  rng: np.random.Generator) -> None:
    """The corrections made once the tables are built (in place): `known_sex`, and a
    review held before the child's 4th birthday has participation PN0, the code for a child
    under 4 (SSDA903 rule 441)."""
    known_sex(history, tables, rng)
    persons, reviews = tables["persons"], tables["cla_reviews"]
    dob = pd.Series(persons["date_of_birth"].to_numpy(),
                    index=persons["person_id"].to_pylist())
    child_dob = dob.reindex(reviews["person_id"].to_pylist()).to_numpy()
    held = reviews["review_date"].to_numpy()
    under_four = held < add_months(child_dob, 4 * 12)
    code = np.asarray(reviews["participation_code"].to_pylist(), dtype=object)
    code[under_four] = "PN0"
    column = reviews.schema.get_field_index("participation_code")
    tables["cla_reviews"] = reviews.set_column(column, "participation_code",
                                               pa.array(code, pa.string()))
