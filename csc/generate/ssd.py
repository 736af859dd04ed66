"""The synthetic children as Standard Safeguarding Dataset drops (`csc generate --format ssd`).

The generator builds RAISE/CAF drops (csc.generate); this module rewrites each drop as the
SSD tables a council's nightly SSD export would hold on that date
(`<drop>/ssd/<ssd_table>.csv`, csc/ssd_contract.yml): the same children, ids and dates,
with the SSD's field names, SQL Server datetime text, Y/N flags and outcome JSON as the
Liquidlogic (LCS) deployment writes them; the `mosaic` variant leaves out the columns the
Mosaic deployment lacks. Each SSD drop is made from the RAISE/CAF drop of the same date
only, so a record unchanged between two RAISE drops is unchanged between the SSD drops and
the loader's history sees the same changes.

What the RAISE extract holds and the SSD does not (the contact a referral came from, the
assessment type, a contact's decision date, team and worker, the child's participation at
an initial conference, a care leaver's contacts before the latest) is simply not written;
docs/sources.md lists it. Early help episodes carry the social-care person id of the child
(the generator's true CAF child -> person link): in a system that holds both, that is one
person record, so no fuzzy matching is needed. A CAF child who never reached social care
gets a person record of its own (`EH` + the CAF child id).
"""

from __future__ import annotations

import json
import shutil
import tempfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from csc.contract import Table
from csc.ssd_contract import load_ssd_contract, ssd_column_names, ssd_variants

# The contact outcome JSON keys of the LCS deployment (ssd_contacts.cont_contact_outcome_json)
# and of the other outcome fields, in the deployment's order.
CONTACT_OUTCOME_KEYS = ["NEW_REFERRAL_FLAG", "EXISTING_REFERRAL_FLAG", "CP_ENQUIRY_FLAG",
                        "NFA_FLAG", "NON_AGENCY_ADOPTION_FLAG", "PRIVATE_FOSTERING_FLAG",
                        "ADVICE_FLAG", "MISSING_FLAG", "OLA_CP_FLAG",
                        "OTHER_OUTCOMES_EXIST_FLAG"]
REFERRAL_OUTCOME_KEYS = ["SINGLE_ASSESSMENT_FLAG", "STRATEGY_DISCUSSION_FLAG",
                         "CLA_REQUEST_FLAG", "NON_AGENCY_ADOPTION_FLAG",
                         "PRIVATE_FOSTERING_FLAG", "CP_TRANSFER_IN_FLAG", "CP_CONFERENCE_FLAG",
                         "CARE_LEAVER_FLAG", "OTHER_OUTCOMES_EXIST_FLAG"]
ASSESSMENT_OUTCOME_KEYS = ["NFA_FLAG", "NFA_S47_END_FLAG", "STRATEGY_DISCUSSION_FLAG",
                           "CLA_REQUEST_FLAG", "PRIVATE_FOSTERING_FLAG", "LEGAL_ACTION_FLAG",
                           "PROV_OF_SERVICES_FLAG", "PROV_OF_SB_CARE_FLAG",
                           "SPECIALIST_ASSESSMENT_FLAG", "REFERRAL_TO_OTHER_AGENCY_FLAG",
                           "OTHER_ACTIONS_FLAG", "OTHER_OUTCOMES_EXIST_FLAG"]
S47_OUTCOME_KEYS = ["NFA_FLAG", "LEGAL_ACTION_FLAG", "PROV_OF_SERVICES_FLAG",
                    "PROV_OF_SB_CARE_FLAG", "CP_CONFERENCE_FLAG", "NFA_CONTINUE_SINGLE_FLAG",
                    "MONITOR_FLAG", "OTHER_OUTCOMES_EXIST_FLAG"]
ICPC_OUTCOME_KEYS = ["NFA_FLAG", "REFERRAL_TO_OTHER_AGENCY_FLAG", "SINGLE_ASSESSMENT_FLAG",
                     "PROV_OF_SERVICES_FLAG", "CP_FLAG", "OTHER_OUTCOMES_EXIST_FLAG"]

# Reasons for a new 903 episode that start a new placement / a new legal status.
NEW_PLACEMENT = {"S", "P", "T", "B", "U"}
NEW_LEGAL_STATUS = {"S", "L", "T", "B", "U"}
EH_PREFIX = "EH"


def outcome_json(keys: list[str], flags: dict[str, str], count_key: str = "NUMBER_OF_OUTCOMES",
                 comments_key: str = "COMMENTS") -> str:
    """One outcome JSON text as the LCS deployment builds it: every key present (empty
    when not set), the number of outcomes set (null when none is known) and comments."""
    return _outcome_json(tuple(keys), tuple(sorted(flags.items())), count_key, comments_key)


@cache
def _outcome_json(keys: tuple[str, ...], flags: tuple[tuple[str, str], ...], count_key: str,
                  comments_key: str) -> str:
    given = dict(flags)
    values = {k: given.get(k, "") for k in keys}
    known = [v for v in values.values() if v]
    out: dict[str, object] = dict(values)
    out[count_key] = sum(v == "Y" for v in values.values()) if known else None
    out[comments_key] = ""
    return json.dumps(out, separators=(", ", ": "))


def sql_datetime(value: str, time: str = "00:00:00.000") -> str:
    """An ISO date as SQL Server datetime text (`2013-07-01 00:00:00.000`); empty stays empty."""
    return f"{value} {time}" if value else ""


def _dt(series: pd.Series) -> pd.Series:
    """sql_datetime over a column, vectorised."""
    return series.where(series == "", series + " 00:00:00.000")


def _time_of_day(record_id: str) -> str:
    """A working-hours time for a record, the same in every drop (from its id)."""
    minutes = 8 * 60 + 30 + zlib.crc32(record_id.encode()) % (9 * 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}:00.000"


def _yn(flag: bool) -> str:
    return "Y" if flag else "N"


def _read(folder: Path, name: str) -> pd.DataFrame | None:
    path = folder / f"{name}.csv"
    if not path.is_file():
        return None
    return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[])


def _keyed(frame: pd.DataFrame, column: str) -> pd.Series:
    return frame["la_code"] + "|" + frame[column]


class _Row:
    """Attribute access to one row of plain column lists."""

    __slots__ = ("_names", "_values")

    def __init__(self, names: dict[str, int], values: tuple) -> None:
        self._names, self._values = names, values

    def __getattr__(self, name: str) -> str:
        return self._values[self._names[name]]

    @classmethod
    def rows(cls, frame: pd.DataFrame, columns: list[str]):
        names = {c: i for i, c in enumerate(columns)}
        for values in zip(*(frame[c].tolist() for c in columns), strict=True):
            yield cls(names, values)


@dataclass
class RaiseDrop:
    """The RAISE/CAF tables of one drop, read as text (empty string: no value)."""

    tables: dict[str, pd.DataFrame]
    links: pd.DataFrame  # la_code, caf_child_id, person_id (empty: not in social care)

    @classmethod
    def read(cls, drop_dir: Path, links: pd.DataFrame | None) -> RaiseDrop:
        tables = {}
        for system in ("raise", "caf"):
            folder = drop_dir / system
            for path in sorted(folder.glob("*.csv")) if folder.is_dir() else []:
                tables[path.stem] = _read(folder, path.stem)
        children = tables["caf_children"]
        if links is None:
            links = children[["la_code", "caf_child_id", "raise_person_id"]].rename(
                columns={"raise_person_id": "person_id"})
        return cls(tables, links.fillna(""))


def _eh_person(children: pd.DataFrame, links: pd.DataFrame) -> pd.DataFrame:
    """CAF children with the person id they have in the SSD: their social-care person's, or
    one of their own (EH + CAF child id) when they never reached social care."""
    out = children.merge(links[["la_code", "caf_child_id", "person_id"]],
                         on=["la_code", "caf_child_id"], how="left")
    out["person_id"] = out["person_id"].fillna("")
    own = out["person_id"] == ""
    out.loc[own, "person_id"] = EH_PREFIX + out.loc[own, "caf_child_id"]
    return out


def _person(d: RaiseDrop) -> pd.DataFrame:
    persons = d.tables["persons"]
    frame = pd.DataFrame({
        "la_code": persons["la_code"], "pers_legacy_id": "",
        "pers_person_id": persons["person_id"], "pers_upn": persons["upn"],
        "pers_forename": persons["forename"], "pers_surname": persons["surname"],
        "pers_sex": persons["sex"], "pers_gender": persons["sex"],
        "pers_ethnicity": persons["ethnicity"], "pers_dob": _dt(persons["date_of_birth"]),
        "pers_single_unique_id": "", "pers_upn_unknown": "", "pers_send_flag": "",
        "pers_expected_dob": "", "pers_death_date": _dt(persons["date_of_death"]),
        "pers_is_mother": "", "pers_nationality": ""})
    # early-help children not (yet) in social care: a person record from the CAF details
    eh = _eh_person(d.tables["caf_children"], d.links)
    known = set(_keyed(persons, "person_id"))
    eh = eh[~_keyed(eh, "person_id").isin(known)].drop_duplicates(["la_code", "person_id"])
    extra = pd.DataFrame({
        "la_code": eh["la_code"], "pers_legacy_id": "", "pers_person_id": eh["person_id"],
        "pers_upn": "", "pers_forename": eh["forename"], "pers_surname": eh["surname"],
        "pers_sex": "", "pers_gender": "", "pers_ethnicity": "",
        "pers_dob": _dt(eh["date_of_birth"]), "pers_single_unique_id": "",
        "pers_upn_unknown": "", "pers_send_flag": "", "pers_expected_dob": "",
        "pers_death_date": "", "pers_is_mother": "", "pers_nationality": ""})
    return pd.concat([frame, extra], ignore_index=True)


def _contacts(d: RaiseDrop) -> pd.DataFrame:
    c = d.tables["contacts"]

    def outcome(value: str) -> str:
        if not value:  # not decided as at the extract date
            return outcome_json(CONTACT_OUTCOME_KEYS, {})
        referral = value == "referral"
        return outcome_json(CONTACT_OUTCOME_KEYS, {
            **dict.fromkeys(CONTACT_OUTCOME_KEYS, "N"),
            "NEW_REFERRAL_FLAG": _yn(referral), "NFA_FLAG": _yn(not referral)})

    return pd.DataFrame({
        "la_code": c["la_code"], "cont_contact_id": c["contact_id"],
        "cont_person_id": c["person_id"],
        "cont_contact_date": [sql_datetime(v, _time_of_day(i))
                              for v, i in zip(c["contact_date"], c["contact_id"], strict=True)],
        "cont_contact_source_code": c["contact_source_code"],
        "cont_contact_source_desc": c["contact_source"],
        "cont_contact_outcome_json": c["outcome"].map(outcome)})


def _has(frame: pd.DataFrame, column: str) -> set[str]:
    rows = frame[frame[column] != ""]
    return set(_keyed(rows, column))


def _cin_episodes(d: RaiseDrop) -> pd.DataFrame:
    r = d.tables["referrals"]
    assessed = _has(d.tables["assessments"], "referral_id")
    s47 = d.tables["s47_enquiries"]
    strategy = _has(s47, "referral_id")
    conference = _has(s47[s47["icpc_required"] == "Y"], "referral_id")
    keys = _keyed(r, "referral_id")
    outcomes = [outcome_json(REFERRAL_OUTCOME_KEYS, {
        **dict.fromkeys(REFERRAL_OUTCOME_KEYS, "N"), "SINGLE_ASSESSMENT_FLAG": _yn(k in assessed),
        "STRATEGY_DISCUSSION_FLAG": _yn(k in strategy),
        "CP_CONFERENCE_FLAG": _yn(k in conference)}) for k in keys]
    return pd.DataFrame({
        "la_code": r["la_code"], "cine_referral_id": r["referral_id"],
        "cine_person_id": r["person_id"], "cine_referral_date": _dt(r["referral_date"]),
        "cine_cin_primary_need_code": r["primary_need_code"],
        "cine_referral_source_code": r["referral_source_code"], "cine_referral_source_desc": "",
        "cine_referral_outcome_json": outcomes, "cine_referral_nfa": r["referral_nfa"],
        "cine_close_reason": r["closure_reason"], "cine_close_date": _dt(r["closure_date"]),
        "cine_referral_team": r["team_id"], "cine_referral_worker_id": r["worker_id"]})


def _cin_assessments(d: RaiseDrop) -> pd.DataFrame:
    a = d.tables["assessments"]
    s47 = _has(d.tables["s47_enquiries"], "referral_id")
    nfa, outcomes = [], []
    for key, done in zip(_keyed(a, "referral_id"), a["completed_date"], strict=True):
        if not done:
            nfa.append("")
            outcomes.append(outcome_json(ASSESSMENT_OUTCOME_KEYS, {},
                                         count_key="TOTAL_NO_OF_OUTCOMES"))
            continue
        strategy = key in s47
        nfa.append(_yn(not strategy))
        outcomes.append(outcome_json(ASSESSMENT_OUTCOME_KEYS, {
            **dict.fromkeys(ASSESSMENT_OUTCOME_KEYS, "N"), "NFA_FLAG": _yn(not strategy),
            "STRATEGY_DISCUSSION_FLAG": _yn(strategy)}, count_key="TOTAL_NO_OF_OUTCOMES"))
    return pd.DataFrame({
        "la_code": a["la_code"], "cina_assessment_id": a["assessment_id"],
        "cina_person_id": a["person_id"], "cina_referral_id": a["referral_id"],
        "cina_assessment_start_date": _dt(a["start_date"]), "cina_assessment_child_seen": "",
        "cina_assessment_auth_date": _dt(a["completed_date"]),
        "cina_assessment_outcome_json": outcomes, "cina_assessment_outcome_nfa": nfa,
        "cina_assessment_team": a["team_id"], "cina_assessment_worker_id": a["worker_id"]})


def _s47(d: RaiseDrop) -> pd.DataFrame:
    s = d.tables["s47_enquiries"]
    ended = s["end_date"] != ""
    nfa = [_yn(icpc != "Y") if end else "" for icpc, end in zip(s["icpc_required"], ended,
                                                                 strict=True)]
    outcomes = [outcome_json(S47_OUTCOME_KEYS, {
        **dict.fromkeys(S47_OUTCOME_KEYS, "N"), "CP_CONFERENCE_FLAG": icpc,
        "NFA_FLAG": flag}, count_key="TOTAL_NO_OF_OUTCOMES", comments_key="OUTCOME_COMMENTS")
        if flag else outcome_json(S47_OUTCOME_KEYS, {}, count_key="TOTAL_NO_OF_OUTCOMES",
                                  comments_key="OUTCOME_COMMENTS")
        for icpc, flag in zip(s["icpc_required"], nfa, strict=True)]
    return pd.DataFrame({
        "la_code": s["la_code"], "s47e_s47_enquiry_id": s["s47_id"],
        "s47e_referral_id": s["referral_id"], "s47e_person_id": s["person_id"],
        "s47e_s47_start_date": _dt(s["start_date"]), "s47e_s47_end_date": _dt(s["end_date"]),
        "s47e_s47_nfa": nfa, "s47e_s47_outcome_json": outcomes,
        "s47e_s47_completed_by_team": "", "s47e_s47_completed_by_worker_id": ""})


def _initial_conferences(d: RaiseDrop) -> pd.DataFrame:
    c = d.tables["cp_conferences"]
    c = c[c["conference_type"] != "review"]
    s47 = d.tables["s47_enquiries"]
    referral = dict(zip(_keyed(s47, "s47_id"), s47["referral_id"], strict=True))
    outcomes = [outcome_json(ICPC_OUTCOME_KEYS, {
        **dict.fromkeys(ICPC_OUTCOME_KEYS, "N"), "CP_FLAG": plan,
        "NFA_FLAG": _yn(plan == "N")} if plan else {}, count_key="TOTAL_NO_OF_OUTCOMES")
        for plan in c["outcome_plan"]]
    return pd.DataFrame({
        "la_code": c["la_code"], "icpc_icpc_id": c["conference_id"], "icpc_icpc_meeting_id": "",
        "icpc_s47_enquiry_id": c["s47_id"], "icpc_person_id": c["person_id"],
        "icpc_cp_plan_id": c["cp_plan_id"],
        "icpc_referral_id": [referral.get(k, "") for k in _keyed(c, "s47_id")],
        "icpc_icpc_transfer_in": (c["conference_type"] == "transfer_in").map(_yn),
        "icpc_icpc_target_date": "", "icpc_icpc_date": _dt(c["conference_date"]),
        "icpc_icpc_outcome_cp_flag": c["outcome_plan"], "icpc_icpc_outcome_json": outcomes,
        "icpc_icpc_team": "", "icpc_icpc_worker_id": ""})


def _cp_plans(d: RaiseDrop, icpc: pd.DataFrame) -> pd.DataFrame:
    p = d.tables["cp_plans"]
    with_plan = icpc[icpc["icpc_cp_plan_id"] != ""]
    by_plan = {k: (i, r) for k, i, r in zip(_keyed(with_plan, "icpc_cp_plan_id"),
                                            with_plan["icpc_icpc_id"],
                                            with_plan["icpc_referral_id"], strict=True)}
    found = [by_plan.get(k, ("", "")) for k in _keyed(p, "cp_plan_id")]
    return pd.DataFrame({
        "la_code": p["la_code"], "cppl_cp_plan_id": p["cp_plan_id"],
        "cppl_referral_id": [r for _, r in found], "cppl_icpc_id": [i for i, _ in found],
        "cppl_person_id": p["person_id"], "cppl_cp_plan_start_date": _dt(p["start_date"]),
        "cppl_cp_plan_end_date": _dt(p["end_date"]), "cppl_cp_plan_ola": "N",
        "cppl_cp_plan_initial_category": p["initial_category"],
        "cppl_cp_plan_latest_category": p["latest_category"]})


def _cp_reviews(d: RaiseDrop) -> pd.DataFrame:
    c = d.tables["cp_conferences"]
    c = c[c["conference_type"] == "review"]
    return pd.DataFrame({
        "la_code": c["la_code"], "cppr_cp_review_id": c["conference_id"],
        "cppr_person_id": c["person_id"], "cppr_cp_plan_id": c["cp_plan_id"],
        "cppr_cp_review_due": "", "cppr_cp_review_date": _dt(c["conference_date"]),
        "cppr_cp_review_meeting_id": "", "cppr_cp_review_outcome_continue_cp": c["outcome_plan"],
        "cppr_cp_review_quorate": "", "cppr_cp_review_participation": c["child_participation"]})


def _care(d: RaiseDrop) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """SSDA903 episodes -> ssd_cla_episodes, with their periods of care (clae_cla_id: `CLA`
    + the period's first episode id), placements (`PL` + the episode that started it) and
    legal statuses (`LS` + the episode that started it); also the periods, to place the
    reviews."""
    e = d.tables["cla_episodes"].sort_values(["la_code", "person_id", "start_date",
                                              "episode_id"], kind="stable")
    columns = ["la_code", "person_id", "episode_id", "start_date", "end_date",
               "reason_new_episode", "legal_status", "placement_type", "placement_provider",
               "reason_ceased", "reason_place_change"]
    episodes, placements, legal, periods = [], [], [], []
    child = None
    previous_end: str | None = None
    cla_id = entered = ""
    placement: dict | None = None
    status: dict | None = None
    # plain tuples, one child after another (sorted): much faster than pandas groupby
    for row in _Row.rows(e, columns):
        la, person = row.la_code, row.person_id
        if (la, person) != child:
            child, previous_end, placement, status = (la, person), None, None, None
        new_period = (row.reason_new_episode == "S" or previous_end is None
                      or previous_end != row.start_date)
        if new_period:
            cla_id, entered = "CLA" + row.episode_id, row.start_date
            periods.append((la, person, cla_id, entered))
        if new_period or row.reason_new_episode in NEW_PLACEMENT or placement is None:
            placement = {"la_code": la, "clap_cla_placement_id": "PL" + row.episode_id,
                         "clap_cla_id": cla_id, "clap_person_id": person,
                         "clap_cla_placement_start_date": row.start_date,
                         "clap_cla_placement_type": row.placement_type,
                         "clap_cla_placement_urn": "", "clap_cla_placement_distance": "",
                         "clap_cla_placement_provider": row.placement_provider,
                         "clap_cla_placement_postcode": ""}
            placements.append(placement)
        placement["clap_cla_placement_end_date"] = row.end_date
        placement["clap_cla_placement_change_reason"] = row.reason_place_change
        if new_period or row.reason_new_episode in NEW_LEGAL_STATUS or status is None:
            status = {"la_code": la, "lega_legal_status_id": "LS" + row.episode_id,
                      "lega_person_id": person, "lega_legal_status": row.legal_status,
                      "lega_legal_status_start_date": row.start_date}
            legal.append(status)
        status["lega_legal_status_end_date"] = row.end_date
        episodes.append({
            "la_code": la, "clae_cla_episode_id": row.episode_id, "clae_person_id": person,
            "clae_cla_placement_id": placement["clap_cla_placement_id"],
            "clae_cla_episode_start_date": row.start_date,
            "clae_cla_episode_start_reason": row.reason_new_episode,
            "clae_cla_primary_need_code": "", "clae_cla_episode_ceased_date": row.end_date,
            "clae_cla_episode_ceased_reason": row.reason_ceased, "clae_cla_id": cla_id,
            "clae_referral_id": "", "clae_cla_last_iro_contact_date": "",
            "clae_entered_care_date": entered})
        previous_end = row.end_date or None
    frames = [pd.DataFrame(x) for x in (episodes, placements, legal)]
    dates = {"clae_cla_episode_start_date", "clae_cla_episode_ceased_date",
             "clae_entered_care_date", "clap_cla_placement_start_date",
             "clap_cla_placement_end_date", "lega_legal_status_start_date",
             "lega_legal_status_end_date"}
    for frame in frames:
        for column in frame.columns:
            if column in dates:
                frame[column] = _dt(frame[column])
    return (*frames, pd.DataFrame(periods, columns=["la_code", "person_id", "cla_id", "start"]))


def _cla_reviews(d: RaiseDrop, periods: pd.DataFrame) -> pd.DataFrame:
    """Each review placed in the child's period of care it falls in (the latest period
    started on or before it; the first period when none is)."""
    r = d.tables["cla_reviews"]
    by_person: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for la, person, cla_id, start in periods.itertuples(index=False):
        by_person.setdefault((la, person), []).append((start, cla_id))
    cla_ids = []
    for la, person, when in zip(r["la_code"], r["person_id"], r["review_date"], strict=True):
        spans = by_person.get((la, person), [])
        before = [cla_id for start, cla_id in spans if start <= when]
        cla_ids.append(before[-1] if before else (spans[0][1] if spans else ""))
    return pd.DataFrame({
        "la_code": r["la_code"], "clar_cla_review_id": r["review_id"], "clar_cla_id": cla_ids,
        "clar_cla_review_due_date": "", "clar_cla_review_date": _dt(r["review_date"]),
        "clar_cla_review_cancelled": "N",
        "clar_cla_review_participation": r["participation_code"],
        "clar_cla_person_id": r["person_id"]})


def _care_leavers(d: RaiseDrop) -> pd.DataFrame:
    """The SSD keeps a care leaver's latest contact only."""
    c = d.tables["care_leaver_contacts"].sort_values(["la_code", "person_id", "contact_date"])
    c = c.drop_duplicates(["la_code", "person_id"], keep="last")
    return pd.DataFrame({
        "la_code": c["la_code"], "clea_table_id": "CL" + c["person_id"],
        "clea_person_id": c["person_id"], "clea_care_leaver_eligibility": "",
        "clea_care_leaver_in_touch": c["in_touch"],
        "clea_care_leaver_latest_contact": _dt(c["contact_date"]),
        "clea_care_leaver_accommodation": c["accommodation"],
        "clea_care_leaver_accom_suitable": c["accommodation_suitable"],
        "clea_care_leaver_activity": c["activity"], "clea_pathway_plan_review_date": "",
        "clea_care_leaver_personal_advisor": "", "clea_care_leaver_allocated_team": "",
        "clea_care_leaver_worker_id": ""})


def _early_help(d: RaiseDrop) -> pd.DataFrame:
    children = _eh_person(d.tables["caf_children"], d.links)
    a = d.tables["caf_assessments"].merge(children[["la_code", "caf_child_id", "person_id"]],
                                          on=["la_code", "caf_child_id"], how="left")
    return pd.DataFrame({
        "la_code": a["la_code"], "earl_episode_id": a["caf_id"],
        "earl_person_id": a["person_id"].fillna(""),
        "earl_episode_start_date": _dt(a["start_date"]),
        "earl_episode_end_date": _dt(a["closure_date"]), "earl_episode_reason": "",
        "earl_episode_end_reason": a["closure_reason"],
        "earl_episode_organisation": a["initiating_agency"], "earl_episode_worker_id": ""})


def _professionals(d: RaiseDrop) -> pd.DataFrame:
    w = d.tables["workers"]
    return pd.DataFrame({
        "la_code": w["la_code"], "prof_professional_id": w["worker_id"],
        "prof_staff_id": w["worker_id"], "prof_professional_name": "",
        "prof_social_worker_registration_no": "", "prof_agency_worker_flag": "N",
        "prof_professional_job_title": w["role"], "prof_professional_caseload": "",
        "prof_professional_department": w["team_name"], "prof_full_time_equivalency": ""})


def _departments(d: RaiseDrop) -> pd.DataFrame:
    w = d.tables["workers"].drop_duplicates(["la_code", "team_id"])
    return pd.DataFrame({
        "la_code": w["la_code"], "dept_team_id": w["team_id"], "dept_team_name": w["team_name"],
        "dept_team_parent_id": "", "dept_team_parent_name": ""})


def _involvements(d: RaiseDrop) -> pd.DataFrame:
    """From the RAISE allocations when the drop has them; else (drops written before
    allocations) one involvement per referral and per assessment with a worker."""
    columns = ["la_code", "invo_involvements_id", "invo_professional_id",
               "invo_professional_role_id", "invo_professional_team", "invo_person_id",
               "invo_involvement_start_date", "invo_involvement_end_date",
               "invo_worker_change_reason", "invo_referral_id"]
    allocations = d.tables.get("allocations")
    if allocations is not None:
        a = allocations
        return pd.DataFrame({
            "la_code": a["la_code"], "invo_involvements_id": a["allocation_id"],
            "invo_professional_id": a["worker_id"],
            "invo_professional_role_id": a["allocation_role"],
            "invo_professional_team": a["team_id"], "invo_person_id": a["person_id"],
            "invo_involvement_start_date": _dt(a["start_date"]),
            "invo_involvement_end_date": _dt(a["end_date"]), "invo_worker_change_reason": "",
            "invo_referral_id": ""}, columns=columns)
    frames = []
    for table, prefix, key, start, end in (
            ("referrals", "IR", "referral_id", "referral_date", "closure_date"),
            ("assessments", "IA", "assessment_id", "start_date", "completed_date")):
        t = d.tables[table]
        t = t[t["worker_id"] != ""]
        frames.append(pd.DataFrame({
            "la_code": t["la_code"], "invo_involvements_id": prefix + t[key],
            "invo_professional_id": t["worker_id"],
            "invo_professional_role_id": "allocated_social_worker",
            "invo_professional_team": t["team_id"], "invo_person_id": t["person_id"],
            "invo_involvement_start_date": _dt(t[start]),
            "invo_involvement_end_date": _dt(t[end]), "invo_worker_change_reason": "",
            "invo_referral_id": t["referral_id"]}, columns=columns))
    return pd.concat(frames, ignore_index=True)


def ssd_tables(d: RaiseDrop) -> dict[str, pd.DataFrame]:
    """Every SSD table of the contract from one RAISE/CAF drop (all columns of every
    variant; `write_ssd_drop` keeps those of one)."""
    icpc = _initial_conferences(d)
    episodes, placements, legal, periods = _care(d)
    return {
        "ssd_person": _person(d), "ssd_contacts": _contacts(d),
        "ssd_cin_episodes": _cin_episodes(d), "ssd_cin_assessments": _cin_assessments(d),
        "ssd_s47_enquiry": _s47(d), "ssd_initial_cp_conference": icpc,
        "ssd_cp_plans": _cp_plans(d, icpc), "ssd_cp_reviews": _cp_reviews(d),
        "ssd_cla_episodes": episodes, "ssd_cla_placement": placements,
        "ssd_legal_status": legal, "ssd_cla_reviews": _cla_reviews(d, periods),
        "ssd_care_leavers": _care_leavers(d), "ssd_early_help_episodes": _early_help(d),
        "ssd_professionals": _professionals(d), "ssd_department": _departments(d),
        "ssd_involvements": _involvements(d)}


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    """UTF-8 CSV with a header, RFC 4180 quoting, an empty field for no value (pyarrow's
    writer: several times faster than pandas')."""
    arrays = []
    for column in frame.columns:
        values = pa.array(frame[column].astype(str).tolist(), pa.string())
        arrays.append(pc.if_else(pc.equal(values, ""), pa.scalar(None, pa.string()), values))
    pacsv.write_csv(pa.Table.from_arrays(arrays, names=list(frame.columns)), str(path),
                    write_options=pacsv.WriteOptions(include_header=True,
                                                     quoting_style="needed"))


def write_ssd_drop(raise_drop: Path, out_drop: Path, variant: str = "lcs",
                   links: pd.DataFrame | None = None) -> int:
    """Write the SSD drop (`out_drop`/ssd/*.csv, plus the reference tables and the
    synthetic-data marker) made from one RAISE/CAF drop; return the rows written. `links`:
    the true CAF child -> person links (la_code, caf_child_id, person_id); without them the
    CAF extract's own raise_person_id is used."""
    if variant not in ssd_variants():
        raise ValueError(f"unknown SSD variant {variant!r}: one of {', '.join(ssd_variants())}")
    contract = load_ssd_contract()
    tables = ssd_tables(RaiseDrop.read(raise_drop, links))
    folder = out_drop / "ssd"
    folder.mkdir(parents=True, exist_ok=True)
    rows = 0
    for name, frame in tables.items():
        table: Table = contract.table(name)
        columns = ssd_column_names(table, variant)
        frame = frame.reindex(columns=columns, fill_value="").fillna("")
        _write_csv(frame, folder / f"{name}.csv")
        rows += len(frame)
    for extra in sorted(raise_drop.iterdir()):
        if extra.name in ("raise", "caf"):
            continue
        target = out_drop / extra.name
        if extra.is_dir():
            shutil.copytree(extra, target, dirs_exist_ok=True)
        else:
            shutil.copy2(extra, target)
    return rows


def convert_landing(raise_landing: Path, out: Path, variant: str = "lcs",
                    truth: Path | None = None,
                    progress: Callable[[str], None] | None = None) -> list[Path]:
    """Every RAISE/CAF drop under `raise_landing` as an SSD drop under `out`; `truth`: the
    folder holding the generator's caf_child_person.csv."""
    links = None
    if truth is not None and (truth / "caf_child_person.csv").is_file():
        links = pd.read_csv(truth / "caf_child_person.csv", dtype=str, keep_default_na=False)
    drops = []
    for drop in sorted(p for p in raise_landing.iterdir() if p.is_dir()):
        write_ssd_drop(drop, out / drop.name, variant, links)
        drops.append(out / drop.name)
        if progress is not None:
            progress(drop.name)
    return drops


def generate_ssd(out: Path, build: Callable[[Path, Path], object], variant: str = "lcs",
                 truth: Path | None = None) -> list[Path]:
    """Run `build(raise_landing, truth_dir)` (csc.generate.generate or generate_demo, which
    writes RAISE/CAF drops and the true links), then write its drops as SSD drops under
    `out`. The RAISE/CAF drops are written to a temporary folder beside `out` and removed."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".csc-ssd-") as tmp:
        raise_landing, truth_dir = Path(tmp) / "landing", truth or Path(tmp) / "truth"
        build(raise_landing, truth_dir)
        return convert_landing(raise_landing, out, variant, truth_dir)
