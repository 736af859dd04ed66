"""Small hand-made drops for the loader's tests: valid by the contract unless a test breaks
them on purpose. Rows are dicts (column -> value) so a test names what it changes."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import duckdb

from csc.contract import load_contract

LA = "808"


def person(pid: str, **changes: str) -> dict[str, str]:
    return {"la_code": LA, "person_id": pid, "forename": "Ann", "surname": "Smith",
            "date_of_birth": "2005-01-01", "sex": "F", "ethnicity": "WBRI",
            "postcode": "TS18 1AA", "upn": "", "date_of_death": ""} | changes


def worker(wid: str, **changes: str) -> dict[str, str]:
    return {"la_code": LA, "worker_id": wid, "team_id": "T1", "team_name": "First contact",
            "role": "social_worker"} | changes


def contact(cid: str, pid: str, outcome: str = "referral", **changes: str) -> dict[str, str]:
    return {"la_code": LA, "contact_id": cid, "person_id": pid, "contact_date": "2013-05-01",
            "contact_source": "Police", "contact_source_code": "6",
            "decision_date": "2013-05-02", "outcome": outcome, "team_id": "T1",
            "worker_id": "W1"} | changes


def referral(rid: str, cid: str, pid: str, **changes: str) -> dict[str, str]:
    return {"la_code": LA, "referral_id": rid, "contact_id": cid, "person_id": pid,
            "referral_date": "2013-05-03", "referral_source_code": "6", "referral_nfa": "N",
            "closure_date": "", "closure_reason": "", "primary_need_code": "N1",
            "team_id": "T1", "worker_id": "W1"} | changes


def population(year: str, count: str) -> dict[str, str]:
    return {"la_code": LA, "year": year, "population_0_17": count}


def base_tables() -> dict[str, list[dict[str, str]]]:
    """A small valid drop: two children, a worker, two contacts, a referral, population."""
    return {
        "persons": [person("007"), person("008", forename="Ben", sex="M")],
        "workers": [worker("W1")],
        "contacts": [contact("C1", "007"), contact("C2", "008", "closed_logged")],
        "referrals": [referral("R1", "C1", "007")],
        "child_population": [population("2013", "41000")],
    }


def write_drop(landing: Path, extract_date: str,
               tables: dict[str, list[dict[str, str]]], version: int | None = None) -> Path:
    """Write a drop: every required table (header only unless rows are given) and any
    optional table given rows. Returns the drop folder. `version`: the columns of that
    contract version only (1: a drop exported before contract v2), else all."""
    contract = load_contract()
    drop = landing / extract_date
    for table in contract.tables.values():
        if table.optional and table.name not in tables:
            continue
        path = drop / table.relative_path
        path.parent.mkdir(parents=True, exist_ok=True)
        names = [c.name for c in table.columns
                 if version is None or (c.since or 1) <= version]
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=names, lineterminator="\n",
                                    extrasaction="ignore")
            writer.writeheader()
            writer.writerows(tables.get(table.name, []))
    return drop


def history_fingerprint(work_db: Path) -> str:
    """A hash of everything the history consists of: raw versions and the load manifest."""
    digest = hashlib.sha256()
    with duckdb.connect(str(work_db), read_only=True) as con:
        tables = con.execute(
            """select schema_name || '.' || table_name from duckdb_tables()
               where schema_name = 'raw' or table_name in ('loaded_drops', 'loaded_files',
                                                         'record_deletions')
               order by 1""").fetchall()
        for (name,) in tables:
            rows = con.execute(f"select * from {name}").fetchall()
            digest.update(name.encode())
            for row in sorted(map(repr, rows)):
                digest.update(row.encode())
    return digest.hexdigest()
