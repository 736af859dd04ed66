"""What day it is, for every rule that depends on it: a drop dated after today is refused
(csc.load), the newest extract is stale when it is more than a set number of days older
than today (csc.freshness, `dbt source freshness`, the report's banner).

One seam: those rules call `csc.clock.today()` (the module attribute, looked up at each
call), so a test sets the date by patching it and nothing else.
"""

from __future__ import annotations

from datetime import date


def today() -> date:
    """Today's date on this machine's clock."""
    return date.today()
