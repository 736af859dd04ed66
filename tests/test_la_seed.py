"""seeds/english_local_authorities.csv: every LA has its ONS upper-tier code (the SSDA903
validator's localAuthority; the generator draws postcodes of the LA's area by it)."""

from __future__ import annotations

import re

import pandas as pd

from csc.config import PROJECT_DIR


def test_every_la_has_an_ons_upper_tier_code() -> None:
    seed = pd.read_csv(PROJECT_DIR / "seeds" / "english_local_authorities.csv", dtype=str)
    assert len(seed) == 152
    assert seed.ons_code.notna().all()
    bad = seed[~seed.ons_code.str.fullmatch(r"E0[6-9]\d{6}|E10\d{6}")]
    assert bad.empty, bad
    assert seed.ons_code.is_unique
    codes = dict(zip(seed.la_code, seed.ons_code, strict=True))
    assert codes["808"] == "E06000004"  # Stockton-on-Tees
    # London boroughs are E09, metropolitan districts E08, shire counties E10
    assert codes["202"] == "E09000007" and codes["330"] == "E08000025"
    assert re.fullmatch(r"E10\d{6}", codes["909"])  # Cumbria, a county in 2014
