"""The dbt sources of the SSD (models/staging/ssd/_ssd__sources.yml) are rendered from
csc/ssd_contract.yml, like the RAISE/CAF ones from csc/contract.yml: a column added to the
contract cannot be forgotten in dbt, and every staging model of the SSD reads them."""

from __future__ import annotations

import re

from csc.config import PROJECT_DIR
from csc.dbt_sources import all_source_files
from csc.ssd_contract import load_ssd_contract


def test_every_sources_file_is_rendered_from_its_contract():
    files = all_source_files()
    ssd = PROJECT_DIR / "models" / "staging" / "ssd" / "_ssd__sources.yml"
    assert ssd in files
    for path, text in files.items():
        assert path.exists(), f"{path} missing: run `make sources`"
        assert path.read_text(encoding="utf-8") == text, f"{path} is stale: run `make sources`"


def test_the_ssd_sources_declare_every_ssd_table_and_column():
    text = all_source_files()[PROJECT_DIR / "models" / "staging" / "ssd" / "_ssd__sources.yml"]
    for table in load_ssd_contract().tables.values():
        if table.system != "ssd":
            assert f"name: {table.name}\n" not in text  # reference tables: their own file
            continue
        assert f"- name: {table.name}\n" in text
        for column in table.column_names:
            assert f"- name: {column}\n" in text, f"{table.name}.{column}"


def test_ssd_staging_models_read_only_ssd_sources():
    for path in (PROJECT_DIR / "models" / "staging" / "ssd").glob("stg_ssd__*.sql"):
        sources = re.findall(r"source\('(\w+)', '(\w+)'\)", path.read_text(encoding="utf-8"))
        assert sources and all(s == "ssd" and t.startswith("ssd_") for s, t in sources), path
