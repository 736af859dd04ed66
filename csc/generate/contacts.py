"""Contacts and referrals: the front door of children's social care.

Each quarter gets exactly its targeted contacts in each outcome (closed and logged, referral
closed as no further action, referral proceeding to assessment, referral yet to proceed),
from referrers in the report's Table 1 mix, plus contacts recorded late (after the drop that
first reports the quarter). Every contact that is not closed and logged is a referral; the
quarter's targeted number of assessed referrals lead to a section 47 enquiry. In an
uncalibrated LA contacts follow the school year (day_weights); the calibrated demo keeps
the uniform days it was calibrated with. After the history is built, bad spells at the
front door make some contacts wait for their decision (delay_decisions).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from csc.generate.context import NONE, BuildContext, pick

# A contact's outcome (the `outcome` column) ...
CLOSED_LOGGED, NFA, ASSESSED, YET_TO_PROCEED = 0, 1, 2, 3
# ... and the referrer-mix column (targets.LaPlan.source_mix / sources) of each, in order.
OUTCOME_MIX_COLUMNS = ["closed_logged", "nfa", "proceeded_to_assessment", "yet_to_proceed"]
# What became of a referral (the `fate` column): as `outcome`, with still undecided.
UNDECIDED = 0

PRIMARY_NEEDS = ["N0", "N1", "N2", "N3", "N4", "N5", "N6", "N7", "N8", "N9"]
PRIMARY_NEED_SHARES = [0.01, 0.55, 0.04, 0.08, 0.18, 0.04, 0.03, 0.03, 0.02, 0.02]


def build_contacts(context: BuildContext) -> pd.DataFrame:
    """All contacts, quarter by quarter: quarter, contact and decision days, outcome,
    referrer (`source`), day recorded and whether recorded late; numbered `contact_id`."""
    rng, working_days, plan = context.rng, context.working_days, context.plan
    by_quarter = []
    mix = plan.source_mix
    referrers = mix.index.to_numpy(dtype=object)
    for quarter_number, quarter in context.quarters.iterrows():
        counts = [quarter.closed_logged, quarter.nfa, quarter.assessed, quarter.yet]
        if quarter_number in plan.sources:
            exact = plan.sources[quarter_number]
            source = np.concatenate([
                np.repeat(exact.index.to_numpy(dtype=object), exact[column].to_numpy())
                for column in OUTCOME_MIX_COLUMNS])
        else:
            source = np.concatenate([
                referrers[rng.choice(len(referrers), size=int(count), p=mix[column].to_numpy())]
                for column, count in zip(OUTCOME_MIX_COLUMNS, counts, strict=True)])
        outcome = np.repeat(np.arange(4), np.asarray(counts, dtype=int))
        n_late = int(quarter.late_contacts)
        late = np.concatenate([np.zeros(len(outcome), dtype=bool), np.ones(n_late, dtype=bool)])
        outcome = np.concatenate([outcome, np.full(n_late, CLOSED_LOGGED, dtype=int)])
        source = np.concatenate([source, referrers[rng.choice(
            len(referrers), size=n_late, p=mix["closed_logged"].to_numpy())]])
        n_contacts = len(outcome)
        order = rng.permutation(n_contacts)
        outcome, source, late = outcome[order], source[order], late[order]
        if plan.calibrated:
            contact_day = np.sort(working_days.uniform(quarter.start, quarter.end, n_contacts,
                                                       rng))
        else:  # school terms and the September and January peaks
            contact_day = _seasonal_days(quarter, source, working_days, rng)
            by_day = np.argsort(contact_day, kind="stable")
            contact_day, outcome, source, late = (contact_day[by_day], outcome[by_day],
                                                  source[by_day], late[by_day])
        last_working_day = working_days.at(working_days.last_pos(quarter.end))
        decision_day = np.minimum(
            working_days.add(contact_day, rng.integers(0, 2, size=n_contacts)),
            last_working_day)
        decision_day = np.maximum(decision_day, contact_day)
        recorded = np.where(late, quarter.reported + 1 + rng.integers(0, 45, size=n_contacts),
                            contact_day)
        by_quarter.append(pd.DataFrame({
            "quarter": quarter_number, "contact_date": contact_day,
            "decision_date": decision_day, "outcome": outcome, "source": source,
            "recorded": recorded, "late": late}))
    contacts = pd.concat(by_quarter, ignore_index=True)
    contacts["contact_id"] = np.arange(len(contacts))
    return contacts


def day_weights(days: np.ndarray, education: bool) -> np.ndarray:
    """How likely a contact is on each day: more in September and January, a little fewer in
    August and over Christmas; from schools (`education`) hardly any in the school holidays
    (summer, Christmas, Easter, half terms; English dates, roughly)."""
    dates = days.astype("datetime64[D]")
    months = dates.astype("datetime64[M]")
    month = months.astype(np.int64) % 12 + 1
    day_of_month = (dates - months).astype(np.int64) + 1
    weight = np.ones(len(days))
    weight[month == 9] *= 1.25
    weight[month == 1] *= 1.15
    weight[month == 8] *= 0.9
    christmas = ((month == 12) & (day_of_month >= 21)) | ((month == 1) & (day_of_month <= 3))
    weight[christmas] *= 0.7
    if education:
        easter = easter_sunday(dates.astype("datetime64[Y]").astype(np.int64) + 1970)
        holiday = (christmas | ((month == 7) & (day_of_month >= 22)) | (month == 8)
                   | ((month == 10) & (day_of_month >= 24)) | ((month == 2) & (day_of_month >= 14)
                                                               & (day_of_month <= 21))
                   | ((month == 5) & (day_of_month >= 26))
                   | ((days >= easter - 9) & (days <= easter + 8)))
        weight[holiday] *= 0.15
    return weight


def easter_sunday(year: np.ndarray) -> np.ndarray:
    """Easter Sunday of each year as a day number (the Gregorian computus)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 19 * l_) // 433
    month = (h + l_ - 7 * m + 90) // 25
    day_of_month = (h + l_ - 7 * m + 33 * month + 19) % 32
    first = (np.asarray(year) - 1970).astype("datetime64[Y]").astype("datetime64[M]")
    return ((first + (month - 1)).astype("datetime64[D]") + (day_of_month - 1)).astype(np.int64)


def _seasonal_days(quarter: pd.Series, source: np.ndarray, working_days,
                   rng: np.random.Generator) -> np.ndarray:
    """A working day of the quarter for each contact, by the weights of its referrer."""
    days = working_days.days[working_days.first_pos(quarter.start):
                             working_days.last_pos(quarter.end) + 1]
    education = np.char.startswith(source.astype(str), "Education")
    contact_day = np.empty(len(source), dtype=np.int64)
    for is_education in (False, True):
        weight = day_weights(days, is_education)
        chosen = education == is_education
        contact_day[chosen] = rng.choice(days, size=int(chosen.sum()), p=weight / weight.sum())
    return contact_day


def build_referrals(context: BuildContext, contacts: pd.DataFrame) -> pd.DataFrame:
    """The referrals (every contact not closed and logged): referral day, NFA day, `fate`
    (what became of it), `assess_after` (a yet-to-proceed referral assessed after its drop),
    `s47` and primary need.

    Yet-to-proceed referrals are restated on later drops: closed as NFA where the plan asks
    (the demo's ytd figures), otherwise most proceed to assessment, some (uncalibrated LAs)
    close as NFA, a few stay undecided."""
    rng, working_days, quarters = context.rng, context.working_days, context.quarters
    referrals = contacts[contacts.outcome > CLOSED_LOGGED].copy()
    referrals["referral_id"] = np.arange(len(referrals))
    referrals["referral_date"] = referrals.decision_date
    n_referrals = len(referrals)
    referrals["nfa_date"] = np.where(referrals.outcome == NFA, referrals.decision_date, NONE)
    referrals["fate"] = np.where(referrals.outcome == ASSESSED, ASSESSED,
                                 np.where(referrals.outcome == NFA, NFA, UNDECIDED))
    referrals["assess_after"] = NONE
    reported = quarters.reported.to_numpy()[referrals.quarter.to_numpy()]
    nfa_day_column = referrals.columns.get_loc("nfa_date")
    fate_column = referrals.columns.get_loc("fate")
    for referral_quarter, after, by, how_many in context.plan.restated_nfa:
        still_yet = np.flatnonzero((referrals.quarter.to_numpy() == referral_quarter)
                                   & (referrals.outcome.to_numpy() == YET_TO_PROCEED)
                                   & (referrals.fate.to_numpy() == UNDECIDED))
        restated = pick(still_yet, how_many, rng)
        context.note("restated NFA", referral_quarter, how_many, len(restated))
        referrals.iloc[restated, nfa_day_column] = working_days.uniform(
            after + 1, by, len(restated), rng)
        referrals.iloc[restated, fate_column] = NFA
    yet = np.flatnonzero((referrals.outcome.to_numpy() == YET_TO_PROCEED)
                         & (referrals.fate.to_numpy() == UNDECIDED))
    draw = rng.random(len(yet))
    decided_on = reported[yet] + 1 + rng.integers(0, 60, size=len(yet))
    # calibrated quarters restate NFAs only as planned (the report's ytd figures say how)
    nfa_share = 0.0 if context.plan.calibrated else 0.3
    referrals.iloc[yet[draw < nfa_share], nfa_day_column] = working_days.at(
        working_days.first_pos(decided_on[draw < nfa_share]))
    referrals.iloc[yet[draw < nfa_share], fate_column] = NFA
    assessed_later = yet[draw >= 0.45]
    referrals.iloc[assessed_later, referrals.columns.get_loc("assess_after")] = working_days.at(
        working_days.first_pos(decided_on[draw >= 0.45]))
    referrals.iloc[assessed_later, fate_column] = ASSESSED
    referrals["s47"] = False
    for quarter_number, quarter in quarters.iterrows():
        assessed = np.flatnonzero((referrals.quarter.to_numpy() == quarter_number)
                                  & (referrals.outcome.to_numpy() == ASSESSED))
        to_s47 = pick(assessed, int(quarter.s47), rng)
        context.note("S47 referrals", quarter_number, int(quarter.s47), len(to_s47))
        referrals.iloc[to_s47, referrals.columns.get_loc("s47")] = True
    referrals["need"] = np.where(referrals.s47, "N1", rng.choice(
        PRIMARY_NEEDS, size=n_referrals, p=PRIMARY_NEED_SHARES))
    return referrals.reset_index(drop=True)


# Bad weeks at the front door (delay_decisions): spells of working days when contacts wait
# for a decision. Every December and March quarter end (Christmas, the year end) has one;
# any other quarter end one with this chance; and about once a year a spell within a
# quarter (staff away).
FRONT_DOOR_STREAM = 26  # with the LA's seed: the stream the spells draw from
SPELL_CHANCE = 0.35
SPELL_DAYS = (6, 13)  # working days a spell lasts
SPELL_SHARE = 0.65  # of the contacts made in a spell, those that wait
WAIT_DAYS = (6, 13)  # working days they wait for a decision
CLOSED_LOGGED_GRACE = 12  # days after its quarter by which a waiting closed contact is decided


def decision_spells(quarters: pd.DataFrame, working_days, rng: np.random.Generator
                    ) -> np.ndarray:
    """Spells as [first, last] working-day positions, in order, not overlapping."""
    ends = working_days.last_pos(quarters.end.to_numpy())
    at_end = (np.isin(quarters.qn.to_numpy(), [3, 4])
              | (rng.random(len(quarters)) < SPELL_CHANCE))
    spell_end = ends - rng.integers(0, 3, len(quarters))
    within = rng.random(len(quarters)) < 0.25  # about one a year inside a quarter
    mid_end = ends - rng.integers(20, 45, len(quarters))
    last = np.concatenate([spell_end[at_end], mid_end[within]])
    first = last - rng.integers(*SPELL_DAYS, len(last)) + 1
    order = np.argsort(last)
    first, last = first[order], last[order]
    first[1:] = np.maximum(first[1:], last[:-1] + 1)
    keep = first <= last
    return np.column_stack([first[keep], last[keep]])


def delay_decisions(history, plan, working_days, horizon_end: int,
                    rng: np.random.Generator) -> None:
    """Some contacts made in a bad spell wait 6-12 working days for their decision (so a
    quarter end inside a spell finds contacts undecided for more than 5 working days).

    A closed-and-logged contact is still decided by the drop that first reports its quarter
    (its outcome is known there). A referral is dated by its decision and the report's
    Table 1 counts it in its contact's quarter, so a referral waits only within the
    quarter; it moves with its decision, and so does everything that follows it (see
    _simple_cases and _unfrozen: in a calibrated plan every calibrated figure stays as it
    was). Draws from its own stream (FRONT_DOOR_STREAM)."""
    contacts, referrals = history.contacts, history.referrals
    quarters = plan.quarters
    spells = decision_spells(quarters, working_days, rng)
    n_contacts = len(contacts)
    position = working_days.count_to(contacts.contact_date.to_numpy()) - 1
    waits = rng.random(n_contacts) < SPELL_SHARE
    wait = rng.integers(*WAIT_DAYS, n_contacts)
    spell = np.searchsorted(spells[:, 0], position, side="right") - 1
    in_spell = (spell >= 0) & (position <= spells[np.maximum(spell, 0), 1])
    decision = contacts.decision_date.to_numpy().astype(np.int64)
    delayed = np.maximum(working_days.at(position + wait), decision)
    candidate = in_spell & waits & ~contacts.late.to_numpy() & (delayed > decision)
    quarter = contacts.quarter.to_numpy()
    # closed and logged: decided by the quarter's drop, and soon after the quarter
    cap = np.minimum.reduce([quarters.end.to_numpy()[quarter] + CLOSED_LOGGED_GRACE,
                             quarters.reported.to_numpy()[quarter] - 1,
                             np.full(n_contacts, horizon_end)])
    closed = candidate & (contacts.outcome.to_numpy() == CLOSED_LOGGED)
    decision[closed] = np.maximum(decision[closed], np.minimum(
        delayed[closed], working_days.at(working_days.last_pos(cap[closed]))))
    contacts["decision_date"] = decision
    # referrals: within the contact's quarter, simple cases moved whole
    in_quarter = delayed <= np.minimum(quarters.end.to_numpy()[quarter], horizon_end)
    contact_of = referrals.contact_id.to_numpy()
    rows = np.flatnonzero(_simple_cases(history) & candidate[contact_of]
                          & in_quarter[contact_of])
    steps = (working_days.count_to(delayed[contact_of[rows]])
             - working_days.count_to(decision[contact_of[rows]]))
    rows, steps = _unfrozen(history, plan, rows, steps, working_days, move_contact=False)
    _shift_cases(history, rows, steps, working_days, move_contact=False)


PULLED_BACK = (10, 30)  # cases pulled back over each quarter end of a year published whole


def pull_back_cases(history, plan, working_days, rng: np.random.Generator) -> None:
    """In a calibrated plan, the quarters the report publishes only as part of their year
    (2012-13's) would each hold exactly a quarter of the year: at each of their quarter
    ends some simple cases of the next quarter's first days are moved back a few working
    days into the quarter before, contact, referral and all (still recorded when they were:
    a contact recorded a few days after it was made). The year's figures stay the same
    (no date crosses a frozen day, _unfrozen); its quarters differ. A contact and its
    referral stay in one quarter (Table 1). Draws from the front door's stream."""
    if not plan.calibrated:
        return
    quarters = plan.quarters
    contacts, referrals = history.contacts, history.referrals
    whole_year_only = quarters.reported.to_numpy() > quarters.end.to_numpy() + 14
    simple = np.flatnonzero(_simple_cases(history))
    contact_of = referrals.contact_id.to_numpy()[simple]
    contact_day = contacts.contact_date.to_numpy()[contact_of]
    late = contacts.late.to_numpy()[contact_of]
    decision = referrals.referral_date.to_numpy()[simple]
    rows, steps = [], []
    for boundary in quarters.end.to_numpy()[whole_year_only] + 1:
        eligible = np.flatnonzero((contact_day >= boundary) & (contact_day < boundary + 10)
                                  & ~late)
        chosen = pick(eligible, int(rng.integers(*PULLED_BACK)), rng)
        last_before = working_days.last_pos(boundary - 1)
        rows.append(simple[chosen])
        steps.append(-(working_days.count_to(decision[chosen]) - 1 - last_before
                       + rng.integers(0, 3, len(chosen))))
    if not rows:
        return
    rows, steps = _unfrozen(history, plan, np.concatenate(rows), np.concatenate(steps),
                            working_days, move_contact=True)
    _shift_cases(history, rows, steps, working_days, move_contact=True)
    # their quarter is now the one before
    contact_of = referrals.contact_id.to_numpy()[rows]
    quarter = np.searchsorted(quarters.start.to_numpy(),
                              contacts.contact_date.to_numpy()[contact_of], side="right") - 1
    for frame, at in ((contacts, contact_of), (referrals, rows)):
        values = frame.quarter.to_numpy().copy()
        values[at] = quarter
        frame["quarter"] = values


def _simple_cases(history) -> np.ndarray:
    """Referrals whose whole case can move in time without changing anything else measured:
    a child referred once, NFA at once or one initial or single assessment (perhaps a core
    one after it), no section 47 enquiry, CP plan or CAF."""
    referrals, assessments = history.referrals, history.assessments
    person = referrals.person.to_numpy()
    once = ~pd.Series(person).duplicated(keep=False).to_numpy()
    is_core = assessments.type.to_numpy() == "core"
    n_first = np.bincount(assessments.referral_id.to_numpy()[~is_core], minlength=len(referrals))
    fate, outcome = referrals.fate.to_numpy(), referrals.outcome.to_numpy()
    simple = (((outcome == NFA) & (fate == NFA)
               & (referrals.nfa_date.to_numpy() == referrals.referral_date.to_numpy())
               & (n_first == 0))
              | ((outcome == ASSESSED) & (n_first == 1)))
    others = np.concatenate([np.asarray(history.plan_person),
                             history.cafs.person.to_numpy()])
    return simple & once & ~referrals.s47.to_numpy() & ~np.isin(person, others)


def _frozen_days(plan) -> np.ndarray:
    """Days no moved date may cross: in a calibrated plan, the end of each reported period,
    its extract date and the start of its year (none in other plans)."""
    quarters = plan.quarters
    if not plan.calibrated:
        return np.zeros(0, dtype=np.int64)
    reported = quarters[quarters.cin_stock.notna()]
    year_start = quarters.start.to_numpy()[quarters.fy.isin(reported.fy).to_numpy()
                                           & (quarters.qn.to_numpy() == 1)]
    return np.unique(np.concatenate([reported.end.to_numpy(), reported.end.to_numpy() + 14,
                                     year_start - 1]).astype(np.int64))


def _case_dates(history, rows: np.ndarray, move_contact: bool
                ) -> list[tuple[np.ndarray, np.ndarray]]:
    """(case position, date) pairs of every date that moves with the cases in `rows`."""
    referrals, assessments = history.referrals, history.assessments
    here = np.arange(len(rows))
    dates = [(here, referrals[column].to_numpy()[rows])
             for column in ("referral_date", "nfa_date", "closure")]
    if move_contact:
        dates.append((here, history.contacts.contact_date.to_numpy()[
            referrals.contact_id.to_numpy()[rows]]))
    position = pd.Series(here, index=rows).reindex(assessments.referral_id.to_numpy()).to_numpy()
    of_row = ~np.isnan(position)
    for column in ("start", "completed"):
        dates.append((position[of_row].astype(np.int64), assessments[column].to_numpy()[of_row]))
    return dates


def _unfrozen(history, plan, rows: np.ndarray, steps: np.ndarray, working_days,
              move_contact: bool) -> tuple[np.ndarray, np.ndarray]:
    """The cases that can move `steps` working days without a date crossing a frozen day
    (a period holds its end day, a drop its extract date: crossing is from on or before a
    frozen day to after it, or back)."""
    frozen = _frozen_days(plan)
    if len(frozen) == 0 or len(rows) == 0:
        return rows, steps
    calendar = _calendar_shift(history, rows, steps, working_days)
    crosses = np.zeros(len(rows), dtype=bool)
    for case, when in _case_dates(history, rows, move_contact):
        real = (when != NONE) & (when < 10**8)
        moved = _shifted(when, steps[case], calendar[case], working_days)
        np.logical_or.at(crosses, case, real & (
            np.searchsorted(frozen, moved, side="left")
            != np.searchsorted(frozen, when, side="left")))
    return rows[~crosses], steps[~crosses]


def _calendar_shift(history, rows: np.ndarray, steps: np.ndarray, working_days) -> np.ndarray:
    """Days each case's referral date moves: what other (non-working) days move by."""
    old = history.referrals.referral_date.to_numpy()[rows]
    return _shifted(old, steps, np.zeros(len(rows), dtype=np.int64), working_days) - old


def _shifted(days: np.ndarray, steps: np.ndarray, calendar: np.ndarray, working_days
             ) -> np.ndarray:
    """Working days moved `steps` working days on (back if negative); other days `calendar`
    days; NONE and open (10**8 and over) left as they are."""
    days = np.asarray(days, dtype=np.int64)
    real = (days != NONE) & (days < 10**8)
    is_working = working_days.at(working_days.first_pos(days)) == days
    moved = np.where(is_working, working_days.at(working_days.count_to(days) - 1 + steps),
                     days + calendar)
    return np.where(real, moved, days)


def _shift_cases(history, rows: np.ndarray, steps: np.ndarray, working_days,
                 move_contact: bool) -> None:
    """Move each case in `rows` `steps` working days: referral, NFA, closure, assessments,
    its contact's decision (and, with `move_contact`, its contact's date)."""
    if len(rows) == 0:
        return
    referrals, assessments, contacts = history.referrals, history.assessments, history.contacts
    calendar = _calendar_shift(history, rows, steps, working_days)
    for column in ("referral_date", "nfa_date", "closure"):
        values = referrals[column].to_numpy().astype(np.int64)
        values[rows] = _shifted(values[rows], steps, calendar, working_days)
        referrals[column] = values
    position = pd.Series(np.arange(len(rows)), index=rows).reindex(
        assessments.referral_id.to_numpy()).to_numpy()
    hit = ~np.isnan(position)
    case = position[hit].astype(np.int64)
    for column in ("start", "completed"):
        values = assessments[column].to_numpy().astype(np.int64)
        values[hit] = _shifted(values[hit], steps[case], calendar[case], working_days)
        assessments[column] = values
    contact_of = referrals.contact_id.to_numpy()[rows]
    for column, moves in (("decision_date", True), ("contact_date", move_contact)):
        if moves:
            values = contacts[column].to_numpy().astype(np.int64)
            values[contact_of] = (referrals.referral_date.to_numpy()[rows]
                                  if column == "decision_date"
                                  else _shifted(values[contact_of], steps, calendar,
                                                working_days))
            contacts[column] = values
