"""A real BI tool on the published file: Apache Superset, through its own REST API.

Superset runs from the BI environment (.venv-bi, made by `make venv-bi` from
requirements-bi.lock: Superset 6.1, duckdb-engine and DuckDB 1.x, a stack the project's own
environment cannot share), in a subprocess (superset_server.py): a new metadata database
(SQLite) and config in a temp folder, no examples, served on 127.0.0.1 only, once for the
module, stopped at its end. The tests log in (an access token and a CSRF token, as any API
client), register the published file as a database opened read-only, add a dataset on
marts.measure_values and save a chart of one measure for one LA across the quarters, then ask
/api/v1/chart/<id>/data/ for that chart's data and compare it with marts.measure_values
read directly by DuckDB. Also proved: the connection cannot write (DuckDB refuses, not only
Superset), and after a refresh swaps a new file in, the same chart shows the new figures
with no restart (Superset opens the file per query).

Where .venv-bi is missing the module is skipped (run `make venv-bi`), except in CI (`CI`
set), where that is a failure: `.ci/run` makes the BI environment, so the test cannot
silently stop running there. docs/bi.md gives the recipe this test follows.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import secrets
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from csc.config import PROJECT_DIR

BI_PYTHON = PROJECT_DIR / ".venv-bi" / "bin" / "python"
SERVER = Path(__file__).with_name("superset_server.py")
STARTUP_SECONDS = 300  # set-up and start: ~15 s of CPU, a minute on a busy 2-core machine
REQUEST_SECONDS = 120


def bi_missing() -> str | None:
    """Why the BI environment cannot run Superset (None when it can)."""
    if not BI_PYTHON.exists():
        return f"{BI_PYTHON} is missing (run `make venv-bi`)"
    return None


pytestmark = [pytest.mark.bi]
if bi_missing() and not os.environ.get("CI"):
    pytestmark.append(pytest.mark.skip(reason=f"the Superset test needs the BI environment: "
                                              f"{bi_missing()}"))


class SupersetError(AssertionError):
    pass


class SupersetClient:
    """Superset's REST API as any client uses it: a JWT access token from
    /api/v1/security/login, and a CSRF token (with its session cookie) for writes."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.token: str | None = None
        self.csrf: str | None = None

    def call(self, method: str, path: str, body: dict | None = None) -> dict:
        request = urllib.request.Request(
            self.base + path, method=method,
            data=None if body is None else json.dumps(body).encode())
        if body is not None:
            request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        if self.csrf:
            request.add_header("X-CSRFToken", self.csrf)
            request.add_header("Referer", self.base)
        try:
            with self.opener.open(request, timeout=REQUEST_SECONDS) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            raise SupersetError(f"{method} {path}: HTTP {error.code}: "
                                f"{error.read().decode(errors='replace')[:2000]}") from None

    def login(self, username: str, password: str) -> None:
        self.token = self.call("POST", "/api/v1/security/login", {
            "username": username, "password": password, "provider": "db", "refresh": False,
        })["access_token"]
        self.csrf = self.call("GET", "/api/v1/security/csrf_token/")["result"]

    def add_database(self, name: str, path: Path, allow_dml: bool = False) -> int:
        """The published file as a Superset database: duckdb-engine, opened read-only."""
        return self.call("POST", "/api/v1/database/", {
            "database_name": name,
            "sqlalchemy_uri": f"duckdb:///{path.resolve()}",
            "extra": json.dumps({"engine_params": {"connect_args": {"read_only": True}}}),
            "expose_in_sqllab": True,
            "allow_dml": allow_dml,
        })["id"]

    def add_dataset(self, database: int, sql: str | None = None, name: str = "") -> int:
        """marts.measure_values as a dataset; with `sql`, a virtual dataset (a saved query)
        called `name` instead."""
        if sql is None:
            body = {"database": database, "schema": "marts", "table_name": "measure_values"}
        else:
            body = {"database": database, "schema": "marts", "table_name": name, "sql": sql}
        return self.call("POST", "/api/v1/dataset/", body)["id"]

    def add_chart(self, dataset: int, la_code: str, measure_id: str) -> int:
        """A table chart of one measure for one LA, quarter by quarter (headline rows):
        what a user saves from Explore (its form data, and the query context Superset runs
        for /api/v1/chart/<id>/data/)."""
        filters = [
            {"col": "la_code", "op": "==", "val": la_code},
            {"col": "measure_id", "op": "==", "val": measure_id},
            {"col": "period_type", "op": "==", "val": "quarter"},
            {"col": "breakdown_by", "op": "IS NULL"},
        ]
        metric = {"expressionType": "SQL", "sqlExpression": "SUM(value)", "label": "value"}
        form_data = {
            "datasource": f"{dataset}__table", "viz_type": "table", "query_mode": "aggregate",
            "groupby": ["period_sort_key", "reporting_period"], "metrics": [metric],
            "adhoc_filters": [
                {"expressionType": "SIMPLE", "clause": "WHERE", "subject": f["col"],
                 "operator": f["op"], "comparator": f.get("val")} for f in filters],
            "row_limit": 1000,
        }
        query_context = {
            "datasource": {"id": dataset, "type": "table"},
            "force": False,
            "queries": [{
                "columns": ["period_sort_key", "reporting_period"], "metrics": [metric],
                "filters": filters, "orderby": [["period_sort_key", True]], "row_limit": 1000,
            }],
            "form_data": form_data,
            "result_format": "json", "result_type": "full",
        }
        return self.call("POST", "/api/v1/chart/", {
            "slice_name": f"{measure_id} for {la_code} by quarter", "viz_type": "table",
            "datasource_id": dataset, "datasource_type": "table",
            "params": json.dumps(form_data), "query_context": json.dumps(query_context),
        })["id"]

    def chart_figures(self, chart: int) -> list[tuple[str, float | None]]:
        """The chart's data as Superset serves it: (reporting_period, value) by period."""
        result = self.call("GET", f"/api/v1/chart/{chart}/data/")["result"]
        assert len(result) == 1 and not result[0].get("error"), result
        return [(row["reporting_period"], row["value"]) for row in result[0]["data"]]


@dataclass
class Superset:
    client: SupersetClient
    versions: dict  # {"superset": ..., "duckdb": ...} as the server reported them


@pytest.fixture(scope="module")
def superset(tmp_path_factory) -> Iterator[Superset]:
    """A new Superset on 127.0.0.1, once for the module, stopped at its end."""
    reason = bi_missing()
    if reason:  # only in CI: elsewhere the module is skipped
        pytest.fail(f"the Superset test cannot run in CI: {reason}; .ci/run makes it")
    home = tmp_path_factory.mktemp("superset")
    config = home / "superset_config.py"
    config.write_text(
        "# A throwaway Superset for tests/bi: its own secret, metadata in this folder.\n"
        f"SECRET_KEY = {secrets.token_urlsafe(32)!r}\n"
        f"SQLALCHEMY_DATABASE_URI = {'sqlite:///' + str(home / 'superset.db')!r}\n"
        "CONTENT_SECURITY_POLICY_WARNING = False\n"
        "# The metadata is thrown away: no fsync per commit (db upgrade commits ~340 times).\n"
        "from sqlalchemy import event\n"
        "from sqlalchemy.engine import Engine\n"
        "@event.listens_for(Engine, 'connect')\n"
        "def _unsynced_sqlite(connection, _record):\n"
        "    if type(connection).__module__ == 'sqlite3':\n"
        "        connection.execute('pragma synchronous = off')\n")
    admin, password = "bi-test-admin", secrets.token_urlsafe(16)
    env = {**os.environ, "SUPERSET_HOME": str(home), "SUPERSET_CONFIG_PATH": str(config),
           "CSC_BI_ADMIN": admin, "CSC_BI_PASSWORD": password}
    for name in ("FLASK_APP", "SUPERSET_CONFIG", "SUPERSET_SECRET_KEY", "PYTHONPATH"):
        env.pop(name, None)
    # No network: any HTTP(S) call that is not to the loopback goes to a closed port.
    env.update({"HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9",
                "NO_PROXY": "127.0.0.1,localhost"})
    ready = home / "ready.json"
    started = time.monotonic()
    with (home / "server.log").open("w") as log:
        server = subprocess.Popen([str(BI_PYTHON), str(SERVER), str(ready)], cwd=home, env=env,
                                  stdin=subprocess.PIPE, stdout=log, stderr=subprocess.STDOUT)
    try:
        while not ready.exists():
            assert server.poll() is None, (
                f"Superset stopped (exit {server.returncode}) before it listened:\n"
                + (home / "server.log").read_text()[-4000:])
            assert time.monotonic() - started < STARTUP_SECONDS, (
                f"Superset did not listen within {STARTUP_SECONDS} s:\n"
                + (home / "server.log").read_text()[-4000:])
            time.sleep(0.2)
        info = json.loads(ready.read_text())
        client = SupersetClient(f"http://127.0.0.1:{info['port']}")
        client.login(admin, password)
        yield Superset(client=client,
                       versions={"superset": info["superset"], "duckdb": info["duckdb"]})
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=30)
        server.stdin.close()


def _chosen_measure(published: Path) -> tuple[str, str]:
    """An LA and a percent measure with a value in the most quarters (read directly)."""
    with duckdb.connect(str(published), read_only=True) as con:
        return con.execute(
            """select la_code, measure_id from marts.measure_values
               where unit = 'percent' and period_type = 'quarter' and breakdown_by is null
                 and value is not null
               group by all order by count(*) desc, la_code, measure_id limit 1""").fetchone()


def _figures(published: Path, la_code: str, measure_id: str) -> list[tuple[str, float | None]]:
    """What the chart should show, read directly from marts.measure_values."""
    with duckdb.connect(str(published), read_only=True) as con:
        rows = con.execute(
            """select reporting_period, value from marts.measure_values
               where la_code = ? and measure_id = ? and period_type = 'quarter'
                 and breakdown_by is null
               order by period_sort_key""", [la_code, measure_id]).fetchall()
    return [(period, None if value is None else float(value)) for period, value in rows]


def test_a_superset_chart_on_the_published_file_shows_the_figures_of_measure_values(
        superset: Superset, published_demo):
    published = published_demo.published
    la_code, measure_id = _chosen_measure(published)
    expected = _figures(published, la_code, measure_id)
    assert len(expected) >= 4 and len({value for _, value in expected}) > 1, expected

    api = superset.client
    database = api.add_database("csc warehouse", published)
    chart = api.add_chart(api.add_dataset(database), la_code, measure_id)

    assert api.chart_figures(chart) == expected
    # DuckDB 1.x (what BI drivers bundle) read a file DuckDB 2.0 wrote (storage v1.0.0).
    assert superset.versions["duckdb"].startswith("1."), superset.versions


@pytest.fixture(scope="module")
def published_copy(published_demo, tmp_path_factory) -> Path:
    """A private copy of the published file, in a warehouse folder, for the tests that
    change it (the session's file is shared read-only)."""
    copy = tmp_path_factory.mktemp("bi-warehouse") / "csc.duckdb"
    shutil.copyfile(published_demo.published, copy)
    return copy


def test_superset_cannot_write_to_the_file_even_with_dml_allowed(
        superset: Superset, published_copy: Path):
    """Superset's own switch (allow_dml) let the statement through; DuckDB's read-only
    connection refuses it, so the file cannot change whatever Superset's settings."""
    api = superset.client
    database = api.add_database("csc copy, dml allowed", published_copy, allow_dml=True)
    with pytest.raises(SupersetError, match="attached in read-only mode"):
        api.call("POST", "/api/v1/sqllab/execute/", {
            "database_id": database, "schema": "marts", "runAsync": False,
            "sql": "create table marts.written_by_superset as select 1 as x",
        })
    with duckdb.connect(str(published_copy), read_only=True) as con:
        assert not con.execute("select * from duckdb_tables() "
                               "where table_name = 'written_by_superset'").fetchall()


def test_after_a_refresh_swaps_the_file_in_the_same_chart_shows_the_new_figures(
        superset: Superset, published_copy: Path):
    """A refresh writes the next file beside the published one and renames it over it
    (csc.publish). Superset opens the file for each query (no pooled connection), so the
    chart shows the new figures at its next load, with no restart or reconnect."""
    la_code, measure_id = _chosen_measure(published_copy)
    api = superset.client
    database = api.add_database("csc copy", published_copy)
    # A saved query this time: with SQLite metadata (as here) Superset keeps a unique
    # constraint on a physical dataset's table name, whatever its database, so a second
    # dataset named measure_values is refused.
    dataset = api.add_dataset(database, name="measure_values_of_the_copy",
                              sql="select * from marts.measure_values")
    chart = api.add_chart(dataset, la_code, measure_id)
    before = api.chart_figures(chart)
    assert before == _figures(published_copy, la_code, measure_id)

    # The next publication, as csc.publish makes it: a new file beside, renamed over.
    refreshed = published_copy.with_name(".csc.publishing.duckdb")
    shutil.copyfile(published_copy, refreshed)
    with duckdb.connect(str(refreshed)) as con:
        con.execute("""update marts.measure_values set value = value + 10
                       where la_code = ? and measure_id = ? and period_type = 'quarter'
                         and breakdown_by is null""", [la_code, measure_id])
    os.replace(refreshed, published_copy)

    after = api.chart_figures(chart)
    assert after == _figures(published_copy, la_code, measure_id)
    assert after == [(period, None if value is None else value + 10) for period, value in before]
