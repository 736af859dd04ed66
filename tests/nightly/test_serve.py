"""`csc serve` registers the nightly deployment with a real Prefect server."""

import pytest
from prefect.client.orchestration import get_client
from prefect.settings import PREFECT_API_URL, temporary_settings

pytestmark = pytest.mark.e2e


def _deployment(api_url: str, name: str):
    with temporary_settings({PREFECT_API_URL: api_url}):
        with get_client(sync_client=True) as client:
            return client.read_deployment_by_name(f"nightly_refresh/{name}")


def test_serve_registers_the_nightly_deployment_at_two_by_default(prefect_server, csc_cli,
                                                                  tmp_path):
    landing, warehouse = tmp_path / "landing", tmp_path / "wh" / "csc.duckdb"
    done = csc_cli(["serve", "--register-only", "--landing", str(landing),
                    "--warehouse", str(warehouse)], env=prefect_server.env())
    assert done.returncode == 0, done.stderr
    assert "Registered deployment nightly_refresh/nightly" in done.stdout

    deployment = _deployment(prefect_server.api_url, "nightly")
    [schedule] = deployment.schedules
    assert (schedule.schedule.cron, schedule.schedule.timezone) == ("0 2 * * *", "Europe/London")
    assert schedule.active
    assert deployment.parameters == {"landing": str(landing), "warehouse": str(warehouse),
                                     "reports": None}
    assert deployment.entrypoint.endswith("flows/nightly_refresh.py:nightly_refresh")

    # Registering again with another time updates the same deployment.
    again = csc_cli(["serve", "--register-only", "--cron", "30 3 * * 1-5", "--landing",
                     str(landing), "--warehouse", str(warehouse)], env=prefect_server.env())
    assert again.returncode == 0, again.stderr
    updated = _deployment(prefect_server.api_url, "nightly")
    assert updated.id == deployment.id
    assert [s.schedule.cron for s in updated.schedules] == ["30 3 * * 1-5"]


def test_serve_without_a_server_says_how_to_start_one(csc_cli, prefect_server):
    env = prefect_server.env()
    env.pop("PREFECT_API_URL")
    done = csc_cli(["serve", "--register-only"], env=env)
    assert done.returncode == 2
    assert "prefect server start" in done.stderr
