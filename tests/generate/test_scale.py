"""Many LAs, any years, any drop frequency: still the contract, still deterministic."""

from __future__ import annotations

from datetime import date

import pandas as pd

from csc.cli import main as csc_main
from csc.generate import drop_days, generate, la_sizes
from csc.generate.calendar import to_date
from tests.generate.contract_check import check_drop


def test_drop_schedules():
    first, last = date(2012, 4, 1), date(2013, 3, 31)
    assert [to_date(d).isoformat() for d in drop_days(first, last, "final")] == ["2013-04-14"]
    quarterly = [to_date(d).isoformat() for d in drop_days(first, last, "quarterly")]
    assert quarterly == ["2012-07-14", "2012-10-14", "2013-01-14", "2013-04-14"]
    assert len(drop_days(first, last, "monthly")) == 12
    assert len(drop_days(first, last, "nightly")) == 365


def test_la_sizes_span_the_english_range():
    import numpy as np

    sizes = la_sizes(152, np.random.default_rng(1))
    assert sizes.min() >= 1000 and sizes.max() <= 30000
    assert sizes.max() / sizes.min() > 8


def test_two_las_quarterly_follow_the_contract_and_repeat_by_seed(tmp_path):
    kw = dict(las=["201", "202"], first=date(2011, 4, 1), last=date(2012, 3, 31),
              drops="quarterly", sizes=[1200.0, 2500.0])
    a = generate(tmp_path / "a", seed=7, truth=tmp_path / "truth", **kw)
    assert [p.name for p in a.drops] == ["2011-07-14", "2011-10-14", "2012-01-14", "2012-04-14"]
    for drop in a.drops:
        assert check_drop(drop) == [], drop
    contacts = pd.read_csv(a.drops[-1] / "raise" / "contacts.csv", dtype=str)
    per_la = contacts.groupby("la_code").size()
    assert set(per_la.index) == {"201", "202"} and per_la["202"] > per_la["201"]
    assert (tmp_path / "truth" / "caf_child_person.csv").exists()
    # same seed, built in two worker processes: the same bytes (each LA has its own stream)
    b = generate(tmp_path / "b", seed=7, workers=2, truth=tmp_path / "truth-b", **kw)
    assert b.rows == a.rows
    for drop_a, drop_b in zip(a.drops, b.drops, strict=True):
        for path in sorted(drop_a.rglob("*.csv")):
            assert path.read_bytes() == (drop_b / path.relative_to(drop_a)).read_bytes(), path
    assert ((tmp_path / "truth" / "caf_child_person.csv").read_bytes()
            == (tmp_path / "truth-b" / "caf_child_person.csv").read_bytes())
    c = generate(tmp_path / "c", seed=8, **kw)
    assert (c.drops[-1] / "raise/contacts.csv").read_bytes() != (
        a.drops[-1] / "raise/contacts.csv").read_bytes()


def test_cli_scale_options(tmp_path, capsys):
    out = tmp_path / "landing"
    assert csc_main(["generate", "--out", str(out), "--las", "201", "--from", "2012-04-01",
                     "--to", "2013-03-31", "--drops", "final", "--workers", "1"]) == 0
    assert [p.name for p in out.iterdir()] == ["2013-04-14"]
    assert "wrote 1 drops" in capsys.readouterr().out


def test_cli_refuses_truth_inside_the_landing_folder(tmp_path):
    import pytest

    with pytest.raises(SystemExit, match="outside"):
        csc_main(["generate", "--out", str(tmp_path), "--truth", str(tmp_path / "t")])
