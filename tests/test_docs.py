"""The generated parts of the docs are current, complete, and fail when stale."""

from __future__ import annotations

import re
import subprocess

import pytest

from csc.config import PROJECT_DIR
from csc.contract import load_contract
from csc.docs import (
    CONTRACT_DOC,
    MEASURES_DOC,
    TYPE_WORDS,
    doc_files,
    read_catalogue,
    render_contract,
    render_measures,
    replace_generated,
    tolerance_words,
)


def test_generated_docs_are_current():
    for path, text in doc_files().items():
        assert path.exists(), f"{path} missing"
        assert path.read_text(encoding="utf-8") == text, f"{path} is stale: run `make docs`"


def test_a_changed_definition_makes_the_committed_page_stale():
    catalogue = read_catalogue()
    catalogue[0] = {**catalogue[0], "definition": "Something else entirely."}
    rendered = doc_files(catalogue=catalogue)[MEASURES_DOC]
    assert rendered != MEASURES_DOC.read_text(encoding="utf-8")
    assert "Something else entirely." in rendered


def test_measure_table_holds_every_catalogue_row_in_report_order():
    catalogue = read_catalogue()
    text = render_measures(catalogue)
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    ids = [re.match(r"\| `([a-z0-9_]+)`", row).group(1) for row in rows]
    ordered = sorted(catalogue, key=lambda m: int(m["display_order"]))
    assert ids == [m["measure_id"] for m in ordered]
    for measure, row in zip(ordered, rows, strict=True):
        cells = [c.strip() for c in row.strip("|").split(" | ")]
        assert len(cells) == 8, row
        assert cells[1:6] == [measure["title"], measure["unit"], measure["period_kind"],
                              measure["polarity"],
                              tolerance_words(measure["unit"], measure["tolerance"])]
        assert cells[6] == {"record": "record", "allocation": "allocation",
                            "none": "no team"}[measure["team_source"]]
        assert cells[7] == measure["definition"]


def test_tolerance_is_shown_in_the_unit_the_direction_of_travel_uses():
    rows = [{"measure_id": "a", "section": "inputs", "display_order": "1", "title": "A",
             "unit": "percent", "period_kind": "ytd", "polarity": "up", "tolerance": "0.2",
             "team_source": "record", "definition": "As; numerator bs."},
            {"measure_id": "b", "section": "inputs", "display_order": "2", "title": "B",
             "unit": "count", "period_kind": "quarter", "polarity": "down", "tolerance": "5.0",
             "team_source": "none", "definition": "Bs."}]
    text = render_measures(rows)
    assert "| `a` | A | percent | ytd | up | 0.2 points | record | As; numerator bs. |" in text
    assert "| `b` | B | count | quarter | down | 5% | no team | Bs. |" in text


def test_catalogue_definitions_say_records_then_numerator():
    """The report groups shares of one whole by the words before '; numerator' (the
    denominator): every percentage has them once, no count or rate has them."""
    for m in read_catalogue():
        definition = m["definition"]
        assert definition.strip() == definition and definition.endswith("."), m["measure_id"]
        expected = 1 if m["unit"] == "percent" else 0
        assert definition.count("; numerator") == expected, m["measure_id"]
        # the glossary escapes these differently from the plain text; keep them out
        assert not set(definition) & set('<>"|'), m["measure_id"]


def test_shares_of_one_whole_share_their_records():
    by_id = {m["measure_id"]: m["definition"] for m in read_catalogue()}
    permanence = {d.split("; numerator")[0] for k, d in by_id.items()
                  if k.startswith("permanence_")}
    assert len(permanence) == 1
    stability = {by_id[k].split("; numerator")[0] for k in
                 ("cic_placement_stability_moves", "cic_placement_stability_length")}
    assert len(stability) == 2  # same title before the colon, different denominators


def test_contract_page_lists_every_file_column_and_code_list():
    contract = load_contract()
    text = render_contract(contract)
    for table in contract.tables.values():
        section = re.split(r"\n#{3,4} ", text.split(f"#### `{table.relative_path}`")[1])[0]
        columns = re.findall(r"^\| `([a-z0-9_]+)` \|", section, flags=re.M)
        assert columns == table.column_names, table.name
        for column in table.columns:
            if column.code_list:
                assert f"| `{column.name}` | {TYPE_WORDS[column.type]} |" in section
                assert f"code list `{column.code_list}`" in section
            if column.since:
                assert f"since v{column.since}" in section.split(f"| `{column.name}` |")[1]
    for name, codes in contract.code_lists.items():
        assert f"| `{name}` | {', '.join(codes)} |" in text


def test_contract_page_is_rendered_between_its_markers():
    page = CONTRACT_DOC.read_text(encoding="utf-8")
    assert render_contract(load_contract()) in page


def test_replace_generated_needs_each_marker_once():
    with pytest.raises(ValueError, match="marker"):
        replace_generated("# A page with no markers\n", "csc/contract.yml", "x\n")
    page = doc_files()[CONTRACT_DOC]
    with pytest.raises(ValueError, match="marker"):
        replace_generated(page + page, "csc/contract.yml", "x\n")


def test_project_files_cite_nothing_outside_the_repository():
    """A clone holds no folder beside the repository: no tracked file may cite one."""
    outside = re.compile("(\\.\\./)?" + "shared" + "/(design|seed)")
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=PROJECT_DIR, check=True,
                             capture_output=True).stdout.decode().split("\0")
    found = []
    for name in filter(None, tracked):
        path = PROJECT_DIR / name
        if not path.is_file():
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8",
                                                     errors="replace").splitlines(), 1):
            if outside.search(line):
                found.append(f"{name}:{number}")
    assert not found, found
