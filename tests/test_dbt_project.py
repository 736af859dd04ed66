"""The dbt project's shape: materialization per layer (dbt does not warn about a misspelt
config key), schema names, and no model naming an engine."""

import re
from pathlib import Path

import yaml

from csc.config import PROJECT_DIR

LAYERS = {"staging": ("staging", "view"), "intermediate": ("intermediate", "view"),
          "marts": ("marts", "table")}
ENGINE_WORDS = re.compile(r"\b(duckdb|spark|databricks|read_csv|read_parquet)\b", re.I)


def test_layers_set_schema_and_materialization_once():
    project = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())
    models = project["models"]["csc"]
    for layer, (schema, materialized) in LAYERS.items():
        assert models[layer] == {"+schema": schema, "+materialized": materialized}


def test_model_files_never_name_an_engine():
    for path in (PROJECT_DIR / "models").rglob("*.sql"):
        text = path.read_text()
        assert not ENGINE_WORDS.search(text), f"{path} names an engine: use a dispatched macro"


def test_staging_models_are_the_only_ones_reading_sources():
    for path in (PROJECT_DIR / "models").rglob("*.sql"):
        if "source(" in path.read_text():
            assert path.relative_to(PROJECT_DIR).parts[1] == "staging", path


def test_every_model_is_documented():
    documented = set()
    for yml in (PROJECT_DIR / "models").rglob("*.yml"):
        for model in (yaml.safe_load(yml.read_text()) or {}).get("models", []):
            documented.add(model["name"])
    models = {p.stem for p in Path(PROJECT_DIR / "models").rglob("*.sql")}
    undocumented_marts = {m for m in models if m in
                          {p.stem for p in (PROJECT_DIR / "models" / "marts").glob("*.sql")}}
    assert undocumented_marts <= documented
