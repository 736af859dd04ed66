"""A tiny hand-made landing folder touching every table the star schema reads: two drops
(2014-01-14 and 2014-04-14) in which one contact gets its decision, one contact is deleted
and one worker changes team, so a test can see the facts take each record's latest version.
LA 805 reuses person id P1, so a test can see child keys are scoped by LA."""

from __future__ import annotations

import csv
from pathlib import Path

from csc.contract import load_contract

FIRST_DROP = "2014-01-14"
LATEST_DROP = "2014-04-14"

PERSONS = [
    dict(la_code="808", person_id="P1", forename="Annabel", surname="Quigley",
         date_of_birth="2000-02-29", sex="F", ethnicity="WBRI", postcode="TS18 9ZQ",
         upn="A808000000001"),
    dict(la_code="808", person_id="P2", forename="Bartholomew", surname="Quigley",
         date_of_birth="2014-04-01", sex="M", ethnicity="MWBC", postcode="TS18 9ZQ",
         upn="A808000000002"),
    dict(la_code="808", person_id="P4", forename="Cressida", surname="Ollerenshaw",
         date_of_birth="", sex="U", ethnicity="NOBT", postcode="TS20 4XY", upn=""),
    dict(la_code="805", person_id="P1", forename="Desmond", surname="Ollerenshaw",
         date_of_birth="1995-06-30", sex="M", ethnicity="WBRI", postcode="TS24 7QQ",
         upn="A805000000001"),
]
WORKERS_FIRST = [
    dict(la_code="808", worker_id="W1", team_id="T1", team_name="Family Support North",
         role="social_worker"),
    dict(la_code="808", worker_id="W2", team_id="T2", team_name="Assessment Team",
         role="team_manager"),
]
WORKERS_LATEST = [dict(WORKERS_FIRST[0], team_id="T2", team_name="Assessment Team"),
                  WORKERS_FIRST[1]]
C1 = dict(la_code="808", contact_id="C1", person_id="P1", contact_date="2012-06-01",
          contact_source="Police", contact_source_code="6", decision_date="2012-06-01",
          outcome="referral", team_id="T1", worker_id="W1")
C3_FIRST = dict(la_code="808", contact_id="C3", person_id="P1", contact_date="2013-12-20",
                contact_source="Health - Health Visitor", contact_source_code="3B",
                team_id="T3")
C3_LATEST = dict(C3_FIRST, decision_date="2014-01-15", outcome="closed_logged")
C4 = dict(la_code="808", contact_id="C4", person_id="P2", contact_date="2014-01-06",
          contact_source="Police", contact_source_code="6")
C2 = dict(la_code="808", contact_id="C2", person_id="P2", contact_date="2014-04-02",
          contact_source="Housing", contact_source_code="4")
C1_805 = dict(la_code="805", contact_id="C1", person_id="P1", contact_date="2013-05-01",
              contact_source="Police", contact_source_code="6", decision_date="2013-05-02",
              outcome="closed_logged")
REFERRALS = [dict(la_code="808", referral_id="R1", contact_id="C1", person_id="P1",
                  referral_date="2012-06-01", referral_source_code="6", referral_nfa="N",
                  primary_need_code="N1", team_id="T1", worker_id="W1")]
ASSESSMENTS = [
    dict(la_code="808", assessment_id="A1", referral_id="R1", person_id="P1",
         assessment_type="initial", start_date="2012-06-01", completed_date="2012-06-08",
         team_id="T1", worker_id="W1"),
    dict(la_code="808", assessment_id="A2", referral_id="R1", person_id="P1",
         assessment_type="core", start_date="2012-06-08", team_id="T1", worker_id="W1"),
]
S47 = [dict(la_code="808", s47_id="S1", referral_id="R1", person_id="P1",
            start_date="2012-06-06", end_date="2012-06-20", icpc_required="Y")]
CONFERENCES = [
    dict(la_code="808", conference_id="CC1", person_id="P1", s47_id="S1", cp_plan_id="CP1",
         conference_type="initial", conference_date="2012-06-27", outcome_plan="Y",
         child_participation="attended"),
    dict(la_code="808", conference_id="CC2", person_id="P1", cp_plan_id="CP1",
         conference_type="review", conference_date="2012-09-27", outcome_plan="Y",
         child_participation="views_conveyed"),
    dict(la_code="808", conference_id="CC3", person_id="P1", cp_plan_id="CP2",
         conference_type="transfer_in", conference_date="2013-01-10", outcome_plan="Y"),
]
CP_PLANS = [
    dict(la_code="808", cp_plan_id="CP1", person_id="P1", start_date="2012-06-27",
         end_date="2012-12-01", initial_category="NEG", latest_category="EMO"),
    dict(la_code="808", cp_plan_id="CP2", person_id="P1", start_date="2013-01-10",
         initial_category="PHY", latest_category="PHY"),
]
EPISODES = [
    dict(la_code="808", episode_id="E1", person_id="P1", start_date="2013-02-01",
         reason_new_episode="S", legal_status="C2", placement_type="U1",
         placement_provider="PR1", end_date="2013-05-01"),
    dict(la_code="808", episode_id="E2", person_id="P1", start_date="2013-05-01",
         reason_new_episode="L", legal_status="C1", placement_type="U1",
         placement_provider="PR1", end_date="2013-08-01"),
    dict(la_code="808", episode_id="E3", person_id="P1", start_date="2013-08-01",
         reason_new_episode="P", legal_status="C1", placement_type="U3",
         placement_provider="PR1", reason_place_change="CARPL"),
]
CARE_LEAVER_CONTACTS = [dict(la_code="805", person_id="P1", contact_date="2014-03-01",
                             in_touch="YES", activity="F1", accommodation="B1",
                             accommodation_suitable="Y")]
CAF_CHILDREN = [
    dict(la_code="808", caf_child_id="K1", forename="Annabel", surname="Quigley",
         date_of_birth="2000-02-29", postcode="TS18 9ZQ", raise_person_id="P1"),
    dict(la_code="808", caf_child_id="K2", forename="Evangeline", surname="Featherstonehaugh",
         date_of_birth="2008-08-08", postcode="TS17 3WW"),
    dict(la_code="808", caf_child_id="K3", forename="Fitzgerald", surname="Featherstonehaugh",
         date_of_birth="2009-09-09", postcode="TS17 3WW", raise_person_id="P999"),
]
CAFS = [
    dict(la_code="808", caf_id="F1", caf_child_id="K1", initiating_agency="Housing",
         start_date="2013-03-01"),
    dict(la_code="808", caf_id="F2", caf_child_id="K2", initiating_agency="NEPACS",
         start_date="2013-04-01", closure_date="2013-09-01", closure_reason="Needs met"),
    dict(la_code="808", caf_id="F3", caf_child_id="K3", initiating_agency="Health - Other",
         start_date="2013-05-01"),
]

COMMON = dict(persons=PERSONS, referrals=REFERRALS, assessments=ASSESSMENTS,
              s47_enquiries=S47, cp_conferences=CONFERENCES, cp_plans=CP_PLANS,
              cla_episodes=EPISODES, care_leaver_contacts=CARE_LEAVER_CONTACTS,
              caf_children=CAF_CHILDREN, caf_assessments=CAFS)
DROPS = {
    FIRST_DROP: dict(COMMON, workers=WORKERS_FIRST, contacts=[C1, C3_FIRST, C4, C1_805]),
    LATEST_DROP: dict(COMMON, workers=WORKERS_LATEST, contacts=[C1, C3_LATEST, C2, C1_805]),
}

# Values that must never reach the marts (direct identifiers and clear person ids).
DIRECT_IDENTIFIERS = (
    {p[c] for p in PERSONS for c in ("forename", "surname", "postcode", "upn") if p[c]}
    | {k[c] for k in CAF_CHILDREN for c in ("forename", "surname", "postcode")}
)


def write_star_landing(landing: Path) -> Path:
    """Write the two drops under `landing` by the extract contract; return `landing`."""
    contract = load_contract()
    for extract_date, tables in DROPS.items():
        for table in contract.tables.values():
            if table.optional:
                continue
            path = landing / extract_date / table.relative_path
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("w", newline="", encoding="utf-8") as fh:
                writer = csv.writer(fh, lineterminator="\n")
                writer.writerow(table.column_names)
                for row in tables.get(table.name, []):
                    unknown = set(row) - set(table.column_names)
                    assert not unknown, f"{table.name}: no such column {unknown}"
                    writer.writerow([row.get(c, "") for c in table.column_names])
    return landing
