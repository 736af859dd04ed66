"""The Prefect flows: nightly_refresh (the runbook) and recorder (its bookkeeping)."""
