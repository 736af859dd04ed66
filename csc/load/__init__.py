"""Load extract drops into the raw layer of the work database, keeping history.

A drop is a folder `<landing>/<YYYY-MM-DD>/{raise,caf,reference}/<table>.csv` holding a full
snapshot of each table, or, in a landing of Standard Safeguarding Dataset drops,
`<landing>/<YYYY-MM-DD>/ssd/<ssd_table>.csv` (csc.ssd_contract; one source per landing).
The raw layer keeps each record's versions rather than a copy of every drop:

    raw.<table>: the contract's columns as text, exactly as delivered, plus
      _record_key  the primary key as one string
      _row_hash    hash of the delivered values (detects change)
      _valid_from  extract date of the first drop holding this version
      _valid_to    extract date of the first drop where it changed or was absent (NULL: current)
      _load_id, _source_file, _row_number   where the version came from

The data as it stood on extract date D is every version with
_valid_from <= D and (_valid_to is null or _valid_to > D).

A drop loads whole or not at all: every file is read and checked first (checks.py), then
the merge (history.py) runs in one transaction; a drop failing a check is quarantined
(quarantine.py). The manifest is in manifest.py; the tables are created by
csc.workdb.prepare_work_db, which the refresh calls before it loads. See docs/loading.md.
"""

from csc.load.files import file_checksum
from csc.load.loader import LoadResult, find_drops, load_drop, load_new_drops
from csc.load.manifest import META_COLUMNS, loaded_drops
from csc.load.problems import RULES, DropRejected, LoadedDropChanged, Problem

__all__ = ["META_COLUMNS", "RULES", "DropRejected", "LoadResult", "LoadedDropChanged", "Problem",
           "file_checksum", "find_drops", "load_drop", "load_new_drops",
           "loaded_drops"]
