"""The SQL linter is live: sqlfluff with the project's configuration (pyproject.toml, the
jinja templater with the project's macros and tests/lint/sqlfluff_dbt_context) flags a
badly written model with the rules chosen, and passes a well-formed one."""

import json
import subprocess
import sys
from pathlib import Path

from csc.config import PROJECT_DIR

SQLFLUFF = Path(sys.executable).parent / "sqlfluff"

GOOD = """\
-- Contacts on the latest extract, with their LA's first team.
with contacts as (
    {{ latest_versions('stg_raise__contacts') }}
),

teams as (
    select la_code, min(team_id) as first_team_id
    from {{ ref('stg_raise__workers') }}
    group by la_code
)

select
    contacts.la_code,
    {{ la_scoped_key('contacts.la_code', 'teams.first_team_id') }} as first_team_key,
    {{ pseudonymous_id('contacts.la_code', 'contacts.person_id') }} as child_key,
    {{ add_months('contacts.contact_date', 6) }} as review_date
from contacts
left join teams
    on teams.la_code = contacts.la_code
    and teams.first_team_id is not null
where contacts.contact_date >= cast('{{ var("first_reporting_year") }}-04-01' as date)
"""

# An uppercase keyword (CP01), a column alias without `as` (AL02), a table alias without
# `as` (AL01), an aggregate with no alias (AL03) and the earlier table first in a join
# condition (ST09).
BAD = """\
with contacts as (
    SELECT * from {{ ref('stg_raise__contacts') }}
)

select
    contacts.la_code,
    teams.team_id team,
    count(*)
from contacts
left join {{ ref('stg_raise__workers') }} teams
    on contacts.la_code = teams.la_code
    and contacts.worker_id = teams.worker_id
group by 1, 2
"""

EXPECTED_IN_BAD = {"CP01", "AL01", "AL02", "AL03", "ST09"}


def lint(folder: Path) -> dict[str, list[str]]:
    """sqlfluff lint on `folder` with the project's configuration, as `make lint` runs it:
    {file name: [rule codes]}."""
    result = subprocess.run(
        [str(SQLFLUFF), "lint", ".", "--config", str(PROJECT_DIR / "pyproject.toml"),
         "--format", "json", "--nocolor"],
        cwd=folder, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode in (0, 1), result.stderr
    return {Path(f["filepath"]).name: [v["code"] for v in f["violations"]]
            for f in json.loads(result.stdout)}


def test_linter_flags_a_bad_model_and_passes_a_good_one(tmp_path):
    (tmp_path / "good.sql").write_text(GOOD)
    (tmp_path / "bad.sql").write_text(BAD)
    found = lint(tmp_path)
    # The good model renders (project macros, dbt.*, var, ref) and breaks no rule.
    assert found["good.sql"] == []
    assert EXPECTED_IN_BAD <= set(found["bad.sql"]), found["bad.sql"]
