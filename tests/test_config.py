from pathlib import Path

from csc.config import warehouse_paths


def test_warehouse_defaults_to_warehouse_csc_duckdb(monkeypatch):
    monkeypatch.delenv("CSC_WAREHOUSE", raising=False)
    assert warehouse_paths().published == (Path("warehouse") / "csc.duckdb").resolve()


def test_environment_overrides_default_and_argument_overrides_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("CSC_WAREHOUSE", str(tmp_path / "env.duckdb"))
    assert warehouse_paths().published == tmp_path / "env.duckdb"
    assert warehouse_paths(tmp_path / "arg.duckdb").published == tmp_path / "arg.duckdb"


def test_work_and_publishing_files_sit_beside_the_published_file(tmp_path):
    paths = warehouse_paths(tmp_path / "csc.duckdb")
    assert paths.work == tmp_path / "csc.work.duckdb"
    assert paths.staging_publish.parent == tmp_path
    assert paths.staging_publish != paths.published


def test_read_yaml_reads_every_project_file_as_safe_load_does_with_libyaml():
    """csc.config.read_yaml parses with libyaml's loader (8x the pure-Python one on the
    dbt property files each publication reads), giving what yaml.safe_load gives."""
    import yaml

    from csc.config import PROJECT_DIR, read_yaml

    assert yaml.__with_libyaml__  # the pinned PyYAML wheel bundles it; else it is slow
    files = [p for folder in ("models", "seeds", "expectations", "csc", "profiles")
             for p in sorted((PROJECT_DIR / folder).rglob("*.yml"))]
    assert len(files) > 30
    for path in files:
        assert read_yaml(path) == yaml.safe_load(path.read_text(encoding="utf-8")), path
