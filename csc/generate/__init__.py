"""Synthetic RAISE and CAF extract drops (the walking-skeleton slice).

This slice writes `persons` and `contacts` for the Stockton-on-Tees demo (LA 808), with
the number of contacts per reporting period taken from the published Appendix 2, and every
other contract table as a header-only file so that each drop is complete by the contract.
One drop is written a fortnight after the end of each reporting period; each drop is a full
snapshot as at its extract date (contacts made on or before it).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from csc.contract import Contract, load_contract

DEMO_LA = "808"
FORENAMES = ["Olivia", "Amelia", "Isla", "Ava", "Mia", "Jack", "Oliver", "Harry", "George",
             "Noah", "Charlie", "Jacob", "Lily", "Sophie", "Emily", "Thomas", "Leo", "Grace"]
SURNAMES = ["Smith", "Jones", "Taylor", "Brown", "Wilson", "Robson", "Walker", "Thompson",
            "Wright", "Hall", "Wood", "Harrison", "Jackson", "Bell", "Atkinson", "Dixon"]


@dataclass(frozen=True)
class Period:
    label: str
    start: date
    end: date
    contacts: int

    @property
    def extract_date(self) -> date:
        """The drop that first reports this period: two weeks after it ends."""
        return self.end + timedelta(days=14)


# Contacts per period as published (Appendix 2, "Number of contacts made", quarter only).
DEMO_PERIODS = [
    Period("2012-13", date(2012, 4, 1), date(2013, 3, 31), 6859),
    Period("2013-14 Q1", date(2013, 4, 1), date(2013, 6, 30), 1642),
    Period("2013-14 Q2", date(2013, 7, 1), date(2013, 9, 30), 1642),
    Period("2013-14 Q3", date(2013, 10, 1), date(2013, 12, 31), 1521),
    Period("2013-14 Q4", date(2014, 1, 1), date(2014, 3, 31), 1586),
]


def _working_days(start: date, end: date) -> np.ndarray:
    days = np.arange(np.datetime64(start), np.datetime64(end) + 1)
    return days[np.is_busday(days)]


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def generate_demo(out: Path, seed: int = 2014, contract: Contract | None = None) -> list[Path]:
    """Write the demo drops under `out`; return the drop folders written."""
    contract = contract or load_contract()
    rng = np.random.default_rng(seed)

    contact_dates: list[np.ndarray] = []
    for period in DEMO_PERIODS:
        days = _working_days(period.start, period.end)
        contact_dates.append(np.sort(rng.choice(days, size=period.contacts)))
    all_dates = np.concatenate(contact_dates)
    n_contacts = len(all_dates)
    n_persons = int(n_contacts * 0.7)
    person_of_contact = rng.integers(0, n_persons, size=n_contacts)

    persons = [
        [DEMO_LA, f"P{i:06d}", FORENAMES[rng.integers(len(FORENAMES))],
         SURNAMES[rng.integers(len(SURNAMES))],
         str(date(1996, 1, 1) + timedelta(days=int(rng.integers(0, 365 * 18)))),
         "MF"[int(rng.integers(2))], "WBRI",
         f"TS{int(rng.integers(15, 23))} {int(rng.integers(1, 9))}"
         f"{'ABDEFGHJ'[int(rng.integers(8))]}{'LNPQRSTU'[int(rng.integers(8))]}",
         "", ""]
        for i in range(n_persons)
    ]
    contacts = [
        [DEMO_LA, f"C{i:07d}", f"P{person_of_contact[i]:06d}", str(all_dates[i]), "Police", "6",
         str(all_dates[i]), "referral" if i % 2 else "closed_logged", "", ""]
        for i in range(n_contacts)
    ]

    written = []
    for period in DEMO_PERIODS:
        as_at = period.extract_date
        drop = out / as_at.isoformat()
        seen_contacts = [c for c in contacts if c[3] <= as_at.isoformat()]
        seen_people = {c[2] for c in seen_contacts}
        for table in contract.tables.values():
            if table.optional:
                continue
            rows: list[list[str]] = []
            if table.name == "persons":
                rows = [p for p in persons if p[1] in seen_people]
            elif table.name == "contacts":
                rows = seen_contacts
            _write_csv(drop / table.relative_path, table.column_names, rows)
        written.append(drop)
    return written
