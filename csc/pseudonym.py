"""The pseudonym key, and the rule that real extracts need a real one.

The marts know a child only by a keyed SHA-256 hash of the LA code and the RAISE person id
(macros/pseudonymise.sql). The key comes from the environment variable CSC_PSEUDONYM_KEY;
without it dbt uses a public demo key (dbt_project.yml), which is fine for synthetic data
only: anyone holding a person id could recompute the hash. The generator marks every drop
it writes with a `SYNTHETIC` file (csc.generate.drops); a refresh whose landing folder
holds a drop without that marker refuses to run on the demo key.
"""

from __future__ import annotations

import os
from pathlib import Path

from csc.generate.drops import SYNTHETIC_MARKER

DEMO_KEY = "csc-demo-pseudonym-key-not-secret"  # dbt_project.yml's default (a test checks)


class DemoKeyRefused(Exception):
    """Real (unmarked) drops with the public demo pseudonym key: the run must not start."""


def pseudonym_key_is_demo() -> bool:
    key = os.environ.get("CSC_PSEUDONYM_KEY", "")
    return key in ("", DEMO_KEY)


def unmarked_drops(landing: Path) -> list[str]:
    """Drop folders (named YYYY-MM-DD) of `landing` without the generator's marker."""
    from csc.load.loader import find_drops

    return [name for name in find_drops(landing)
            if not (landing / name / SYNTHETIC_MARKER).is_file()]


def require_real_key(landing: Path) -> None:
    """Refuse (DemoKeyRefused) when `landing` holds real drops and no real key is set."""
    if not pseudonym_key_is_demo():
        return
    real = unmarked_drops(landing)
    if real:
        shown = ", ".join(real[:5]) + (f" and {len(real) - 5} more" if len(real) > 5 else "")
        raise DemoKeyRefused(
            f"refusing to refresh: drop(s) {shown} in {landing} are not marked synthetic "
            f"(no {SYNTHETIC_MARKER} file), so they may hold real children's records, and "
            "no pseudonym key is set: the public demo key would let anyone holding a person "
            "id recompute the children's pseudonymous ids. Set a long random secret in the "
            "environment variable CSC_PSEUDONYM_KEY (e.g. `export CSC_PSEUDONYM_KEY=$(python "
            "-c 'import secrets; print(secrets.token_hex(32))')`), keep it secret and the same "
            "on every refresh (the ids stay stable only with the same key), and run again.")
