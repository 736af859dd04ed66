"""Turn one LA's built history (csc.generate.model) into the extract contract's tables.

Each table comes out with exactly the contract's columns (read from csc.contract), dates as
day numbers, plus `_rec` (the day the record first appears in the source system) and, for
fields that become known later, the day they do (see csc.generate.drops.MASKS).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from csc.contract import Contract
from csc.generate.calendar import add_months
from csc.generate.people import caf_copies, draw_people

NONE = -1


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
    n = max(len(v) for v in cols.values()
            if isinstance(v, np.ndarray | list | pd.Series | pa.Array | pa.ChunkedArray))
    arrays = {}
    for k, v in cols.items():
        if isinstance(v, pa.Array | pa.ChunkedArray):
            arrays[k] = v
            continue
        if np.isscalar(v) and isinstance(v, str):
            # a constant: one dictionary entry repeated, decoded in C++
            arrays[k] = pa.DictionaryArray.from_arrays(
                pa.array(np.zeros(n, dtype=np.int32)), pa.array([v])).cast(pa.string())
            continue
        v = np.full(n, v) if np.isscalar(v) else np.asarray(v)
        if v.dtype.kind in "iuf":
            arrays[k] = pa.array(v.astype(np.int64))
        else:
            try:
                arrays[k] = pa.array(v if v.dtype.kind == "U" else v.astype(object),
                                     type=pa.string())
            except pa.ArrowTypeError as exc:
                raise TypeError(f"column {k}: {exc}") from exc
    return pa.table(arrays)


def _workers(la: str, size: float, rng: np.random.Generator) -> pd.DataFrame:
    n_ass = max(1, int(round(3 * size)))
    n_scp = max(1, int(round(4 * size)))
    teams = ([("FCT", "First Contact Team", "first_contact_officer")]
             + [(f"AST{i + 1}", f"Assessment Team {i + 1}", "social_worker")
                for i in range(n_ass)]
             + [(f"SCP{i + 1}", f"Safeguarding and Care Planning {i + 1}", "social_worker")
                for i in range(n_scp)]
             + [("CIC", "Children in Care", "social_worker"),
                ("LCT", "Leaving Care Team", "family_support_worker")])
    rows = []
    per_team = max(4, int(round(8 * min(size, 3))))
    for tid, name, role in teams:
        for k in range(per_team):
            r = "team_manager" if k == 0 else ("senior_practitioner" if k == 1 and role ==
                                               "social_worker" else role)
            rows.append((la, f"W{tid}{k + 1:02d}", tid, name, r))
    return pd.DataFrame(rows, columns=["la_code", "worker_id", "team_id", "team_name", "role"])


def _staff(workers: pd.DataFrame, prefix: str, n: int,
           rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    w = workers[workers.team_id.str.startswith(prefix)]
    k = rng.integers(0, len(w), n)
    return w.worker_id.to_numpy()[k], w.team_id.to_numpy()[k]


def assemble(la: str, built: dict[str, pd.DataFrame], contract: Contract, size: float,
             rng: np.random.Generator, horizon_end: int) -> tuple[dict[str, pd.DataFrame],
                                                                   pd.DataFrame]:
    """Contract tables (with hidden columns) and the true CAF-child -> person mapping."""
    out: dict[str, pd.DataFrame] = {}
    pid = _Lookup(_ids("P", built["n_people"].n.iloc[0]))
    workers = _workers(la, size, rng)
    out["workers"] = _table({**{c: workers[c].to_numpy(dtype=object) for c in workers.columns},
                             "_rec": np.full(len(workers), -10**6)})

    c = built["contacts"]
    w, t = _staff(workers, "FCT", len(c), rng)
    src_code = contract.code_lists["referral_source"]
    out["contacts"] = _table({
        "la_code": la, "contact_id": _ids("C", c.contact_id.to_numpy(), 8),
        "person_id": pid[c.person.to_numpy()], "contact_date": c.contact_date.to_numpy(),
        "contact_source": c.source.to_numpy(),
        "contact_source_code": _source_codes(c.source.to_numpy(), src_code),
        "decision_date": c.decision_date.to_numpy(),
        "outcome": np.where(c.cat.to_numpy() == 0, "closed_logged", "referral"),
        "team_id": t, "worker_id": w, "_rec": c.rec.to_numpy()})

    r = built["referrals"]
    w, t = _staff(workers, "AST", len(r), rng)
    out["referrals"] = _table({
        "la_code": la, "referral_id": _ids("R", r.referral_id.to_numpy(), 8),
        "contact_id": _ids("C", r.contact_id.to_numpy(), 8),
        "person_id": pid[r.person.to_numpy()], "referral_date": r.referral_date.to_numpy(),
        "referral_source_code": _source_codes(r.source.to_numpy(), src_code),
        "referral_nfa": "N", "closure_date": np.minimum(r.closure.to_numpy(), 10**8),
        "closure_reason": r.closure_reason.to_numpy(), "primary_need_code": r.need.to_numpy(),
        "team_id": t, "worker_id": w, "_rec": r.referral_date.to_numpy(),
        "_nfa": r.nfa_date.to_numpy()})

    a = built["assessments"]
    person_of_ref = r.person.to_numpy()
    w, t = _staff(workers, "AST", len(a), rng)
    core = a.type.to_numpy() == "core"
    w2, t2 = _staff(workers, "SCP", int(core.sum()), rng)
    w[core], t[core] = w2, t2
    out["assessments"] = _table({
        "la_code": la, "assessment_id": _ids("A", a.assessment_id.to_numpy(), 8),
        "referral_id": _ids("R", a.referral_id.to_numpy(), 8),
        "person_id": pid[person_of_ref[a.referral_id.to_numpy()]],
        "assessment_type": a.type.to_numpy(), "start_date": a.start.to_numpy(),
        "completed_date": a.completed.to_numpy(), "team_id": t, "worker_id": w,
        "_rec": a.start.to_numpy()})

    s = built["s47"]
    out["s47_enquiries"] = _table({
        "la_code": la, "s47_id": _ids("S", s.s47_id.to_numpy()),
        "referral_id": _ids("R", s.referral_id.to_numpy(), 8),
        "person_id": pid[person_of_ref[s.referral_id.to_numpy()]],
        "start_date": s.start.to_numpy(), "end_date": s.end.to_numpy(),
        "icpc_required": s.icpc_required.to_numpy(), "_rec": s.start.to_numpy()})

    p = built["plans"]
    plan_person = built["plan_person"].to_numpy() if isinstance(
        built["plan_person"], pd.Series) else np.asarray(built["plan_person"])
    out["cp_plans"] = _table({
        "la_code": la, "cp_plan_id": _ids("CP", p.plan_id.to_numpy()),
        "person_id": pid[plan_person], "start_date": p.start.to_numpy(),
        "end_date": p.end.to_numpy(), "initial_category": p.initial_category.to_numpy(),
        "latest_category": p.latest_category.to_numpy(), "_rec": p.rec.to_numpy()})

    conf = built["conferences"]
    s_person = person_of_ref[s.referral_id.to_numpy()]
    plan_of_s47 = pd.Series(p.plan_id.to_numpy(), index=p.s47_id.to_numpy())
    plan_of_s47 = plan_of_s47[plan_of_s47.index >= 0]
    cplan = plan_of_s47.reindex(conf.s47_id.to_numpy()).to_numpy()
    crec = np.where(conf.late_rec.to_numpy(),
                    p[p.s47_id >= 0].set_index("s47_id").rec.reindex(conf.s47_id).to_numpy(),
                    conf.icpc)
    rv = built["reviews"]
    dob_of = np.full(len(pid), NONE)  # filled below, used for participation
    init = pd.DataFrame({
        "person": s_person[conf.s47_id.to_numpy()], "s47": conf.s47_id.to_numpy(),
        "plan": np.where(np.isnan(cplan), NONE, np.nan_to_num(cplan)).astype(np.int64),
        "type": "initial", "date": conf.icpc.to_numpy(),
        "outcome": np.where(conf.outcome.to_numpy(), "Y", "N"), "_rec": crec})
    revs = pd.DataFrame({
        "person": plan_person[rv.plan_id.to_numpy()], "s47": NONE,
        "plan": rv.plan_id.to_numpy(), "type": "review", "date": rv.conference_date.to_numpy(),
        "outcome": "Y", "_rec": rv.conference_date.to_numpy()})
    cc = pd.concat([init, revs], ignore_index=True)

    per = built["periods"]
    per_person = np.asarray(built["period_person"])
    ep = built["episodes"]
    out["cla_episodes"] = _table({
        "la_code": la, "episode_id": _ids("E", ep.episode_id.to_numpy()),
        "person_id": pid[per_person[ep.period_id.to_numpy()]],
        "start_date": ep.start.to_numpy(), "reason_new_episode": ep.rne.to_numpy(),
        "legal_status": ep.legal_status.to_numpy(), "placement_type": ep.placement_type.to_numpy(),
        "placement_provider": ep.placement_provider.to_numpy(), "end_date": ep.end.to_numpy(),
        "reason_ceased": ep.reason_ceased.to_numpy(),
        "reason_place_change": ep.reason_place_change.to_numpy(), "_rec": ep.start.to_numpy()})

    # CLA reviews: within 20 working days (28 days), then 3 months, then every 6 months.
    st = per.start.to_numpy()
    stop = np.where(per.end.to_numpy() == NONE, horizon_end, per.end.to_numpy())
    rows = []
    due = st + 28
    for k in range(40):
        alive = due < stop
        if not alive.any():
            break
        held = due - rng.integers(0, 10, len(st))
        rows.append(pd.DataFrame({"period": np.flatnonzero(alive), "date": held[alive]}))
        due = np.where(k == 0, add_months(held, 3), add_months(held, 6))
    cr = pd.concat(rows, ignore_index=True)

    # Persons: first seen, date of birth, who they are.
    seen = pd.concat([
        pd.DataFrame({"p": c.person.to_numpy(), "d": c.rec.to_numpy()}),
        pd.DataFrame({"p": plan_person, "d": p.rec.to_numpy()}),
        pd.DataFrame({"p": per_person, "d": st}),
    ]).groupby("p").d.agg(["min", "max"])
    n = len(pid)
    first = np.full(n, horizon_end + 1)
    last = np.full(n, horizon_end + 1)
    first[seen.index.to_numpy()] = seen["min"].to_numpy()
    last[seen.index.to_numpy()] = seen["max"].to_numpy()
    age_first = rng.choice(18, size=n, p=_age_weights())
    room = np.maximum(0, 17 * 365 - (last - first))  # under 18 at the last event
    age_days = np.minimum(age_first * 365 + rng.integers(0, 365, n), room)
    dob = first - age_days
    dob[per_person] = per.dob.to_numpy()
    dob_of[:] = dob
    ppl = draw_people(n, rng, contract.code_lists["ethnicity"], contract.code_lists["sex"])
    upn = np.where((rng.random(n) < 0.75) & (first - dob > 4 * 365),
                   np.char.add("A", rng.integers(10**11, 10**12, n).astype(str)).astype(object),
                   "")
    out["persons"] = _table({
        "la_code": la, "person_id": pid.values, "forename": ppl["forename"],
        "surname": ppl["surname"], "date_of_birth": dob, "sex": ppl["sex"],
        "ethnicity": ppl["ethnicity"], "postcode": ppl["postcode"], "upn": upn,
        "date_of_death": NONE, "_rec": first})
    out["persons"] = out["persons"].filter(pa.array(first <= horizon_end))

    age_at = cc.date.to_numpy() - dob[cc.person.to_numpy()]
    part = np.where(age_at < 4 * 365, "not_applicable",
                    rng.choice(["attended", "views_conveyed", "not_attended"], len(cc),
                               p=[0.3, 0.5, 0.2]))
    out["cp_conferences"] = _table({
        "la_code": la, "conference_id": _ids("K", np.arange(len(cc))),
        "person_id": pid[cc.person.to_numpy()],
        "s47_id": _where(cc.s47.to_numpy() >= 0, _ids("S", np.maximum(cc.s47.to_numpy(), 0))),
        "cp_plan_id": _where(cc.plan.to_numpy() >= 0,
                             _ids("CP", np.maximum(cc.plan.to_numpy(), 0))),
        "conference_type": cc.type.to_numpy(), "conference_date": cc.date.to_numpy(),
        "outcome_plan": cc.outcome.to_numpy(), "child_participation": part,
        "_rec": cc._rec.to_numpy()})

    cr_person = per_person[cr.period.to_numpy()]
    cr_age = cr.date.to_numpy() - dob[cr_person]
    out["cla_reviews"] = _table({
        "la_code": la, "review_id": _ids("V", np.arange(len(cr))),
        "person_id": pid[cr_person], "review_date": cr.date.to_numpy(),
        "participation_code": np.where(cr_age < 4 * 365, "PN0", rng.choice(
            ["PN1", "PN2", "PN3", "PN4", "PN5", "PN6", "PN7"], len(cr))),
        "_rec": cr.date.to_numpy()})

    lv = built["leavers"]
    out["care_leaver_contacts"] = _table({
        "la_code": la, "person_id": pid[per_person[lv.period_id.to_numpy()]],
        "contact_date": lv.contact_date.to_numpy(), "in_touch": lv.in_touch.to_numpy(),
        "activity": lv.activity.to_numpy(), "accommodation": lv.accommodation.to_numpy(),
        "accommodation_suitable": lv.accommodation_suitable.to_numpy(),
        "_rec": lv.contact_date.to_numpy()})

    caf, truth = _caf_tables(la, built["caf"], ppl, first <= horizon_end, pid, dob, rng)
    out.update(caf)
    return out, truth


def _caf_tables(la: str, caf: pd.DataFrame, people: dict[str, np.ndarray], visible: np.ndarray,
                pid: _Lookup, dob: np.ndarray, rng: np.random.Generator):
    """caf_children and caf_assessments, and the true CAF child -> RAISE person mapping."""
    n = len(caf)
    child = _ids("F", np.arange(n))
    person = caf.person.to_numpy()
    known = (person >= 0) & visible[np.maximum(person, 0)]
    fore = np.empty(n, dtype=object)
    sur = np.empty(n, dtype=object)
    cdob = np.zeros(n, dtype=np.int64)
    post = np.empty(n, dtype=object)
    kidx = np.flatnonzero(known)
    kp = person[kidx]
    f, s, d, pc = caf_copies(people["forename"][kp], people["surname"][kp], dob[kp],
                             people["postcode"][kp], rng)
    fore[kidx], sur[kidx], cdob[kidx], post[kidx] = f, s, d, pc
    unk = np.flatnonzero(~known)
    other = draw_people(len(unk), rng, ("WBRI",), ("M", "F"))
    fore[unk], sur[unk], post[unk] = other["forename"], other["surname"], other["postcode"]
    cdob[unk] = caf.start.to_numpy()[unk] - rng.integers(0, 17 * 365, len(unk))
    shown = known & (rng.random(n) < 1 / 3)
    raise_id = _where(shown & known, pid[np.maximum(person, 0)])
    children = _table({"la_code": la, "caf_child_id": child, "forename": fore,
                             "surname": sur, "date_of_birth": cdob, "postcode": post,
                             "raise_person_id": raise_id, "_rec": caf.start.to_numpy()})
    assessments = _table({
        "la_code": la, "caf_id": _ids("CF", np.arange(n)), "caf_child_id": child,
        "initiating_agency": caf.agency.to_numpy(), "start_date": caf.start.to_numpy(),
        "closure_date": caf.closure.to_numpy(), "closure_reason": caf.closure_reason.to_numpy(),
        "_rec": caf.start.to_numpy()})
    truth = pd.DataFrame({"la_code": la, "caf_child_id": child.to_numpy(zero_copy_only=False),
                          "person_id": _where(known, pid[np.maximum(person, 0)])
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
