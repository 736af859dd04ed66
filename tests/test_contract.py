from csc.contract import load_contract
from csc.dbt_sources import source_files


def test_every_table_starts_with_la_code_and_has_its_key_columns():
    contract = load_contract()
    for table in contract.tables.values():
        assert table.column_names[0] == "la_code", table.name
        assert set(table.key) <= set(table.column_names), table.name
        for key in table.key:
            assert table.column(key).required, f"{table.name}.{key} is a key but not required"


def test_parents_name_existing_table_columns():
    contract = load_contract()
    for table in contract.tables.values():
        for column in table.columns:
            if column.parent:
                parent_table, parent_column = column.parent
                assert parent_column in contract.table(parent_table).column_names


def test_statutory_code_lists_are_as_the_contract_says():
    codes = load_contract().code_lists
    assert codes["closure_reason"] == tuple(f"RC{i}" for i in range(1, 10))
    assert codes["primary_need"] == tuple(f"N{i}" for i in range(10))
    assert codes["reason_new_episode"] == ("S", "L", "P", "T", "B", "U")
    assert set(codes["abuse_category"]) == {"NEG", "PHY", "SAB", "EMO", "MUL"}
    assert {"E11", "E12", "E13", "E41", "E4A", "E4B", "E45", "E48"} <= set(codes["reason_ceased"])


def test_dbt_sources_are_rendered_from_the_contract():
    for path, text in source_files(load_contract()).items():
        assert path.exists(), f"{path} missing: run `make sources`"
        assert path.read_text(encoding="utf-8") == text, f"{path} is stale: run `make sources`"
