import csv
from datetime import date

from csc.contract import load_contract
from csc.generate import DEMO_PERIODS, generate_demo


def _rows(path):
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def test_demo_drops_follow_the_contract_layout(demo_landing):
    contract = load_contract()
    drops = sorted(p.name for p in demo_landing.iterdir())
    assert drops == [p.extract_date.isoformat() for p in DEMO_PERIODS]
    for drop in drops:
        for table in contract.required_tables():
            path = demo_landing / drop / table.relative_path
            assert path.exists(), path
            assert _rows(path)[0] == table.column_names, path


def test_each_drop_is_a_snapshot_as_at_its_extract_date(demo_landing):
    for period in DEMO_PERIODS:
        rows = _rows(demo_landing / period.extract_date.isoformat() / "raise" / "contacts.csv")
        dates = [date.fromisoformat(r[3]) for r in rows[1:]]
        assert max(dates) <= period.extract_date


def test_contacts_per_period_are_the_published_counts(demo_landing):
    last = DEMO_PERIODS[-1].extract_date.isoformat()
    rows = _rows(demo_landing / last / "raise" / "contacts.csv")[1:]
    for period in DEMO_PERIODS:
        n = sum(period.start <= date.fromisoformat(r[3]) <= period.end for r in rows)
        assert n == period.contacts, period.label


def test_same_seed_same_files(tmp_path, demo_landing):
    generate_demo(tmp_path)
    last = DEMO_PERIODS[-1].extract_date.isoformat()
    for name in ("raise/persons.csv", "raise/contacts.csv"):
        assert (tmp_path / last / name).read_bytes() == (demo_landing / last / name).read_bytes()
