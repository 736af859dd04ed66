"""The contract v2 fields the generator writes (csc.generate.statutory): real postcodes in
the LA's area, URNs where the SSDA903 wants one, valid UPNs, CIN plans that never overlap a
child protection plan, missing episodes inside care, dates in their order."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from csc.contract import load_contract
from csc.generate.calendar import day
from csc.generate.context import NONE
from csc.generate.drops import snapshot
from csc.generate.postcodes import AreaPostcodes, _directory, area_codes, ons_code_of
from csc.generate.statutory import NO_URN, _recode_placements

CONTRACT = load_contract()


@pytest.fixture(scope="module")
def last_drop(demo_landing: Path) -> duckdb.DuckDBPyConnection:
    """The demo's last drop, one view per RAISE file."""
    drop = sorted(p for p in demo_landing.iterdir() if p.is_dir())[-1]
    con = duckdb.connect()
    for table in CONTRACT.tables.values():
        path = drop / table.relative_path
        if table.system == "raise" and path.exists():
            con.execute(f"create view {table.name} as select * from read_csv('{path}', "
                        "all_varchar = true)")
    return con


def _column(con: duckdb.DuckDBPyConnection, sql: str) -> list:
    return [r[0] for r in con.execute(sql).fetchall()]


def test_postcodes_are_real_and_in_the_la(last_drop) -> None:
    directory = _directory("DT")  # Stockton-on-Tees' postcodes start with T (and D)
    laua = dict(zip(directory.pcd, directory.laua, strict=True))
    stockton = area_codes("E06000004")
    homes = _column(last_drop, "select home_postcode from cla_episodes "
                               "where home_postcode is not null")
    assert len(homes) > 1000
    assert all(laua.get(p) in stockton for p in homes)
    placements = _column(last_drop, "select placement_postcode from cla_episodes")
    assert None not in placements
    assert all(p in laua for p in placements)  # real postcodes
    inside = np.mean([laua[p] in stockton for p in placements])
    assert 0.6 < inside < 0.95  # most placements in the LA, some in neighbouring areas


def test_postcodes_of_any_la_are_in_its_area() -> None:
    rng = np.random.default_rng(1)
    for la in ("202", "909", "837", "928"):  # Camden; Cumbria, Bournemouth, Northants
        area = AreaPostcodes(la)
        drawn = area.draw(50, rng)
        directory = _directory("".join(sorted({p[0] for p in drawn})))
        laua = dict(zip(directory.pcd, directory.laua, strict=True))
        assert all(laua[p] in area_codes(ons_code_of(la)) for p in drawn), la
        near = area.draw(50, rng, np.ones(50, dtype=bool))
        assert not any(p in set(area.inside) for p in near), la


def test_placement_postcodes_and_urns_follow_the_903(last_drop) -> None:
    rows = last_drop.execute(
        """select placement_type, home_postcode, placement_postcode, placement_urn, uasc
           from cla_episodes join persons using (la_code, person_id)""").fetchall()
    for kind, home, placed, urn, uasc in rows:
        if kind == "P1" and home is not None:
            assert placed == home
        else:
            assert placed != home
        if kind in ("P1", "P2", "P3", "R1", "R2", "R5", "T0", "T1", "T2", "T3", "T4", "Z1"):
            assert urn == NO_URN
        elif kind != "H5":  # H5 has an Ofsted URN only from 29 October 2023
            assert urn[:2] == "SC" and urn[2:].isdigit() and len(urn) == 8, (kind, urn)
        assert (home is None) == (uasc == "Y")  # no home postcode for a UASC


def test_upns_are_valid_and_a_missing_one_has_a_reason(last_drop) -> None:
    letters = "ABCDEFGHJKLMNPQRTUVWXYZ"
    rows = last_drop.execute("select upn, upn_unknown, date_of_birth from persons").fetchall()
    upns = [u for u, _, _ in rows if u is not None]
    assert len(upns) > 1000 and len(set(upns)) == len(upns)
    for upn in upns:
        assert len(upn) == 13 and upn[1:].isdigit() and upn[1:4] == "808"
        assert upn[0] == letters[sum(int(c) * (i + 2) for i, c in enumerate(upn[1:])) % 23]
    for upn, unknown, born in rows:
        assert (upn is None) == (unknown is not None)
        if unknown == "UN1":  # under 4 on the 31 August before the extract (903 rule 209)
            assert born > "2009-08-31"
    # never UN4 (UPN not yet obtained) for a child who has been in care (903 rule 210)
    assert last_drop.execute(
        """select count(*) from persons where upn_unknown = 'UN4' and person_id in
           (select person_id from cla_episodes)""").fetchone()[0] == 0


def test_v2_dates_and_codes_are_consistent(last_drop) -> None:
    assert last_drop.execute(
        """select count(*) from assessments where authorisation_date is not null
           and (completed_date is null or authorisation_date::date < completed_date::date
                or authorisation_date::date > completed_date::date + 10
                or factors is null)""").fetchone()[0] == 0
    factors = set(CONTRACT.code_lists["assessment_factor"])
    for value in _column(last_drop, "select distinct factors from assessments "
                                    "where factors is not null"):
        items = value.split(";")
        assert set(items) <= factors and len(set(items)) == len(items) <= 4
        assert "21" not in items or items == ["21"]
    # UASC: mostly boys, status ceased on the 18th birthday; mothers are girls
    assert last_drop.execute(
        """select count(*) from persons where uasc = 'Y' and uasc_ceased_date is not null
           and uasc_ceased_date::date <> date_of_birth::date + interval 18 year"""
    ).fetchone()[0] == 0
    assert last_drop.execute("select count(*) from persons where mother = 'Y' and sex <> 'F'"
                             ).fetchone()[0] == 0
    assert last_drop.execute("select count(*) from persons where mother = 'Y'").fetchone()[0]


def test_cin_plans_never_overlap_a_cp_plan_and_stay_in_their_referral(last_drop) -> None:
    assert last_drop.execute("select count(*) from cin_plans").fetchone()[0] > 100
    assert last_drop.execute(
        """select count(*) from cin_plans c join cp_plans p using (la_code, person_id)
           where c.start_date::date < coalesce(p.end_date::date, date '9999-12-31')
             and p.start_date::date < coalesce(c.end_date::date, date '9999-12-31')"""
    ).fetchone()[0] == 0
    assert last_drop.execute(
        """select count(*) from cin_plans c join referrals r using (la_code, referral_id)
           where c.person_id <> r.person_id or c.start_date < r.referral_date
              or c.end_date > r.closure_date
              or r.closure_reason in ('RC8', 'RC9') or r.referral_nfa = 'Y'"""
    ).fetchone()[0] == 0
    # one CIN plan at a time, never even on the same day (CIN census rules 4004, 4014)
    assert last_drop.execute(
        """select count(*) from cin_plans a join cin_plans b
             on a.person_id = b.person_id and a.cin_plan_id <> b.cin_plan_id
           where a.start_date >= b.start_date
             and a.start_date <= coalesce(b.end_date, '9999-12-31')""").fetchone()[0] == 0


def test_missing_episodes_are_inside_care_and_never_overlap(last_drop) -> None:
    assert last_drop.execute("select count(*) from missing_episodes").fetchone()[0] > 50
    assert last_drop.execute(
        """select count(*) from missing_episodes m where not exists (
               select 1 from cla_episodes e where e.person_id = m.person_id
                 and e.start_date <= m.start_date
                 and (e.end_date is null or e.end_date >= coalesce(m.end_date, m.start_date)))"""
    ).fetchone()[0] == 0
    assert last_drop.execute(
        """select count(*) from missing_episodes a join missing_episodes b
             on a.person_id = b.person_id and a.missing_id < b.missing_id
           where a.start_date <= coalesce(b.end_date, b.start_date)
             and b.start_date <= coalesce(a.end_date, a.start_date)""").fetchone()[0] == 0


def test_open_h5_and_z1_episodes_take_the_2025_26_codes_from_april_2025() -> None:
    table = CONTRACT.table("cla_episodes")
    start = [day(date(2024, 1, 1)), day(date(2024, 1, 1)), day(date(2024, 1, 1)),
             day(date(2025, 6, 1))]
    end = [NONE, day(date(2025, 2, 1)), NONE, NONE]
    kinds = ["H5", "H5", "Z1", "Z1"]
    n = len(kinds)
    frame = pa.table({c: pa.array([""] * n) for c in table.column_names} | {
        "start_date": pa.array(start), "end_date": pa.array(end),
        "placement_type": pa.array(kinds), "_rec": pa.array(start)})
    recoded = _recode_placements(frame, np.random.default_rng(1))
    before = snapshot(table, recoded, day(date(2025, 3, 31)))["placement_type"].to_pylist()
    after = snapshot(table, recoded, day(date(2025, 7, 1)))["placement_type"].to_pylist()
    assert before == ["H5", "H5", "Z1"]  # the last episode starts after this drop
    assert after[:2] == ["K3", "H5"]  # the H5 episode that ended in February keeps H5
    assert after[2] in ("Z11", "Z12", "Z13", "Z14") and after[3] in ("Z11", "Z12", "Z13", "Z14")
