"""Clean drops load: for any window, LA count and cadence, every drop the generator writes
passes every check of the loader with zero problems, and holds nothing born or recorded
after its extract date (bench/bench_generator_sweep.py runs a wider sweep)."""

from __future__ import annotations

import csv
from datetime import date

import pytest

from csc.generate import generate
from csc.load import load_new_drops
from csc.workdb import prepare_work_db

CONFIGURATIONS = {
    # the case, made small: CAF children known to RAISE were born after their CAF
    "2011-12 quarterly, the issue's seed": (31, ["808", "805"], date(2011, 4, 1),
                                             date(2012, 9, 30), "quarterly"),
    "2005-06 quarterly": (1, ["808", "841"], date(2005, 4, 1), date(2006, 3, 31), "quarterly"),
    "2022-24 quarterly": (5, ["201"], date(2022, 4, 1), date(2024, 3, 31), "quarterly"),
    "2009-10 monthly": (2, ["202"], date(2009, 4, 1), date(2010, 3, 31), "monthly"),
    "2023 nightly": (3, ["203"], date(2023, 1, 2), date(2023, 1, 15), "nightly"),
    "2000-14 final": (4, ["204"], date(2000, 4, 1), date(2014, 3, 31), "final"),
}


@pytest.mark.parametrize("name", list(CONFIGURATIONS))
def test_every_drop_loads_with_zero_problems(tmp_path, name):
    seed, las, first, last, cadence = CONFIGURATIONS[name]
    landing = tmp_path / "landing"
    result = generate(landing, las, first, last, cadence, seed=seed,
                      sizes=[1000.0] * len(las), workers=1)
    assert result.drops and result.rows
    # raises DropRejected, listing every problem, if any check fails
    loaded = load_new_drops(landing, prepare_work_db(tmp_path / "work.duckdb"))
    assert loaded.drops_loaded == [drop.name for drop in result.drops]
    assert loaded.rows_read >= result.rows  # and the reference tables


def test_no_drop_holds_a_child_born_after_it(tmp_path):
    """The loader tolerates a year after the extract date; the generator holds to the
    extract date itself: a record cannot show a birth that has not happened."""
    landing = tmp_path / "landing"
    result = generate(landing, ["808", "805"], date(2011, 4, 1), date(2012, 9, 30),
                      "quarterly", seed=31, sizes=[1000.0, 1000.0], workers=1)
    born = 0
    for drop in result.drops:
        for file in ("raise/persons.csv", "caf/caf_children.csv"):
            with (drop / file).open(newline="") as fh:
                births = [row["date_of_birth"] for row in csv.DictReader(fh)]
            born += len(births)
            assert max(b for b in births if b) <= drop.name, f"{drop.name}/{file}"
    assert born > 1000
