"""What every step of building one LA's history shares: its targets, the working-day
calendar, its random stream, the last extract date, and the targets it could not meet.

Records carry their days as day numbers (csc.generate.calendar); `NONE` (-1) is a day that
has not happened (no decision, no end). Each step draws from the one random stream in a
fixed order, so the same seed gives the same records, byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from csc.generate.calendar import WorkingDays
from csc.generate.targets import LaPlan

NONE = -1  # a day that has not happened, or a record that has no such link
YEAR = 365  # days, for ages and rough spans
NEVER = 10**9  # a day after any horizon: an open plan's end, an open referral's closure


@dataclass
class BuildContext:
    """One LA's build: targets, calendar, random stream and the shortfalls noted."""

    plan: LaPlan
    working_days: WorkingDays
    rng: np.random.Generator
    horizon_end: int  # the last extract date: nothing is recorded after it
    shortfalls: list[str] = field(default_factory=list)

    @property
    def quarters(self) -> pd.DataFrame:
        """The financial quarters with their targets (csc.generate.targets.LaPlan)."""
        return self.plan.quarters

    def note(self, what: str, quarter_number: int, wanted: int, got: int) -> None:
        """Record a target the build could not meet (kept in the generation result)."""
        if got != wanted:
            self.shortfalls.append(
                f"{self.plan.la_code} q{quarter_number} {what}: wanted {wanted}, got {got}")


def pick(candidates: np.ndarray, how_many: int, rng: np.random.Generator,
         weights: np.ndarray | None = None) -> np.ndarray:
    """`how_many` distinct entries of `candidates` (all of them if there are fewer), drawn
    with probability proportional to `weights` when given."""
    if how_many <= 0 or len(candidates) == 0:
        return candidates[:0]
    if how_many >= len(candidates):
        return candidates.copy()
    if weights is None:
        return rng.choice(candidates, size=how_many, replace=False)
    shares = np.asarray(weights, dtype=float) + 1e-9
    return rng.choice(candidates, size=how_many, replace=False, p=shares / shares.sum())


def uniform_between(lowest: np.ndarray, highest: np.ndarray,
                    rng: np.random.Generator) -> np.ndarray:
    """One random integer in [lowest, highest] per pair (working-day positions, days)."""
    return lowest + np.floor(rng.random(len(lowest)) * (highest - lowest + 1)).astype(np.int64)
