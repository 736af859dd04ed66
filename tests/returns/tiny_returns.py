"""Hand-made minimal returns for one LA (Stockton-on-Tees, 808, E06000004), collection year
2023-24, in the folder layout `csc returns` writes (docs/returns.md): a 903 Header, Episodes
and Reviews set for two children looked after and a CIN census XML for two children in need,
with a faults switch that breaks what the tests expect the DfE's rules to catch."""

from __future__ import annotations

import csv
from pathlib import Path

LA = "808"
ONS = "E06000004"
YEAR = "2023-24"

# the faults write_returns(faults=True) makes, as (return, rule_code, table, column,
# child_id, row) findings of the DfE's rules
FAULTS = {
    "ethnicity": ("ssda903", "103", "Header", "ETHNIC", "1001", 0),
    "episode_ends_before_start": ("ssda903", "356", "Episodes", "DECOM", "1002", 1),
    "referral_source": ("cin", "8866", "CINdetails", "ReferralSource", "2001", 0),
}
CHECK_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"


def upn(serial: int) -> str:
    """A well-formed UPN of the LA (check letter, LA, school, year, serial)."""
    body = f"{LA}2001{23:02}{serial:03}"
    check = sum(int(d) * w for d, w in zip(body, range(2, 14), strict=True)) % 23
    return CHECK_LETTERS[check] + body


def _csv(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def write_903(folder: Path, faults: bool) -> None:
    """header.csv, episodes.csv, reviews.csv under folder/ssda903."""
    header = [
        {"CHILD": "1001", "SEX": "1", "DOB": "01/05/2012",
         "ETHNIC": "XXXX" if faults else "WBRI", "UPN": upn(1), "MOTHER": "",
         "MC_DOB": ""},
        {"CHILD": "1002", "SEX": "2", "DOB": "14/09/2015", "ETHNIC": "WBRI", "UPN": upn(2),
         "MOTHER": "0", "MC_DOB": ""},
    ]
    episode = {"RNE": "S", "LS": "C2", "CIN": "N1", "PLACE": "U1", "PLACE_PROVIDER": "PR1",
               "REC": "", "REASON_PLACE_CHANGE": "", "HOME_POST": "TS15 0AD",
               "PL_POST": "TS15 0YQ", "URN": "XXXXXXX"}
    episodes = [
        {"CHILD": "1001", "DECOM": "01/06/2023", **episode, "DEC": ""},
        {"CHILD": "1002", "DECOM": "10/07/2023", **episode,
         "DEC": "01/07/2023" if faults else "", "REC": "E4A" if faults else ""},
    ]
    columns = ["CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC",
               "REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN"]
    reviews = [
        {"CHILD": "1001", "DOB": "01/05/2012", "REVIEW": "20/06/2023", "REVIEW_CODE": "PN1"},
        {"CHILD": "1002", "DOB": "14/09/2015", "REVIEW": "25/07/2023", "REVIEW_CODE": "PN1"},
    ]
    _csv(folder / "ssda903" / "header.csv", header)
    _csv(folder / "ssda903" / "episodes.csv", [{c: e[c] for c in columns} for e in episodes])
    _csv(folder / "ssda903" / "reviews.csv", reviews)


def _child(child_id: str, serial: int, dob: str, referral: str, source: str,
           closed: str | None) -> str:
    closure = (f"<CINclosureDate>{closed}</CINclosureDate><ReasonForClosure>RC8"
               "</ReasonForClosure>") if closed else ""
    return f"""
  <Child>
   <ChildIdentifiers>
    <LAchildID>{child_id}</LAchildID><UPN>{upn(serial)}</UPN>
    <PersonBirthDate>{dob}</PersonBirthDate><GenderCurrent>1</GenderCurrent>
   </ChildIdentifiers>
   <ChildCharacteristics>
    <Ethnicity>WBRI</Ethnicity>
    <Disabilities><Disability>NONE</Disability></Disabilities>
   </ChildCharacteristics>
   <CINdetails>
    <CINreferralDate>{referral}</CINreferralDate><ReferralSource>{source}</ReferralSource>
    <PrimaryNeedCode>N1</PrimaryNeedCode>{closure}<ReferralNFA>0</ReferralNFA>
    <Assessments>
     <AssessmentActualStartDate>{referral}</AssessmentActualStartDate>
     <AssessmentAuthorisationDate>{referral}</AssessmentAuthorisationDate>
     <FactorsIdentifiedAtAssessment><AssessmentFactors>21</AssessmentFactors></FactorsIdentifiedAtAssessment>
    </Assessments>
   </CINdetails>
  </Child>"""


def write_cin(folder: Path, faults: bool) -> None:
    """cin_census.xml: two children, each with one referral and assessment."""
    children = (_child("2001", 3, "2014-02-03", "2023-06-01", "ZZ" if faults else "1A",
                       "2023-09-01")
                + _child("2002", 4, "2016-03-04", "2023-07-15", "1B", None))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "cin_census.xml").write_text(f"""<?xml version="1.0" encoding="utf-8"?>
<Message>
 <Header>
  <CollectionDetails><Collection>CIN</Collection><Year>2024</Year><ReferenceDate>2024-03-31</ReferenceDate></CollectionDetails>
  <Source><SourceLevel>L</SourceLevel><LEA>{LA}</LEA><SoftwareCode>csc</SoftwareCode><Release>1</Release><SerialNo>1</SerialNo><DateTime>2024-05-01T09:00:00</DateTime></Source>
 </Header>
 <Children>{children}
 </Children>
</Message>
""")


def write_returns(folder: Path, faults: bool = False) -> Path:
    """Both returns for the LA in `folder` (= <out>/<la_code>)."""
    write_903(folder, faults)
    write_cin(folder, faults)
    return folder
