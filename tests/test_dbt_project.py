"""The dbt project's shape: materialization per layer and per intermediate folder (dbt does
not warn about a misspelt config key), never per model; schema names; every model
documented in its folder's yml; and no model naming an engine."""

import re
from pathlib import Path

import yaml

from csc.config import PROJECT_DIR

LAYERS = {"staging": ("staging", "view"), "intermediate": ("intermediate", "view"),
          "marts": ("marts", "table")}
# models/intermediate/<folder>: the role of its models and so their materialization
INTERMEDIATE_FOLDERS = {"sources": "view", "history": "table", "periods": "table", "events": "view",
                        "measure_records": "table", "measure_counts": "view",
                        "computations": "table"}
# The only models that set their own materialization: they keep computations between
# builds (incremental, or a table where the engine keeps nothing: macros/kept_computations.sql).
OWN_MATERIALIZATION = {"int_measure_computed", "int_contact_outcomes", "int_measure_records",
                       "measure_records", "measure_records_as_reported"}
ENGINE_WORDS = re.compile(r"\b(duckdb|spark|databricks|read_csv|read_parquet)\b", re.I)
MATERIALIZED = re.compile(r"materiali[sz]ed\s*=", re.I)
MODELS = PROJECT_DIR / "models"


def _project_models() -> dict:
    return yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["models"]["csc"]


def test_layers_set_schema_and_materialization_once():
    models = _project_models()
    for layer, (schema, materialized) in LAYERS.items():
        config = {k: v for k, v in models[layer].items() if k.startswith("+")}
        assert config == {"+schema": schema, "+materialized": materialized}, layer
    folders = {k: v for k, v in models["intermediate"].items() if not k.startswith("+")}
    assert folders == {f: {"+materialized": m} for f, m in INTERMEDIATE_FOLDERS.items()}


def test_intermediate_models_live_in_a_folder_with_its_own_materialization():
    intermediate = MODELS / "intermediate"
    assert not list(intermediate.glob("*.sql")), "an intermediate model outside a folder"
    folders = {p.relative_to(intermediate).parts[0] for p in intermediate.rglob("*.sql")}
    assert folders == set(INTERMEDIATE_FOLDERS)


def test_no_model_overrides_its_folders_materialization():
    for path in MODELS.rglob("*.sql"):
        if path.stem in OWN_MATERIALIZATION:
            assert "kept_computations_materialization()" in path.read_text(), path
            continue
        assert not MATERIALIZED.search(path.read_text()), (
            f"{path} sets its own materialization: the folder's (dbt_project.yml) applies")
    for yml in MODELS.rglob("*.yml"):
        for model in (yaml.safe_load(yml.read_text()) or {}).get("models", []):
            config = model.get("config") or {}
            assert "materialized" not in config and "+materialized" not in config, (
                f"{yml}: {model['name']} sets its own materialization")


def test_model_files_never_name_an_engine():
    for path in (PROJECT_DIR / "models").rglob("*.sql"):
        text = path.read_text()
        assert not ENGINE_WORDS.search(text), f"{path} names an engine: use a dispatched macro"


def test_staging_models_are_the_only_ones_reading_sources():
    for path in (PROJECT_DIR / "models").rglob("*.sql"):
        if "source(" in path.read_text():
            assert path.relative_to(PROJECT_DIR).parts[1] == "staging", path


def test_every_model_is_documented_in_its_folders_yml():
    """Each model has an entry with a description in a `_<name>__models.yml` beside it;
    in the staging and intermediate folders `<name>` is the folder's own name."""
    documented: dict[Path, dict[str, str]] = {}
    for yml in MODELS.rglob("_*__models.yml"):
        for model in (yaml.safe_load(yml.read_text()) or {}).get("models", []):
            documented.setdefault(yml.parent, {})[model["name"]] = model.get("description") or ""
            if yml.parent.name != "marts":
                assert yml.name == f"_{yml.parent.name}__models.yml", yml
    models = list(MODELS.rglob("*.sql"))
    assert len(models) > 80
    missing = [str(p.relative_to(MODELS)) for p in models
               if p.stem not in documented.get(p.parent, {})]
    assert not missing, f"models with no entry in their folder's _<folder>__models.yml: {missing}"
    blank = [str(p.relative_to(MODELS)) for p in models
             if not documented[p.parent][p.stem].strip()]
    assert not blank, f"models whose yml entry has no description: {blank}"
    sql_names = {p.stem for p in models}
    stale = {name for entries in documented.values() for name in entries} - sql_names
    assert not stale, f"yml entries for models that do not exist: {stale}"
