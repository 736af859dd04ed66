"""docs/analysts.md stays true: every ```sql block runs without error against a demo
warehouse published by the real nightly flow (the session's `published_demo`, opened
read-only as an analyst opens it), blocks marked `-- expect: rows` return rows, and every
```python block runs from a folder holding warehouse/csc.duckdb."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from csc.config import PROJECT_DIR

GUIDE = PROJECT_DIR / "docs" / "analysts.md"
BLOCK = re.compile(r"```(sql|python|sh)\n(.*?)```", re.S)
TABLE = re.compile(r"\b((?:marts|meta)\.\w+)")


def guide_blocks(language: str) -> list[tuple[str, str]]:
    """(id, code) of each block in the guide, numbered in order within its language."""
    blocks = [code for lang, code in BLOCK.findall(GUIDE.read_text()) if lang == language]
    return [(f"{language}{i + 1}", code) for i, code in enumerate(blocks)]


SQL_BLOCKS = guide_blocks("sql")
PYTHON_BLOCKS = guide_blocks("python")
SH_BLOCKS = guide_blocks("sh")
DUCKDB_CLI = Path(sys.executable).parent / "duckdb"


def published_tables(path: Path) -> set[str]:
    with duckdb.connect(str(path), read_only=True) as con:
        return {f"{s}.{t}" for s, t in con.execute(
            "select schema_name, table_name from duckdb_tables()").fetchall()}


def test_the_guide_has_the_common_questions():
    text = GUIDE.read_text()
    for heading in ("## Opening the file", "## A measure's trend for one LA",
                    "## The late initial child protection conferences behind a percentage",
                    "## A team's timeliness", "## Restatements since first reported"):
        assert heading in text
    assert "-readonly" in text and "read_only=True" in text and "duckdb:///" in text
    assert len(SQL_BLOCKS) >= 8 and len(PYTHON_BLOCKS) >= 2 and SH_BLOCKS


def test_the_guide_names_every_published_table(published_demo):
    """Each table of the published file appears in the guide, as `schema.table` or as
    `table` in backticks."""
    text = GUIDE.read_text()
    missing = sorted(t for t in published_tables(published_demo.published)
                     if f"`{t}`" not in text and f"`{t.split('.')[1]}`" not in text)
    assert not missing, f"docs/analysts.md does not cover {missing}"


@pytest.mark.parametrize("block_id,command", SH_BLOCKS, ids=[b for b, _ in SH_BLOCKS])
def test_command_line_block_runs_from_the_warehouse_folder(published_demo, block_id, command):
    assert DUCKDB_CLI.is_file(), "the duckdb command line (duckdb-cli) is not installed"
    for line in command.strip().replace("\\\n", " ").split("\n"):
        words = shlex.split(line)
        assert words[0] == "duckdb", f"{block_id}: only duckdb commands are run: {line}"
        done = subprocess.run([str(DUCKDB_CLI), *words[1:]], cwd=published_demo.root,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, f"{block_id}: {line}\n{done.stderr}"
        assert done.stdout.strip(), f"{block_id} printed nothing"


@pytest.mark.parametrize("block_id,sql", SQL_BLOCKS, ids=[b for b, _ in SQL_BLOCKS])
def test_sql_block_runs_on_the_published_demo(published_demo, block_id, sql):
    path = published_demo.published
    # every table the guide names is published (no table is "pending": a missing one fails)
    missing = set(TABLE.findall(sql)) - published_tables(path)
    assert not missing, f"{block_id} names tables the published file does not hold: {missing}"
    with duckdb.connect(str(path), read_only=True) as con:
        result = con.execute(sql).fetchall()
    if "-- expect: rows" in sql:
        assert result, f"{block_id} returned no rows:\n{sql}"


@pytest.mark.parametrize("block_id,code", PYTHON_BLOCKS, ids=[b for b, _ in PYTHON_BLOCKS])
def test_python_block_runs_from_the_warehouse_folder(published_demo, block_id, code,
                                                     monkeypatch, capsys):
    monkeypatch.chdir(published_demo.root)
    exec(compile(code, f"{GUIDE}:{block_id}", "exec"), {"__name__": "analysts_guide"})
    assert capsys.readouterr().out.strip(), f"{block_id} printed nothing"
