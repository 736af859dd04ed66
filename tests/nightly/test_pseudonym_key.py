"""Real extracts need a real key: a refresh of drops the generator did not mark as synthetic
refuses to run with the public demo pseudonym key, and says how to set CSC_PSEUDONYM_KEY."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from csc.config import PROJECT_DIR, warehouse_paths
from csc.contract import load_contract
from csc.generate.drops import SYNTHETIC_MARKER
from csc.pseudonym import DEMO_KEY, DemoKeyRefused, require_real_key

CSC = Path(sys.executable).with_name("csc")


def _landing(tmp_path: Path, marked: bool) -> Path:
    landing = tmp_path / "landing"
    drop = landing / "2013-07-14"
    for table in load_contract().required_tables():  # header-only files: a valid drop
        path = drop / table.relative_path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(",".join(table.column_names) + "\n", encoding="utf-8")
    if marked:
        (drop / SYNTHETIC_MARKER).write_text("synthetic\n")
    return landing


def test_the_generator_marks_every_drop(demo_landing: Path) -> None:
    drops = [p for p in demo_landing.iterdir() if p.is_dir()]
    assert drops and all((d / SYNTHETIC_MARKER).is_file() for d in drops)


@pytest.mark.parametrize(("marked", "key", "refused"), [
    (True, None, False),          # the demo: the demo key is fine
    (False, None, True),          # real drops, no key set
    (False, DEMO_KEY, True),      # real drops, the demo key set explicitly
    (False, "a-long-random-secret", False),
    (True, "a-long-random-secret", False),
])
def test_real_drops_need_a_real_key(tmp_path: Path, monkeypatch, marked: bool,
                                    key: str | None, refused: bool) -> None:
    if key is None:
        monkeypatch.delenv("CSC_PSEUDONYM_KEY", raising=False)
    else:
        monkeypatch.setenv("CSC_PSEUDONYM_KEY", key)
    landing = _landing(tmp_path, marked)
    if refused:
        with pytest.raises(DemoKeyRefused, match=r"2013-07-14 .* not marked synthetic.*"
                                                 r"CSC_PSEUDONYM_KEY"):
            require_real_key(landing)
    else:
        require_real_key(landing)


def test_csc_refresh_refuses_unmarked_drops_on_the_demo_key(tmp_path: Path) -> None:
    landing = _landing(tmp_path, marked=False)
    warehouse = tmp_path / "warehouse" / "csc.duckdb"
    env = {k: v for k, v in os.environ.items() if k != "CSC_PSEUDONYM_KEY"}
    done = subprocess.run([str(CSC), "refresh", "--landing", str(landing),
                           "--warehouse", str(warehouse)], env=env, capture_output=True,
                          text=True, timeout=600)
    print(done.stdout, done.stderr)
    assert done.returncode == 1
    said = done.stdout + done.stderr
    assert "not marked synthetic" in said and "export CSC_PSEUDONYM_KEY=" in said
    assert "FAILED at the load step" in said
    assert not warehouse.exists()  # nothing published
    with duckdb.connect(str(warehouse_paths(warehouse).work), read_only=True) as con:
        assert con.execute("select count(*) from meta.loaded_drops").fetchone()[0] == 0


def test_the_demo_key_is_the_dbt_projects_default():
    """dbt hashes with dbt_project.yml's default when CSC_PSEUDONYM_KEY is unset; the refusal
    above recognises the demo key by csc.pseudonym.DEMO_KEY: the two must be the same."""
    text = (PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8")
    assert f"env_var('CSC_PSEUDONYM_KEY', '{DEMO_KEY}')" in text
