"""The children in need census of one LA for one collection year, as at one extract date:
one XML file in the DfE's layout (the element names and nesting the DfE's validator reads,
`cin_validator.ingress`):

    Message
      Header: CollectionDetails (Collection, Year, ReferenceDate), Source (SourceLevel, LEA,
              SoftwareCode, Release, SerialNo, DateTime)
      Children / Child*
        ChildIdentifiers: LAchildID, UPN, UPNunknown, PersonBirthDate,
                          ExpectedPersonBirthDate, GenderCurrent (to 2023-24) or Sex (from
                          2024-25), PersonDeathDate
        ChildCharacteristics: Ethnicity, Disabilities / Disability*
        CINdetails*: CINreferralDate, ReferralSource, PrimaryNeedCode, CINclosureDate,
                     ReasonForClosure, DateOfInitialCPC, ReferralNFA,
          Assessments*: AssessmentActualStartDate, AssessmentAuthorisationDate,
                        FactorsIdentifiedAtAssessment / AssessmentFactors*
          CINPlanDates*: CINPlanStartDate, CINPlanEndDate
          Section47*: S47ActualStartDate, InitialCPCtarget, DateOfInitialCPC, ICPCnotRequired
          ChildProtectionPlans*: CPPstartDate, CPPendDate, InitialCategoryOfAbuse,
                                 LatestCategoryOfAbuse, NumberOfPreviousCPP,
                                 Reviews* / CPPreviewDate

Who and what is in it (the DfE's CIN census guidance): every child with a CIN episode (a
referral) open at some time in the year, with each such referral as a CINdetails; under it
the assessments, CIN plans, section 47 enquiries and child protection plans open at some time
in the year, and the plans' review conferences held in the year. A date after 31 March is
not yet known to the census: what it ends shows as open. Dates are YYYY-MM-DD. An activity
is placed under its own referral (referral_id; a child protection plan through the
enquiry of its initial conference), else under the child's referral open on its start.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import pandas as pd

from csc.returns.common import (
    RECORD_MAP_COLUMNS,
    codes,
    flag,
    known_by,
    open_in_year,
    text,
    ts,
)
from csc.returns.source import CollectionYear, ReturnSource

SOFTWARE_CODE = "csc"
# CIN census GenderCurrent (to 2023-24): 1 male, 2 female, 0 not known
GENDER_CURRENT = {"M": "1", "F": "2", "U": "0"}
UPN_UNKNOWN = {f"UN{n}" for n in range(1, 11)}
ICPC_TARGET_WORKING_DAYS = 15


@dataclass
class CinCensus:
    xml: bytes
    record_map: pd.DataFrame
    children: int
    referrals: int  # CIN episodes (CINdetails)
    referrals_received: int  # referrals received in the year, joined ones included


def iso(value) -> str | None:
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).strftime("%Y-%m-%d")


def _by(value, cutoff: date):
    """A date when on or before the year's end, else None (not yet known to the census)."""
    if value is None or pd.isna(value) or pd.Timestamp(value) > ts(cutoff):
        return None
    return value


def _add(parent: ET.Element, tag: str, value) -> None:
    """A child element, left out when the value is empty (the census's optional items)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)) or value == "":
        return
    ET.SubElement(parent, tag).text = str(value)


def _working_days_after(days: pd.Series, count: int) -> pd.Series:
    """The date `count` working days after each day (England & Wales bank holidays)."""
    from csc.bank_holidays import england_and_wales_bank_holidays

    holidays = np.array([d for d, _ in england_and_wales_bank_holidays()],
                        dtype="datetime64[D]")
    known = days.notna()
    result = pd.Series(pd.NaT, index=days.index, dtype="datetime64[ns]")
    if known.any():
        start = days[known].to_numpy().astype("datetime64[D]")
        result[known] = np.busday_offset(start, count, roll="forward", holidays=holidays)
    return result


def cin_episodes(referrals: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """The child's CIN episodes: a referral received while an earlier one of the same child
    is still open (received before its closure, or it is not closed) joins that episode
    instead of starting one (the CIN census's episodes cannot overlap). An episode: the
    first referral's id, date, source; the need of its first referral that went on to
    further action (else the first's); NFA only when every referral of it was; closed when
    all are, on the last closure, with that referral's reason. Returns the episodes and
    each referral's episode (the first referral's id)."""
    rows, episode_of = [], {}
    current = None
    for row in referrals.sort_values(["person_id", "referral_date", "referral_id"]
                                     ).itertuples():
        joins = (current is not None and current["person_id"] == row.person_id
                 and (pd.isna(current["closure_date"])
                      or row.referral_date < current["closure_date"]))
        nfa = flag(row.referral_nfa)
        if not joins:
            current = {"referral_id": row.referral_id, "person_id": row.person_id,
                       "referral_date": row.referral_date,
                       "referral_source_code": row.referral_source_code,
                       "primary_need_code": row.primary_need_code, "referral_nfa": nfa,
                       "closure_date": row.closure_date, "closure_reason": row.closure_reason,
                       "members": [row.referral_id], "_need_set": nfa is False}
            rows.append(current)
        else:
            current["members"].append(row.referral_id)
            if nfa is False:
                current["referral_nfa"] = False
                if not current["_need_set"]:
                    current["primary_need_code"] = row.primary_need_code
                    current["_need_set"] = True
            if pd.isna(row.closure_date):
                current["closure_date"], current["closure_reason"] = pd.NaT, None
            elif (pd.notna(current["closure_date"])
                  and row.closure_date >= current["closure_date"]):
                current["closure_date"] = row.closure_date
                current["closure_reason"] = row.closure_reason
        episode_of[row.referral_id] = current["referral_id"]
    columns = ["referral_id", "person_id", "referral_date", "referral_source_code",
               "primary_need_code", "referral_nfa", "closure_date", "closure_reason",
               "members"]
    episodes = pd.DataFrame(rows, columns=columns + ["_need_set"])[columns]
    episodes["referral_date"] = pd.to_datetime(episodes.referral_date)
    episodes["closure_date"] = pd.to_datetime(episodes.closure_date)
    return episodes, episode_of


def _attach(events: pd.DataFrame, referrals: pd.DataFrame, on: str,
            episode_of: dict) -> pd.Series:
    """The CIN episode (in the census) each event goes under: the episode of its own
    referral when that is in the census, else the child's latest episode started on or
    before the event's date `on`."""
    own = events.referral_id.map(episode_of)
    own = own.where(own.isin(set(referrals.referral_id)))
    missing = own.isna() & events[on].notna()
    if missing.any() and not referrals.empty:
        lost = events.loc[missing, ["person_id", on]].reset_index().sort_values(on)
        lost[on] = lost[on].astype("datetime64[ns]")
        lost["person_id"] = lost.person_id.astype(object)
        candidates = referrals[["person_id", "referral_date", "referral_id"]].sort_values(
            "referral_date")
        candidates = candidates.assign(
            referral_date=candidates.referral_date.astype("datetime64[ns]"),
            person_id=candidates.person_id.astype(object))
        found = pd.merge_asof(lost, candidates, left_on=on, right_on="referral_date",
                              by="person_id", direction="backward")
        own.loc[found["index"].to_numpy()] = found.referral_id.to_numpy()
    return own


def _previous_plans(plans: pd.DataFrame, plans_all: pd.DataFrame) -> pd.Series:
    """Per plan, the child's plans that started before it (NumberOfPreviousCPP)."""
    pairs = plans[["cp_plan_id", "person_id", "start_date"]].merge(
        plans_all[["person_id", "start_date"]].rename(columns={"start_date": "other"}),
        on="person_id")
    earlier = pairs[pairs.other < pairs.start_date].groupby("cp_plan_id").size()
    return plans.cp_plan_id.map(earlier).fillna(0).astype(int)


def build(source: ReturnSource, la_code: str, year: CollectionYear, as_at: date,
          run_time: datetime | None = None) -> CinCensus:
    start, end = year.start, year.end
    persons = source.records("persons", la_code, as_at).set_index("person_id", drop=False)
    all_referrals = source.records("referrals", la_code, as_at)
    all_referrals = all_referrals[all_referrals.person_id.isin(persons.index)
                                  & all_referrals.referral_date.notna()]
    episodes, episode_of = cin_episodes(all_referrals)
    referrals = episodes[open_in_year(episodes.referral_date, episodes.closure_date,
                                      start, end)].copy()
    referrals["closure"] = known_by(referrals.closure_date, end)
    referrals = referrals.sort_values(["person_id", "referral_date", "referral_id"])

    assessments = source.records("assessments", la_code, as_at)
    assessments["authorised"] = known_by(
        assessments.authorisation_date.fillna(assessments.completed_date), end)
    assessments = assessments[
        assessments.person_id.isin(referrals.person_id)
        & open_in_year(assessments.start_date,
                       assessments.authorisation_date.fillna(assessments.completed_date),
                       start, end)].copy()
    assessments["census_referral"] = _attach(assessments, referrals, "start_date", episode_of)

    cin_plans = source.records("cin_plans", la_code, as_at)
    cin_plans = cin_plans[cin_plans.person_id.isin(referrals.person_id)
                          & open_in_year(cin_plans.start_date, cin_plans.end_date,
                                         start, end)].copy()
    cin_plans["census_referral"] = _attach(cin_plans, referrals, "start_date", episode_of)

    conferences = source.records("cp_conferences", la_code, as_at)
    initial = conferences[conferences.conference_type.isin(["initial"])
                          & conferences.conference_date.notna()]
    icpc_of_s47 = (initial.dropna(subset=["s47_id"]).sort_values("conference_date")
                   .drop_duplicates("s47_id").set_index("s47_id").conference_date)

    s47 = source.records("s47_enquiries", la_code, as_at)
    s47["icpc"] = s47.s47_id.map(icpc_of_s47)
    s47_end = s47.icpc.fillna(s47.end_date)
    s47 = s47[s47.person_id.isin(referrals.person_id)
              & open_in_year(s47.start_date, s47_end, start, end)].copy()
    s47["census_referral"] = _attach(s47, referrals, "start_date", episode_of)
    s47["target"] = _working_days_after(s47.start_date, ICPC_TARGET_WORKING_DAYS)

    plans_all = source.records("cp_plans", la_code, as_at)
    plans = plans_all[plans_all.person_id.isin(referrals.person_id)
                      & open_in_year(plans_all.start_date, plans_all.end_date,
                                     start, end)].copy()
    plan_s47 = (conferences[conferences.conference_type.isin(["initial", "transfer_in"])
                            & conferences.cp_plan_id.notna()]
                .sort_values("conference_date").drop_duplicates("cp_plan_id")
                .set_index("cp_plan_id").s47_id)
    s47_referral = source.records("s47_enquiries", la_code, as_at).set_index(
        "s47_id").referral_id
    plans["referral_id"] = plans.cp_plan_id.map(plan_s47).map(s47_referral)
    plans["census_referral"] = _attach(plans, referrals, "start_date", episode_of)
    plans["previous"] = _previous_plans(plans, plans_all)
    reviews = conferences[(conferences.conference_type == "review")
                          & conferences.cp_plan_id.isin(plans.cp_plan_id)
                          & (conferences.conference_date >= ts(start))
                          & (conferences.conference_date <= ts(end))]
    reviews = reviews.sort_values(["cp_plan_id", "conference_date", "conference_id"])

    # initial conferences in the year under a referral but not under an enquiry in the
    # census: the CINdetails' own DateOfInitialCPC
    reported_icpc = set(s47.s47_id[s47.icpc.notna() & (s47.icpc <= ts(end))])
    loose_icpc = initial[(initial.conference_date >= ts(start))
                         & (initial.conference_date <= ts(end))
                         & ~initial.s47_id.isin(reported_icpc)
                         & initial.person_id.isin(referrals.person_id)].copy()
    loose_icpc["referral_id"] = loose_icpc.s47_id.map(s47_referral)
    loose_icpc["census_referral"] = _attach(loose_icpc, referrals, "conference_date", episode_of)
    loose_icpc = loose_icpc.dropna(subset=["census_referral"]).sort_values(
        "conference_date").drop_duplicates("census_referral")
    loose_icpc_of = loose_icpc.set_index("census_referral").conference_date

    root = ET.Element("Message")
    header = ET.SubElement(root, "Header")
    details = ET.SubElement(header, "CollectionDetails")
    _add(details, "Collection", "CIN")
    _add(details, "Year", str(year.end_year))
    _add(details, "ReferenceDate", iso(end))
    source_el = ET.SubElement(header, "Source")
    _add(source_el, "SourceLevel", "L")
    _add(source_el, "LEA", la_code)
    _add(source_el, "SoftwareCode", SOFTWARE_CODE)
    _add(source_el, "Release", "1")
    _add(source_el, "SerialNo", "1")
    _add(source_el, "DateTime",
         (run_time or datetime.now()).replace(microsecond=0).isoformat())
    children_el = ET.SubElement(root, "Children")

    rows: dict[str, list[tuple]] = {}

    def mapped(table: str, child: str, source_table: str, record_id: str,
               same_row: bool = False) -> None:
        """One row of the validator's table `table` (in document order); same_row: one
        more source record behind the row just mapped."""
        entries = rows.setdefault(table, [])
        number = entries[-1][3] if same_row and entries else (
            entries[-1][3] + 1 if entries else 0)
        entries.append((child, source_table, record_id, number))

    groups = {name: _grouped(frame.sort_values(order), "census_referral") for name, frame, order
              in [("assessments", assessments, ["start_date", "assessment_id"]),
                  ("cin_plans", cin_plans, ["start_date", "cin_plan_id"]),
                  ("s47", s47, ["start_date", "s47_id"]),
                  ("plans", plans, ["start_date", "cp_plan_id"])]}
    reviews_of = _grouped(reviews, "cp_plan_id")
    sex_element = year.cin_sex_element

    people = {row.person_id: row for row in persons.itertuples(index=False)}
    for child, child_referrals in _grouped(referrals, "person_id").items():
        person = people[child]
        child_el = ET.SubElement(children_el, "Child")
        ids = ET.SubElement(child_el, "ChildIdentifiers")
        _add(ids, "LAchildID", child)
        upn = text(person.upn)
        _add(ids, "UPN", upn)
        unknown = text(person.upn_unknown)
        if not upn and unknown in UPN_UNKNOWN:
            _add(ids, "UPNunknown", unknown)
        dob = person.date_of_birth
        unborn = pd.notna(dob) and dob > ts(end)
        _add(ids, "ExpectedPersonBirthDate" if unborn else "PersonBirthDate", iso(dob))
        sex = text(person.sex) or "U"
        if sex_element == "GenderCurrent":
            _add(ids, "GenderCurrent", "0" if unborn else GENDER_CURRENT.get(sex, "0"))
        else:
            _add(ids, "Sex", "U" if unborn else sex)
        _add(ids, "PersonDeathDate", iso(_by(person.date_of_death, end)))
        mapped("ChildIdentifiers", child, "persons", child)
        characteristics = ET.SubElement(child_el, "ChildCharacteristics")
        _add(characteristics, "Ethnicity", text(person.ethnicity))
        mapped("ChildCharacteristics", child, "persons", child)
        disabilities = codes(person.disabilities)
        if disabilities:
            block = ET.SubElement(characteristics, "Disabilities")
            for code in disabilities:
                _add(block, "Disability", code)
                mapped("Disabilities", child, "persons", child)

        for referral in child_referrals:
            rid = referral.referral_id
            cin = ET.SubElement(child_el, "CINdetails")
            for member in referral.members:
                mapped("CINdetails", child, "referrals", member, same_row=member != rid)
            _add(cin, "CINreferralDate", iso(referral.referral_date))
            _add(cin, "ReferralSource", text(referral.referral_source_code))
            _add(cin, "PrimaryNeedCode", text(referral.primary_need_code))
            _add(cin, "CINclosureDate", iso(referral.closure))
            if pd.notna(referral.closure):
                _add(cin, "ReasonForClosure", text(referral.closure_reason))
            _add(cin, "DateOfInitialCPC", iso(loose_icpc_of.get(referral.referral_id)))
            nfa = flag(referral.referral_nfa)
            _add(cin, "ReferralNFA", None if nfa is None else str(nfa).lower())
            for row in groups["assessments"].get(rid, []):
                block = ET.SubElement(cin, "Assessments")
                mapped("Assessments", child, "assessments", row.assessment_id)
                _add(block, "AssessmentActualStartDate", iso(row.start_date))
                _add(block, "AssessmentAuthorisationDate", iso(row.authorised))
                factors = codes(row.factors) if pd.notna(row.authorised) else []
                if factors:
                    found = ET.SubElement(block, "FactorsIdentifiedAtAssessment")
                    for code in factors:
                        _add(found, "AssessmentFactors", code)
            for row in groups["cin_plans"].get(rid, []):
                block = ET.SubElement(cin, "CINPlanDates")
                mapped("CINplanDates", child, "cin_plans", row.cin_plan_id)
                _add(block, "CINPlanStartDate", iso(row.start_date))
                _add(block, "CINPlanEndDate", iso(_by(row.end_date, end)))
            for row in groups["s47"].get(rid, []):
                block = ET.SubElement(cin, "Section47")
                mapped("Section47", child, "s47_enquiries", row.s47_id)
                _add(block, "S47ActualStartDate", iso(row.start_date))
                _add(block, "InitialCPCtarget", iso(row.target))
                icpc = row.icpc if pd.notna(row.icpc) and row.icpc <= ts(end) else None
                _add(block, "DateOfInitialCPC", iso(icpc))
                required = flag(row.icpc_required)
                _add(block, "ICPCnotRequired", "true" if required is False else "false")
            for row in groups["plans"].get(rid, []):
                block = ET.SubElement(cin, "ChildProtectionPlans")
                mapped("ChildProtectionPlans", child, "cp_plans", row.cp_plan_id)
                _add(block, "CPPstartDate", iso(row.start_date))
                _add(block, "CPPendDate", iso(_by(row.end_date, end)))
                _add(block, "InitialCategoryOfAbuse", text(row.initial_category))
                _add(block, "LatestCategoryOfAbuse", text(row.latest_category))
                _add(block, "NumberOfPreviousCPP", str(row.previous))
                for review in reviews_of.get(row.cp_plan_id, []):
                    held = ET.SubElement(block, "Reviews")
                    _add(held, "CPPreviewDate", iso(review.conference_date))
                    mapped("Reviews", child, "cp_conferences", review.conference_id)

    ET.indent(root)
    xml = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    record_map = pd.DataFrame(
        [("cin", table, child, source_table, record_id, row)
         for table, entries in rows.items()
         for child, source_table, record_id, row in entries],
        columns=RECORD_MAP_COLUMNS)
    return CinCensus(xml=xml, record_map=record_map,
                     children=int(referrals.person_id.nunique()), referrals=len(referrals),
                     referrals_received=int(
                         all_referrals.referral_date.between(ts(start), ts(end)).sum()))


def _grouped(frame: pd.DataFrame, key: str) -> dict:
    """The rows of `frame` (named tuples, in its order) per value of `key`."""
    groups: dict = {}
    for row in frame.itertuples():
        value = getattr(row, key)
        if value is not None and not (isinstance(value, float) and pd.isna(value)):
            groups.setdefault(value, []).append(row)
    return groups
