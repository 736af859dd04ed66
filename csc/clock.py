"""What day it is, for every rule that depends on it: a drop dated after today is refused
(csc.load), the newest extract is stale when it is more than a set number of days older
than today (csc.freshness, `dbt source freshness`, the report's banner).

One seam: those rules call `csc.clock.today()` (the module attribute, looked up at each
call), so a test sets the date by patching it and nothing else.
"""

from __future__ import annotations

import re
from datetime import date

# SQL that reads the clock: its result depends on the day it runs. A validation check whose
# query matches always runs (csc.validate.scope); a dbt model that does is never kept from
# one build to the next (csc.build.fixed_nodes).
CLOCK = re.compile(r"\b(current_date|current_timestamp|now\s*\(|today\s*\(|get_current)",
                   re.IGNORECASE)


def today() -> date:
    """Today's date on this machine's clock."""
    return date.today()
