"""CAF-to-RAISE linkage on a messy population written and loaded as a real drop."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest

from csc.linkage import export_clerical_review, link_caf_children
from csc.load import load_new_drops

from .messy_caf import write_messy_drop, write_truth


@pytest.fixture(scope="module")
def messy(tmp_path_factory):
    root = tmp_path_factory.mktemp("linkage")
    truth = write_messy_drop(root / "landing")
    load_new_drops(root / "landing", root / "work.duckdb")
    return root, truth


def _links(work: Path) -> dict[str, tuple[str, str]]:
    with duckdb.connect(str(work), read_only=True) as con:
        rows = con.execute(
            "select caf_child_id, person_id, link_method from linkage.caf_person_links").fetchall()
    return {c: (p, m) for c, p, m in rows}


def test_links_meet_quality_targets_against_truth(messy):
    root, truth = messy
    result = link_caf_children(root / "work.duckdb",
                               truth_file=write_truth(root / "truth.csv", truth))
    assert result.precision >= 0.98 and result.recall >= 0.95, result
    assert result.links_by_method["probabilistic"] > result.links_by_method["raise_id"]
    with duckdb.connect(str(root / "work.duckdb"), read_only=True) as con:
        run = con.execute("select precision, recall, links_raise_id from meta.linkage_runs "
                          "order by linked_at desc limit 1").fetchone()
    assert run == (result.precision, result.recall, result.links_by_method["raise_id"])


def test_children_carrying_a_raise_id_are_linked_by_it(messy):
    root, _ = messy
    link_caf_children(root / "work.duckdb")
    links = _links(root / "work.duckdb")
    with duckdb.connect(str(root / "work.duckdb"), read_only=True) as con:
        carried = con.execute("select caf_child_id, raise_person_id from raw.caf_children "
                              "where raise_person_id is not null").fetchall()
    assert carried
    for caf_child_id, person_id in carried:
        assert links[caf_child_id] == (person_id, "raise_id")


def test_clerical_decisions_are_fed_back(messy, tmp_path):
    root, _ = messy
    work = root / "work.duckdb"
    link_caf_children(work)
    review_csv = tmp_path / "clerical_review.csv"
    assert export_clerical_review(work, review_csv) > 0
    with review_csv.open(newline="") as fh:
        to_confirm = next(csv.DictReader(fh))
    probabilistic = next(c for c, (_, m) in _links(work).items() if m == "probabilistic")
    rejected_person = _links(work)[probabilistic][0]

    decisions = tmp_path / "decisions.csv"
    with decisions.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["la_code", "caf_child_id", "person_id", "decision"])
        writer.writerow(["808", to_confirm["caf_child_id"], to_confirm["person_id"], "match"])
        writer.writerow(["808", probabilistic, rejected_person, "non_match"])
    link_caf_children(work, decisions_file=decisions)
    links = _links(work)
    assert links[to_confirm["caf_child_id"]] == (to_confirm["person_id"], "clerical")
    assert links.get(probabilistic, (None,))[0] != rejected_person


def test_a_bad_decision_names_file_row_and_column(messy, tmp_path):
    root, _ = messy
    decisions = tmp_path / "decisions.csv"
    decisions.write_text("la_code,caf_child_id,person_id,decision\n808,CAF00001,000001,yes\n")
    with pytest.raises(ValueError, match=r"decisions.csv, row 2, column decision: 'yes'"):
        link_caf_children(root / "work.duckdb", decisions_file=decisions)
