"""Small generated landings for the SSD tests: one LA, one year, quarterly drops, built once
per session (a few seconds), as RAISE/CAF drops and as SSD drops of each variant."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from csc.generate import generate
from csc.generate.ssd import convert_landing

SEED = 4242
LAS = ["808", "805"]


@pytest.fixture(scope="session")
def raise_landing(tmp_path_factory) -> tuple[Path, Path]:
    """(landing, truth) of RAISE/CAF drops: two small LAs, four quarterly drops."""
    root = tmp_path_factory.mktemp("ssd-raise")
    generate(root / "landing", LAS, date(2012, 4, 1), date(2013, 3, 31), drops="quarterly",
             seed=SEED, truth=root / "truth", sizes=[1500.0, 1200.0])
    return root / "landing", root / "truth"


@pytest.fixture(scope="session")
def ssd_landings(raise_landing, tmp_path_factory) -> dict[str, Path]:
    """The same drops as SSD drops, one landing per variant (read-only: copy to change)."""
    landing, truth = raise_landing
    out = {}
    for variant in ("lcs", "mosaic"):
        target = tmp_path_factory.mktemp(f"ssd-{variant}") / "landing"
        convert_landing(landing, target, variant, truth)
        out[variant] = target
    return out
