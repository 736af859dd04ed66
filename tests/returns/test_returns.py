"""`csc returns` on the demo warehouse (the session's published_demo, read-only): the
returns against the marts as at the same extract, the history of a past year's return,
the DfE's formats, and the command's refusals.

- Children looked after at 31 March in the 903 Episodes (an episode with no DEC: open at
  the year's end) = cic_at_period_end for Q4 of that year in marts.measure_values (both
  computed on the latest extract). Same definition: an episode open on a day has started on
  or before it and not ended on or before it.
- Referrals behind the CIN census = the referrals measure for the year (referrals_nfa's
  denominator for the year: referrals received from 1 April to 31 March). The census has
  one CINdetails per CIN episode, and a referral received while the child's episode is open
  joins that episode (the DfE's episodes cannot overlap): so the test counts the referrals
  behind the CINdetails rows (record_map.csv) received in the year, not the rows.
- A past year's return as at an older extract (the last one taken before the year ended)
  differs from the same return as at the newest extract only in rows whose source record
  changed between the two extracts (a version added or closed in between), and some rows
  do differ.
"""

from __future__ import annotations

import csv
import re
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from csc.cli import main
from csc.returns import CollectionYear, ReturnsError, write_returns
from csc.returns.cin_census import cin_episodes
from csc.returns.ssda903 import _episodes, _sex

LA = "808"
# The DfE's column names of each SSDA903 file (lac_validator.config.column_names)
DFE_903_COLUMNS = {
    "header.csv": ["CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"],
    "episodes.csv": ["CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC",
                     "REC", "REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN"],
    "reviews.csv": ["CHILD", "DOB", "REVIEW", "REVIEW_CODE"],
    "oc3.csv": ["CHILD", "DOB", "IN_TOUCH", "ACTIV", "ACCOM"],
}
DFE_903_DATES = {"DOB", "MC_DOB", "DECOM", "DEC", "REVIEW", "DUC", "MIS_START", "MIS_END",
                 "DATE_PLACED", "DATE_PLACED_CEASED"}


def _extracts(work: Path) -> list[date]:
    with duckdb.connect(str(work), read_only=True) as con:
        return [r[0] for r in con.execute(
            "select extract_date from meta.loaded_drops order by 1").fetchall()]


def _year_before(day: date) -> CollectionYear:
    """The last collection year that ended on or before `day`."""
    first = day.year - 1 if day.month >= 4 else day.year - 2
    return CollectionYear.parse(f"{first}-{(first + 1) % 100:02d}")


@pytest.fixture(scope="module")
def demo_returns(published_demo, tmp_path_factory):
    """The returns of the last complete year, as at the newest extract, for the demo LA."""
    work = published_demo.work
    newest = _extracts(work)[-1]
    year = _year_before(newest)
    out = tmp_path_factory.mktemp("demo-returns")
    run = write_returns(work, year.label, out, la_code=LA)
    return run, published_demo


def _csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False).replace("", None)


def test_looked_after_at_year_end_equals_cic_at_period_end(demo_returns):
    run, warehouse = demo_returns
    episodes = _csv(run.out / LA / "ssda903" / "episodes.csv")
    in_care = episodes[episodes.DEC.isna()].CHILD.nunique()
    with duckdb.connect(str(warehouse.published), read_only=True) as con:
        measure = con.execute(
            "select numerator from marts.measure_values where la_code = ? and measure_id = "
            "'cic_at_period_end' and reporting_period = ? and breakdown_by is null",
            [LA, f"{run.year.label} Q4"]).fetchone()
    assert measure is not None and measure[0] > 0
    assert in_care == measure[0]


def test_referrals_in_the_cin_census_equal_the_referrals_measure(demo_returns):
    run, warehouse = demo_returns
    record_map = _csv(run.out / LA / "record_map.csv")
    behind = set(record_map[(record_map["return"] == "cin")
                            & (record_map["table"] == "CINdetails")].record_id)
    with duckdb.connect(str(warehouse.work), read_only=True) as con:
        received = {r[0] for r in con.execute(
            "select referral_id from staging.stg_raise__referrals where la_code = ? "
            "and valid_from <= ? and (valid_to is null or valid_to > ?) "
            "and referral_date between ? and ?",
            [LA, run.as_at, run.as_at, run.year.start, run.year.end]).fetchall()}
    with duckdb.connect(str(warehouse.published), read_only=True) as con:
        measure = con.execute(
            "select denominator from marts.measure_values where la_code = ? and measure_id = "
            "'referrals_nfa' and reporting_period = ? and breakdown_by is null",
            [LA, run.year.label]).fetchone()
    assert measure is not None and measure[0] > 0
    assert len(received) == measure[0]
    # every referral received in the year stands behind a CINdetails row of the census
    assert received <= behind
    root = ET.parse(run.out / LA / "cin_census.xml").getroot()
    details = root.findall("Children/Child/CINdetails")
    assert 0 < len(details) <= len(behind)


def test_formats_dfe_names_and_dates(demo_returns):
    run, _ = demo_returns
    folder = run.out / LA / "ssda903"
    for name, columns in DFE_903_COLUMNS.items():
        with (folder / name).open(newline="") as fh:
            assert next(csv.reader(fh)) == columns, name
    rows = 0
    for path in folder.glob("*.csv"):
        frame = _csv(path)
        assert "Unnamed: 0" not in frame.columns  # no index column
        for column in DFE_903_DATES & set(frame.columns):
            values = frame[column].dropna()
            rows += len(values)
            bad = values[~values.str.fullmatch(r"\d{2}/\d{2}/\d{4}")]
            assert bad.empty, (path.name, column, bad.head().tolist())
    assert rows > 0
    root = ET.parse(run.out / LA / "cin_census.xml").getroot()
    assert root.tag == "Message"
    assert root.findtext("Header/CollectionDetails/ReferenceDate") == run.year.end.isoformat()
    assert root.findtext("Header/Source/LEA") == LA
    child = root.find("Children/Child")
    assert child.find("ChildIdentifiers/LAchildID") is not None
    iso = re.compile(r"\d{4}-\d{2}-\d{2}")
    dates = [e.text for e in root.iter() if e.tag.endswith("Date") and e.tag != "DateTime"]
    assert dates and all(iso.fullmatch(d) for d in dates)
    record_map = _csv(run.out / LA / "record_map.csv")
    assert list(record_map.columns) == ["return", "table", "child_id", "source_table",
                                        "record_id", "row"]
    episodes = _csv(folder / "episodes.csv")
    mapped = record_map[(record_map["return"] == "ssda903") & (record_map["table"] == "Episodes")]
    assert len(mapped) == len(episodes)
    assert (mapped.child_id.to_numpy() == episodes.CHILD.to_numpy()).all()


def _rows_by_record(folder: Path, table: str, file_name: str) -> dict[str, tuple]:
    record_map = _csv(folder / "record_map.csv")
    mapped = record_map[(record_map["return"] == "ssda903") & (record_map["table"] == table)]
    frame = _csv(folder / "ssda903" / file_name)
    return {record: tuple(frame.iloc[int(row)].fillna(""))
            for record, row in zip(mapped.record_id, mapped.row, strict=True)}


def test_past_year_as_at_an_older_extract_differs_by_the_records_changed(published_demo,
                                                                          tmp_path):
    work = published_demo.work
    extracts = _extracts(work)
    newest = extracts[-1]
    year = _year_before(newest)
    # what would have been sent from the last extract taken before the year ended (the
    # year so far), against the same year's return as at the newest extract
    older = [d for d in extracts if year.start <= d < year.end][-1]
    assert older < newest
    then = write_returns(work, year.label, tmp_path / "then", as_at=older, la_code=LA)
    now = write_returns(work, year.label, tmp_path / "now", la_code=LA)
    assert then.as_at == older and now.as_at == newest
    differing = 0
    for table, file_name, source in [("Episodes", "episodes.csv", "cla_episodes"),
                                     ("Reviews", "reviews.csv", "cla_reviews")]:
        key = {"cla_episodes": "episode_id", "cla_reviews": "review_id"}[source]
        with duckdb.connect(str(work), read_only=True) as con:
            changed = {r[0] for r in con.execute(
                f"select distinct {key} from staging.stg_raise__{source} where la_code = ? "
                "and ((valid_from > ? and valid_from <= ?) or (valid_to > ? and valid_to <= ?))",
                [LA, older, newest, older, newest]).fetchall()}
        before = _rows_by_record(tmp_path / "then" / LA, table, file_name)
        after = _rows_by_record(tmp_path / "now" / LA, table, file_name)
        for record in set(before) | set(after):
            if before.get(record) != after.get(record):
                differing += 1
                assert record in changed, (table, record, before.get(record),
                                           after.get(record))
    assert differing > 0


def test_cin_episodes_join_referrals_received_while_one_is_open():
    day = pd.Timestamp
    referrals = pd.DataFrame([
        # child A: R2 arrives while R1 is open and outlives it; R3 after both closed
        ("R1", "A", day("2023-05-01"), "1A", "N1", False, day("2023-08-01"), "RC7"),
        ("R2", "A", day("2023-07-01"), "2A", "N2", False, day("2023-10-01"), "RC5"),
        ("R3", "A", day("2023-10-01"), "3A", "N3", False, pd.NaT, None),
        # child B: an NFA referral, then one that went on while it was still open
        ("R4", "B", day("2023-06-01"), "1A", None, True, day("2023-06-03"), "RC8"),
        ("R5", "B", day("2023-06-02"), "1A", "N4", False, pd.NaT, None),
    ], columns=["referral_id", "person_id", "referral_date", "referral_source_code",
                "primary_need_code", "referral_nfa", "closure_date", "closure_reason"])
    episodes, episode_of = cin_episodes(referrals)
    assert episode_of == {"R1": "R1", "R2": "R1", "R3": "R3", "R4": "R4", "R5": "R4"}
    first = episodes.set_index("referral_id").loc["R1"]
    assert first.closure_date == day("2023-10-01") and first.closure_reason == "RC5"
    assert first.members == ["R1", "R2"]
    # received on the day the episode closed: a new episode (the DfE's overlap is strict)
    assert episodes.set_index("referral_id").loc["R3"].members == ["R3"]
    nfa = episodes.set_index("referral_id").loc["R4"]
    assert not nfa.referral_nfa and nfa.primary_need_code == "N4"
    assert pd.isna(nfa.closure_date) and pd.isna(nfa.closure_reason)


def test_placement_codes_of_2025_26_are_written_as_used_in_the_year_of_the_return():
    """An LA recodes its open H5 and Z1 episodes on 1 April 2025 (K3, Z11-Z14): a return for
    an earlier year, written from a later extract, gives the codes that year knew."""
    day = pd.Timestamp
    rows = [("E1", "A", day("2023-01-10"), "Z14", None, day("2025-04-05")),
            ("E2", "B", day("2023-02-10"), "K3", "PR1", pd.NaT),
            ("E3", "C", day("2023-03-10"), "U1", "PR1", pd.NaT)]
    episodes = pd.DataFrame(
        [(e, p, start, "S", "C2", kind, provider, end, None, None, "N1", "", "", "")
         for e, p, start, kind, provider, end in rows],
        columns=["episode_id", "person_id", "start_date", "reason_new_episode",
                 "legal_status", "placement_type", "placement_provider", "end_date",
                 "reason_ceased", "reason_place_change", "category_of_need", "home_postcode",
                 "placement_postcode", "placement_urn"])
    written = {label: _episodes(episodes, CollectionYear.parse(label)).set_index("CHILD").PLACE
               for label in ("2023-24", "2025-26")}
    assert written["2023-24"].to_dict() == {"A": "Z1", "B": "H5", "C": "U1"}
    assert written["2025-26"].to_dict() == {"A": "Z14", "B": "K3", "C": "U1"}


def test_sex_is_written_in_the_codes_of_the_year_of_the_return():
    """903 SEX: 1 or 2 to 2023-24 (blank when not known), M, F or U from 2024-25."""
    sex = pd.Series(["M", "F", "U", None])
    assert _sex(sex, CollectionYear.parse("2023-24")).fillna("").tolist() == ["1", "2", "", ""]
    assert _sex(sex, CollectionYear.parse("2024-25")).tolist() == ["M", "F", "U", "U"]


def test_each_change_of_codes_begins_with_its_collection_year():
    """The CIN census's Sex element and the 903's SEX letters from 2024-25, the 903's new
    placement types from 2025-26: the year before each keeps the older codes."""
    def changes(label):
        year = CollectionYear.parse(label)
        return year.cin_sex_element, year.sex_as_letters, year.new_placement_codes

    assert changes("2023-24") == ("GenderCurrent", False, False)
    assert changes("2024-25") == ("Sex", True, False)
    assert changes("2025-26") == ("Sex", True, True)


def test_refusals_name_the_problem(published_demo, tmp_path, capsys):
    work = published_demo.work
    extracts = _extracts(work)
    year = _year_before(extracts[-1])
    warehouse = str(published_demo.published)
    not_loaded = date(2001, 1, 1).isoformat()
    assert main(["returns", "--year", year.label, "--warehouse", warehouse, "--as-at",
                 not_loaded, "--out", str(tmp_path)]) == 2
    assert "no extract was loaded for 2001-01-01" in capsys.readouterr().err
    assert main(["returns", "--year", "2023-24", "--warehouse", warehouse,
                 "--out", str(tmp_path)]) == 2
    assert "does not cover the collection year 2023-24" in capsys.readouterr().err
    assert main(["returns", "--year", "2023/24", "--warehouse", warehouse,
                 "--out", str(tmp_path)]) == 2
    assert "must look like 2023-24" in capsys.readouterr().err
    assert main(["returns", "--year", year.label, "--warehouse", warehouse, "--la", "999",
                 "--out", str(tmp_path)]) == 2
    assert "LA 999 is not in the extract" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())  # nothing written on a refusal
    with pytest.raises(ReturnsError):
        CollectionYear.parse("2023-25")
