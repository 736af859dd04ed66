"""Turn one LA's built history (csc.generate.history) into the extract contract's tables.

Each table comes out with exactly the contract's columns (read from csc.contract), dates as
day numbers, plus `_rec` (the day the record first appears in the source system) and, for
fields that become known later, the day they do (see csc.generate.drops.MASKS).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from csc.contract import Contract, Table
from csc.generate.calendar import add_months
from csc.generate.contacts import CLOSED_LOGGED
from csc.generate.context import NEVER, NONE
from csc.generate.history import LaHistory
from csc.generate.people import caf_copies, draw_people
from csc.generate.service import Service, allocation_on, build_service
from csc.generate.statutory import valid_upn


def _ids(prefix: str, n: np.ndarray | int, width: int = 7) -> pa.Array:
    """Identifiers such as C00000042: the prefix and the zero-padded number (Arrow string
    kernels: one pass in C++, not a Python string per record)."""
    n = np.arange(n) if np.isscalar(n) else np.asarray(n)
    digits = pc.utf8_lpad(pc.cast(pa.array(n.astype(np.int64)), pa.string()), width, "0")
    return pc.binary_join_element_wise(prefix, digits, "")


class _Lookup:
    """An id per position (a person's id by person number); indexing with an array of
    positions takes them."""

    def __init__(self, values: pa.Array) -> None:
        self.values = values

    def __len__(self) -> int:
        return len(self.values)

    def __getitem__(self, idx: np.ndarray) -> pa.Array:
        return self.values.take(pa.array(np.asarray(idx, dtype=np.int64)))


def _where(mask: np.ndarray, values: pa.Array, other: str = "") -> pa.Array:
    return pc.if_else(pa.array(np.asarray(mask, dtype=bool)), values, other)


def _table(cols: dict) -> pa.Table:
    """A pyarrow table from numpy or Arrow arrays and scalars (broadcast): ints stay day
    numbers or counts, everything else is text."""
    n_rows = max(len(values) for values in cols.values()
                 if isinstance(values, np.ndarray | list | pd.Series | pa.Array | pa.ChunkedArray))
    arrays = {}
    for name, values in cols.items():
        if isinstance(values, pa.Array | pa.ChunkedArray):
            arrays[name] = values
            continue
        if np.isscalar(values) and isinstance(values, str):
            # a constant: one dictionary entry repeated, decoded in C++
            arrays[name] = pa.DictionaryArray.from_arrays(
                pa.array(np.zeros(n_rows, dtype=np.int32)), pa.array([values])).cast(pa.string())
            continue
        values = np.full(n_rows, values) if np.isscalar(values) else np.asarray(values)
        if values.dtype.kind in "iuf":
            arrays[name] = pa.array(values.astype(np.int64))
        else:
            try:
                arrays[name] = pa.array(values if values.dtype.kind == "U"
                                        else values.astype(object), type=pa.string())
            except pa.ArrowTypeError as exc:
                raise TypeError(f"column {name}: {exc}") from exc
    return pa.table(arrays)


def written_tables(contract: Contract, tables: dict[str, pa.Table]) -> list[Table]:
    """The contract tables a drop holds: every required one, then the optional ones built
    (raise/allocations.csv; the reference tables are written apart, csc.generate.reference)."""
    return contract.required_tables() + [
        t for t in contract.tables.values() if t.optional and t.name in tables]


def _legacy_staff_draws(size: float, n_contacts: int, n_referrals: int,
                        n_assessments: int, n_core: int, rng: np.random.Generator) -> None:
    """The draws the tables made when every record took a random worker of a fixed roster
    (before csc.generate.service): made still, and discarded, so that the persons, CAF
    children and reviews drawn after them (and the demo calibrated on them) stay the same."""
    per_team = max(4, int(round(8 * min(size, 3))))
    assessment_workers = max(1, int(round(3 * size))) * per_team
    planning_workers = max(1, int(round(4 * size))) * per_team
    rng.integers(0, per_team, n_contacts)
    rng.integers(0, assessment_workers, n_referrals)
    rng.integers(0, assessment_workers, n_assessments)
    rng.integers(0, planning_workers, n_core)


def assemble(la: str, history: LaHistory, contract: Contract, size: float,
             rng: np.random.Generator, horizon_end: int, service_rng: np.random.Generator,
             born_before_caf: bool = True) -> tuple[dict[str, pa.Table], pd.DataFrame]:
    """Contract tables (with hidden columns) and the true CAF-child -> person mapping.

    The tables draw from `rng` in the order of the calls here (the output depends on it):
    workers of contacts, referrals and assessments (drawn and discarded:
    _legacy_staff_draws); CLA review days; persons; conference and CLA review
    participation; CAF children. Teams, workers and allocations (csc.generate.service)
    draw from `service_rng`, the LA's stream for its service.

    `born_before_caf`: a child social care knows is born by the start of their first CAF,
    and the CAF database's transposed day and month never put a birth after the CAF's
    start, so no drop holds a child born after its extract date. The calibrated demo
    (False) keeps the dates it was calibrated and pinned with: there a few CAF children
    are born after their CAF started (6 of them after the drop that holds them, all
    within the loader's year of tolerance)."""
    person_ids = _Lookup(_ids("P", history.n_people))
    service = _service(la, history, horizon_end, service_rng)
    tables = _service_tables(la, service, person_ids, horizon_end)
    _legacy_staff_draws(size, len(history.contacts), len(history.referrals),
                        len(history.assessments),
                        int((history.assessments.type.to_numpy() == "core").sum()), rng)
    tables.update(_front_door_tables(la, history, person_ids, service,
                                     contract.code_lists["referral_source"]))
    tables.update(_child_protection_tables(la, history, person_ids))
    tables["cla_episodes"] = _episodes_table(la, history, person_ids)
    cla_reviews = _cla_review_rows(history.periods, horizon_end, rng)
    persons, dob, people = _persons(la, history, person_ids, contract, rng, horizon_end,
                                    born_before_caf)
    tables["persons"] = persons.filter(pa.array(persons["_rec"].to_numpy() <= horizon_end))
    tables["cp_conferences"] = _conferences_table(la, _conference_rows(history), dob,
                                                  person_ids, rng)
    tables["cla_reviews"] = _cla_reviews_table(la, cla_reviews, history, dob, person_ids, rng)
    tables["care_leaver_contacts"] = _care_leaver_contacts_table(la, history, person_ids)
    visible = persons["_rec"].to_numpy() <= horizon_end
    caf_tables, truth = _caf_tables(la, history.cafs, people, visible, person_ids, dob, rng,
                                    born_before_caf)
    tables.update(caf_tables)
    return tables, truth


def _service(la: str, history: LaHistory, horizon_end: int,
             rng: np.random.Generator) -> Service:
    """The LA's teams, workers and allocations, sized on its contacts and cases from its
    first quarter to the horizon."""
    contact_day = history.contacts.contact_date.to_numpy()
    first = int(contact_day.min()) if len(contact_day) else horizon_end
    years = max(1.0, (horizon_end - first) / 365.25)
    contacts_a_year = float((contact_day <= horizon_end).sum()) / years
    return build_service(la, history, contacts_a_year, first, horizon_end, rng)


def _service_tables(la: str, service: Service, person_ids: _Lookup,
                    horizon_end: int) -> dict[str, pa.Table]:
    """workers (each from the day they join) and allocations (each from its start, its end
    known on the day)."""
    workers = service.workers
    workers_table = _table({
        "la_code": la, "worker_id": workers.worker_id.to_numpy(dtype=object),
        "team_id": workers.team_id.to_numpy(dtype=object),
        "team_name": workers.team_name.to_numpy(dtype=object),
        "role": workers.role.to_numpy(dtype=object), "_rec": workers.joined.to_numpy()})
    workers_table = workers_table.filter(pa.array(workers.joined.to_numpy() <= horizon_end))
    allocations = service.allocations
    worker = allocations.worker.to_numpy()
    end = allocations.end.to_numpy()
    allocations_table = _table({
        "la_code": la, "allocation_id": _ids("L", np.arange(len(allocations)), 8),
        "person_id": person_ids[allocations.person.to_numpy()],
        "team_id": allocations.team_id.to_numpy(dtype=object),
        "worker_id": _worker_id(service, worker),
        "allocation_role": allocations.role.to_numpy(dtype=object),
        "start_date": allocations.start.to_numpy(),
        "end_date": np.where(end >= NEVER, NONE, end), "_rec": allocations.start.to_numpy()})
    return {"workers": workers_table, "allocations": allocations_table}


def _worker_id(service: Service, worker: np.ndarray) -> np.ndarray:
    """Worker ids of worker numbers ("" for NONE: no worker)."""
    ids = service.workers.worker_id.to_numpy(dtype=object)
    return np.where(worker >= 0, ids[np.maximum(worker, 0)], "")


def _allocated(service: Service, person: np.ndarray, on_day: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
    """(team_id, worker_id) of each person's allocation on each day ("": none)."""
    allocations = service.allocations
    row = allocation_on(allocations, person, on_day)
    safe = np.maximum(row, 0)
    team = np.where(row >= 0, allocations.team_id.to_numpy(dtype=object)[safe], "")
    worker = np.where(row >= 0, allocations.worker.to_numpy()[safe], NONE)
    return team, _worker_id(service, worker)


def _front_door_tables(la: str, history: LaHistory, person_ids: _Lookup, service: Service,
                       source_codes: tuple[str, ...]) -> dict[str, pa.Table]:
    """contacts (with the first contact officer on duty), referrals and assessments (with
    the child's allocation on the day: csc.generate.service)."""
    contacts = history.contacts
    contact_worker = service.contact_worker
    contacts_table = _table({
        "la_code": la, "contact_id": _ids("C", contacts.contact_id.to_numpy(), 8),
        "person_id": person_ids[contacts.person.to_numpy()],
        "contact_date": contacts.contact_date.to_numpy(),
        "contact_source": contacts.source.to_numpy(),
        "contact_source_code": _source_codes(contacts.source.to_numpy(), source_codes),
        "decision_date": contacts.decision_date.to_numpy(),
        "outcome": np.where(contacts.outcome.to_numpy() == CLOSED_LOGGED, "closed_logged",
                            "referral"),
        "team_id": service.team_ids(contact_worker),
        "worker_id": _worker_id(service, contact_worker),
        "_rec": contacts.recorded.to_numpy()})

    referrals = history.referrals
    team, worker = _allocated(service, referrals.person.to_numpy(),
                              referrals.referral_date.to_numpy())
    referrals_table = _table({
        "la_code": la, "referral_id": _ids("R", referrals.referral_id.to_numpy(), 8),
        "contact_id": _ids("C", referrals.contact_id.to_numpy(), 8),
        "person_id": person_ids[referrals.person.to_numpy()],
        "referral_date": referrals.referral_date.to_numpy(),
        "referral_source_code": _source_codes(referrals.source.to_numpy(), source_codes),
        "referral_nfa": "N", "closure_date": np.minimum(referrals.closure.to_numpy(), 10**8),
        "closure_reason": referrals.closure_reason.to_numpy(),
        "primary_need_code": referrals.need.to_numpy(),
        "team_id": team, "worker_id": worker, "_rec": referrals.referral_date.to_numpy(),
        "_nfa": referrals.nfa_date.to_numpy()})

    assessments = history.assessments
    assessment_person = referrals.person.to_numpy()[assessments.referral_id.to_numpy()]
    team, worker = _allocated(service, assessment_person, assessments.start.to_numpy())
    assessments_table = _table({
        "la_code": la, "assessment_id": _ids("A", assessments.assessment_id.to_numpy(), 8),
        "referral_id": _ids("R", assessments.referral_id.to_numpy(), 8),
        "person_id": person_ids[assessment_person],
        "assessment_type": assessments.type.to_numpy(),
        "start_date": assessments.start.to_numpy(),
        "completed_date": assessments.completed.to_numpy(), "team_id": team,
        "worker_id": worker, "_rec": assessments.start.to_numpy()})
    return {"contacts": contacts_table, "referrals": referrals_table,
            "assessments": assessments_table}


def _child_protection_tables(la: str, history: LaHistory,
                             person_ids: _Lookup) -> dict[str, pa.Table]:
    """s47_enquiries and cp_plans (cp_conferences need dates of birth: _conferences_table)."""
    enquiries, plans = history.enquiries, history.plans
    enquiries_table = _table({
        "la_code": la, "s47_id": _ids("S", enquiries.s47_id.to_numpy()),
        "referral_id": _ids("R", enquiries.referral_id.to_numpy(), 8),
        "person_id": person_ids[history.referrals.person.to_numpy()[
            enquiries.referral_id.to_numpy()]],
        "start_date": enquiries.start.to_numpy(), "end_date": enquiries.end.to_numpy(),
        "icpc_required": enquiries.icpc_required.to_numpy(), "_rec": enquiries.start.to_numpy()})
    plans_table = _table({
        "la_code": la, "cp_plan_id": _ids("CP", plans.plan_id.to_numpy()),
        "person_id": person_ids[np.asarray(history.plan_person)],
        "start_date": plans.start.to_numpy(), "end_date": plans.end.to_numpy(),
        "initial_category": plans.initial_category.to_numpy(),
        "latest_category": plans.latest_category.to_numpy(), "_rec": plans.recorded.to_numpy()})
    return {"s47_enquiries": enquiries_table, "cp_plans": plans_table}


def _episodes_table(la: str, history: LaHistory, person_ids: _Lookup) -> pa.Table:
    episodes = history.episodes
    return _table({
        "la_code": la, "episode_id": _ids("E", episodes.episode_id.to_numpy()),
        "person_id": person_ids[np.asarray(history.period_person)[
            episodes.period_id.to_numpy()]],
        "start_date": episodes.start.to_numpy(), "reason_new_episode": episodes.rne.to_numpy(),
        "legal_status": episodes.legal_status.to_numpy(),
        "placement_type": episodes.placement_type.to_numpy(),
        "placement_provider": episodes.placement_provider.to_numpy(),
        "end_date": episodes.end.to_numpy(), "reason_ceased": episodes.reason_ceased.to_numpy(),
        "reason_place_change": episodes.reason_place_change.to_numpy(),
        "_rec": episodes.start.to_numpy()})


def _persons(la: str, history: LaHistory, person_ids: _Lookup, contract: Contract,
             rng: np.random.Generator, horizon_end: int, born_before_caf: bool = True
             ) -> tuple[pa.Table, np.ndarray, dict[str, np.ndarray]]:
    """Every person (first seen, date of birth, who they are), unfiltered: `_rec` past the
    horizon means never seen. Returns (persons, date of birth, names and the rest).
    With `born_before_caf` a person is born by the start of their first CAF too (the CAF
    database may know a child before social care does)."""
    plan_person = np.asarray(history.plan_person)
    period_person = np.asarray(history.period_person)
    seen = pd.concat([
        pd.DataFrame({"person": history.contacts.person.to_numpy(),
                      "day": history.contacts.recorded.to_numpy()}),
        pd.DataFrame({"person": plan_person, "day": history.plans.recorded.to_numpy()}),
        pd.DataFrame({"person": period_person, "day": history.periods.start.to_numpy()}),
    ]).groupby("person").day.agg(["min", "max"])
    n_people = len(person_ids)
    first_seen = np.full(n_people, horizon_end + 1)
    last_seen = np.full(n_people, horizon_end + 1)
    first_seen[seen.index.to_numpy()] = seen["min"].to_numpy()
    last_seen[seen.index.to_numpy()] = seen["max"].to_numpy()
    born_by = first_seen
    if born_before_caf:
        cafs = history.cafs[history.cafs.person.to_numpy() >= 0]
        first_caf = cafs.groupby("person").start.min()
        born_by = first_seen.copy()
        born_by[first_caf.index.to_numpy()] = np.minimum(
            born_by[first_caf.index.to_numpy()], first_caf.to_numpy())
    age_first_seen = rng.choice(18, size=n_people, p=_age_weights())
    room = np.maximum(0, 17 * 365 - (last_seen - born_by))  # under 18 at the last event
    age_days = np.minimum(age_first_seen * 365 + rng.integers(0, 365, n_people), room)
    dob = born_by - age_days
    dob[period_person] = history.periods.dob.to_numpy()
    people = draw_people(n_people, rng, contract.code_lists["ethnicity"],
                         contract.code_lists["sex"])
    # who has a UPN is drawn as it always was (the draws keep the stream); the UPN itself is
    # a valid one (DfE check letter, LA code, year, serial: csc.generate.statutory.valid_upn)
    has_upn = (rng.random(n_people) < 0.75) & (first_seen - dob > 4 * 365)
    rng.integers(10**11, 10**12, n_people)
    upn = np.where(has_upn, valid_upn(la, np.arange(n_people), dob), "")
    persons = _table({
        "la_code": la, "person_id": person_ids.values, "forename": people["forename"],
        "surname": people["surname"], "date_of_birth": dob, "sex": people["sex"],
        "ethnicity": people["ethnicity"], "postcode": people["postcode"], "upn": upn,
        "date_of_death": NONE, "_rec": first_seen})
    return persons, dob, people


def _conferences_table(la: str, conferences: pd.DataFrame, dob: np.ndarray,
                       person_ids: _Lookup, rng: np.random.Generator) -> pa.Table:
    age_at_conference = conferences.date.to_numpy() - dob[conferences.person.to_numpy()]
    participation = np.where(age_at_conference < 4 * 365, "not_applicable",
                             rng.choice(["attended", "views_conveyed", "not_attended"],
                                        len(conferences), p=[0.3, 0.5, 0.2]))
    return _table({
        "la_code": la, "conference_id": _ids("K", np.arange(len(conferences))),
        "person_id": person_ids[conferences.person.to_numpy()],
        "s47_id": _where(conferences.s47.to_numpy() >= 0,
                         _ids("S", np.maximum(conferences.s47.to_numpy(), 0))),
        "cp_plan_id": _where(conferences.plan.to_numpy() >= 0,
                             _ids("CP", np.maximum(conferences.plan.to_numpy(), 0))),
        "conference_type": conferences.type.to_numpy(),
        "conference_date": conferences.date.to_numpy(),
        "outcome_plan": conferences.outcome.to_numpy(), "child_participation": participation,
        "_rec": conferences.recorded.to_numpy()})


def _cla_reviews_table(la: str, cla_reviews: pd.DataFrame, history: LaHistory,
                       dob: np.ndarray, person_ids: _Lookup,
                       rng: np.random.Generator) -> pa.Table:
    review_person = np.asarray(history.period_person)[cla_reviews.period.to_numpy()]
    age_at_review = cla_reviews.date.to_numpy() - dob[review_person]
    return _table({
        "la_code": la, "review_id": _ids("V", np.arange(len(cla_reviews))),
        "person_id": person_ids[review_person], "review_date": cla_reviews.date.to_numpy(),
        "participation_code": np.where(age_at_review < 4 * 365, "PN0", rng.choice(
            ["PN1", "PN2", "PN3", "PN4", "PN5", "PN6", "PN7"], len(cla_reviews))),
        "_rec": cla_reviews.date.to_numpy()})


def _care_leaver_contacts_table(la: str, history: LaHistory, person_ids: _Lookup) -> pa.Table:
    in_touch = history.care_leaver_contacts
    return _table({
        "la_code": la,
        "person_id": person_ids[np.asarray(history.period_person)[
            in_touch.period_id.to_numpy()]],
        "contact_date": in_touch.contact_date.to_numpy(), "in_touch": in_touch.in_touch.to_numpy(),
        "activity": in_touch.activity.to_numpy(),
        "accommodation": in_touch.accommodation.to_numpy(),
        "accommodation_suitable": in_touch.accommodation_suitable.to_numpy(),
        "_rec": in_touch.contact_date.to_numpy()})


def _conference_rows(history: LaHistory) -> pd.DataFrame:
    """Initial conferences (on an enquiry, with the plan they made) and review conferences
    (of a plan): person, s47, plan (NONE: none), type, date, outcome, recorded."""
    plans, conferences = history.plans, history.conferences
    enquiry_person = history.referrals.person.to_numpy()[
        history.enquiries.referral_id.to_numpy()]
    plan_of_enquiry = pd.Series(plans.plan_id.to_numpy(), index=plans.s47_id.to_numpy())
    plan_of_enquiry = plan_of_enquiry[plan_of_enquiry.index >= 0]
    plan_made = plan_of_enquiry.reindex(conferences.s47_id.to_numpy()).to_numpy()
    # a plan recorded late carries its initial conference with it
    recorded = np.where(
        conferences.late_rec.to_numpy(),
        plans[plans.s47_id >= 0].set_index("s47_id").recorded.reindex(
            conferences.s47_id).to_numpy(),
        conferences.icpc)
    initial = pd.DataFrame({
        "person": enquiry_person[conferences.s47_id.to_numpy()],
        "s47": conferences.s47_id.to_numpy(),
        "plan": np.where(np.isnan(plan_made), NONE, np.nan_to_num(plan_made)).astype(np.int64),
        "type": "initial", "date": conferences.icpc.to_numpy(),
        "outcome": np.where(conferences.outcome.to_numpy(), "Y", "N"), "recorded": recorded})
    reviews = history.reviews
    review = pd.DataFrame({
        "person": np.asarray(history.plan_person)[reviews.plan_id.to_numpy()], "s47": NONE,
        "plan": reviews.plan_id.to_numpy(), "type": "review",
        "date": reviews.conference_date.to_numpy(), "outcome": "Y",
        "recorded": reviews.conference_date.to_numpy()})
    return pd.concat([initial, review], ignore_index=True)


def _cla_review_rows(periods: pd.DataFrame, horizon_end: int,
                     rng: np.random.Generator) -> pd.DataFrame:
    """CLA reviews (period, date): within 20 working days (28 days), then 3 months, then
    every 6 months."""
    start = periods.start.to_numpy()
    stop = np.where(periods.end.to_numpy() == NONE, horizon_end, periods.end.to_numpy())
    by_number = []
    due = start + 28
    for review_number in range(40):
        alive = due < stop
        if not alive.any():
            break
        held = due - rng.integers(0, 10, len(start))
        by_number.append(pd.DataFrame({"period": np.flatnonzero(alive), "date": held[alive]}))
        due = np.where(review_number == 0, add_months(held, 3), add_months(held, 6))
    return pd.concat(by_number, ignore_index=True)


def _caf_tables(la: str, cafs: pd.DataFrame, people: dict[str, np.ndarray],
                visible: np.ndarray, person_ids: _Lookup, dob: np.ndarray,
                rng: np.random.Generator, born_before_caf: bool = True
                ) -> tuple[dict[str, pa.Table], pd.DataFrame]:
    """caf_children and caf_assessments, and the true CAF child -> RAISE person mapping."""
    n_cafs = len(cafs)
    child_ids = _ids("F", np.arange(n_cafs))
    person = cafs.person.to_numpy()
    known = (person >= 0) & visible[np.maximum(person, 0)]
    forename = np.empty(n_cafs, dtype=object)
    surname = np.empty(n_cafs, dtype=object)
    child_dob = np.zeros(n_cafs, dtype=np.int64)
    postcode = np.empty(n_cafs, dtype=object)
    known_cafs = np.flatnonzero(known)
    known_people = person[known_cafs]
    (forename[known_cafs], surname[known_cafs], child_dob[known_cafs],
     postcode[known_cafs]) = caf_copies(
        people["forename"][known_people], people["surname"][known_people], dob[known_people],
        people["postcode"][known_people], rng,
        born_by=cafs.start.to_numpy()[known_cafs] if born_before_caf else None)
    unknown_cafs = np.flatnonzero(~known)
    strangers = draw_people(len(unknown_cafs), rng, ("WBRI",), ("M", "F"))
    forename[unknown_cafs] = strangers["forename"]
    surname[unknown_cafs] = strangers["surname"]
    postcode[unknown_cafs] = strangers["postcode"]
    child_dob[unknown_cafs] = cafs.start.to_numpy()[unknown_cafs] - rng.integers(
        0, 17 * 365, len(unknown_cafs))
    shown = known & (rng.random(n_cafs) < 1 / 3)
    raise_id = _where(shown & known, person_ids[np.maximum(person, 0)])
    children = _table({"la_code": la, "caf_child_id": child_ids, "forename": forename,
                       "surname": surname, "date_of_birth": child_dob, "postcode": postcode,
                       "raise_person_id": raise_id, "_rec": cafs.start.to_numpy()})
    assessments = _table({
        "la_code": la, "caf_id": _ids("CF", np.arange(n_cafs)), "caf_child_id": child_ids,
        "initiating_agency": cafs.agency.to_numpy(), "start_date": cafs.start.to_numpy(),
        "closure_date": cafs.closure.to_numpy(), "closure_reason": cafs.closure_reason.to_numpy(),
        "_rec": cafs.start.to_numpy()})
    truth = pd.DataFrame({
        "la_code": la, "caf_child_id": child_ids.to_numpy(zero_copy_only=False),
        "person_id": _where(known, person_ids[np.maximum(person, 0)])
        .to_numpy(zero_copy_only=False)})
    return {"caf_children": children, "caf_assessments": assessments}, truth


def _age_weights() -> np.ndarray:
    w = np.array([14, 8, 7, 6, 6, 6, 6, 6, 5, 5, 5, 5, 5, 6, 7, 7, 5, 3], dtype=float)
    return w / w.sum()


SOURCE_CODES = {
    "Assessment Teams": "5A", "CESC Others": "5B", "Courts": "7",
    "Education - Head Teacher": "2A", "Education - Other": "2B",
    "Education - Special Educational Needs Department": "2B", "Education - Teacher": "2A",
    "Emergency Duty Team": "5A", "Family Support": "5D", "Field Work": "5A",
    "Health - A & E": "3E", "Health - CAMHS": "3F", "Health - Child Protection Nurse": "3F",
    "Health - Community / District Nurse": "3D", "Health - Community Mental Health": "3F",
    "Health - General Practitioner": "3A", "Health - Health Visitor": "3B",
    "Health - Midwife": "3D", "Health - Other": "3F", "Health - School Nurse": "3C",
    "Housing": "4", "Individuals": "1A", "LAC Services": "5A", "Other": "8",
    "Other Agency": "5C", "Police": "6", "Probation": "7",
}


def _source_codes(labels: np.ndarray, codes: tuple[str, ...]) -> np.ndarray:
    out = pd.Series(labels).map(SOURCE_CODES).fillna("10").to_numpy(dtype=object)
    bad = ~np.isin(out, codes)
    out[bad] = "10"
    return out
