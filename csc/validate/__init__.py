"""The Great Expectations gate between `dbt build` and publish (issue 6).

`validate_build(work_db, gx_root)` runs every suite in `expectations/suites/` as one GX
checkpoint against the freshly built work database and returns a `ValidationResult`
(`.success`, `.summary()`, `.failures`, `.warnings`, `.data_docs`). See docs/validation.md.
"""

from csc.validate.gate import validate_build
from csc.validate.result import SuiteResult, ValidationResult
from csc.validate.suites import Relaxations, load_suites

__all__ = ["Relaxations", "SuiteResult", "ValidationResult", "load_suites", "validate_build"]
