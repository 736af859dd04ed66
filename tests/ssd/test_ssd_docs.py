"""docs/ssd-contract.md is rendered from csc/ssd_contract.yml and goes stale when it changes."""

from __future__ import annotations

from dataclasses import replace

from csc.docs import SSD_CONTRACT_DOC, doc_files, render_ssd_contract
from csc.ssd_contract import load_ssd_contract, ssd_variants


def test_the_ssd_contract_page_is_current_and_lists_every_column():
    contract = load_ssd_contract()
    page = SSD_CONTRACT_DOC.read_text(encoding="utf-8")
    assert doc_files()[SSD_CONTRACT_DOC] == page, "docs/ssd-contract.md is stale: make docs"
    for table in contract.tables.values():
        if table.system != "ssd":
            continue
        assert f"#### `ssd/{table.name}.csv`" in page
        for column in table.columns:
            assert f"| `{column.name}` |" in page, column.name
    assert "| `cont_contact_source_code` | text |  |  |  | lcs only (may be absent) |" in page


def test_a_changed_ssd_contract_makes_the_committed_page_stale():
    contract = load_ssd_contract()
    person = contract.table("ssd_person")
    changed = replace(contract, tables={**contract.tables, "ssd_person": replace(
        person, columns=person.columns[:-1])})
    assert doc_files(ssd_contract=changed)[SSD_CONTRACT_DOC] != \
        SSD_CONTRACT_DOC.read_text(encoding="utf-8")
    assert "pers_nationality" not in render_ssd_contract(changed, ssd_variants())
