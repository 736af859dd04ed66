"""Read a drop's allocations back against the rest of the drop (DuckDB SQL over its CSV
files, sharing no code with the generator): the drop is the system as at its extract date,
each child holds one allocation at a time, every open case is held by a team of the
matching kind, and the team and worker of contacts, referrals and assessments agree with
the allocation in force on their date. Returns the problems found (empty: none).

Team kinds are read from the team id (letters before the number): FCT first contact, AST
assessment, SCP safeguarding and care planning, CIC children in care, LCT leaving care.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

TABLES = ["allocations", "workers", "contacts", "referrals", "assessments", "cp_plans",
          "cla_episodes", "care_leaver_contacts", "persons"]
KIND = "regexp_extract({}, '^[A-Z]+')"


def connect(drop: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for table in TABLES:
        con.execute(f"create view {table} as select * from read_csv("
                    f"'{drop / 'raise' / (table + '.csv')}', header = true, all_varchar = true)")
    return con


# (what, SQL counting the offending rows; getvariable('as_at'): the extract date)
CHECKS = [
    ("allocations starting after the extract date",
     "select count(*) from allocations where start_date::date > getvariable('as_at')"),
    ("allocation end dates after the extract date",
     "select count(*) from allocations where end_date::date > getvariable('as_at')"),
    ("allocations ending before they start",
     "select count(*) from allocations where end_date::date < start_date::date"),
    ("allocations overlapping the child's previous one",
     """select count(*) from (
            select start_date::date as s, lag(end_date::date) over w as previous_end,
                   lag(start_date) over w is not null as has_previous,
                   lag(end_date) over w is null as previous_open
            from allocations window w as (partition by la_code, person_id
                                       order by start_date::date, allocation_id))
        where has_previous and (previous_open or s < previous_end)"""),
    ("allocations of an unknown worker",
     """select count(*) from allocations where worker_id is not null
        and (la_code, worker_id) not in (select (la_code, worker_id) from workers)"""),
    ("allocations by a worker of another team",
     """select count(*) from allocations join workers using (la_code, worker_id)
        where allocations.team_id <> workers.team_id"""),
    ("allocations with the wrong role for the team",
     f"""select count(*) from allocations where
        (allocation_role = 'personal_adviser') <> ({KIND.format('team_id')} = 'LCT')"""),
    ("open referrals with no assessment or safeguarding allocation",
     f"""select count(*) from referrals r where referral_date::date <= getvariable('as_at')
        and closure_date is null and not exists (
            select 1 from allocations a where a.la_code = r.la_code and a.person_id = r.person_id
            and a.start_date::date <= getvariable('as_at')
            and (a.end_date is null or a.end_date::date > getvariable('as_at'))
            and {KIND.format('a.team_id')} in ('AST', 'SCP'))"""),
    ("open CP plans with no safeguarding and care planning allocation",
     f"""select count(*) from cp_plans p where start_date::date <= getvariable('as_at')
        and end_date is null and not exists (
            select 1 from allocations a where a.la_code = p.la_code and a.person_id = p.person_id
            and a.start_date::date <= getvariable('as_at')
            and (a.end_date is null or a.end_date::date > getvariable('as_at'))
            and {KIND.format('a.team_id')} = 'SCP')"""),
    ("children in care with no children in care allocation",
     f"""select count(*) from cla_episodes e where start_date::date <= getvariable('as_at')
        and end_date is null and not exists (
            select 1 from allocations a where a.la_code = e.la_code and a.person_id = e.person_id
            and a.start_date::date <= getvariable('as_at')
            and (a.end_date is null or a.end_date::date > getvariable('as_at'))
            and {KIND.format('a.team_id')} = 'CIC')"""),
    ("care leavers (18 to 21) with no personal adviser",
     """with left_care as (
            select la_code, person_id, max(end_date::date) as left_on from cla_episodes
            group by all having count(*) = count(end_date)),
        leavers as (
            select la_code, person_id, left_on, date_of_birth::date as dob from left_care
            join persons using (la_code, person_id)
            where (la_code, person_id) in (select (la_code, person_id)
                                           from care_leaver_contacts))
        select count(*) from leavers l where left_on <= getvariable('as_at')
        and getvariable('as_at') < dob + interval 21 years and not exists (
            select 1 from allocations a where a.la_code = l.la_code and a.person_id = l.person_id
            and a.start_date::date <= getvariable('as_at')
            and (a.end_date is null or a.end_date::date > getvariable('as_at'))
            and a.allocation_role = 'personal_adviser')"""),
    ("allocations in force for a child with no open case (the allocation ends with the case)",
     """select count(*) from allocations a
        where a.start_date::date <= getvariable('as_at')
        and (a.end_date is null or a.end_date::date > getvariable('as_at'))
        and not exists (select 1 from referrals r where r.la_code = a.la_code
                        and r.person_id = a.person_id
                        and r.referral_date::date <= getvariable('as_at')
                        and (r.closure_date is null
                             or r.closure_date::date >= getvariable('as_at')))
        and not exists (select 1 from cp_plans p where p.la_code = a.la_code
                        and p.person_id = a.person_id
                        and p.start_date::date <= getvariable('as_at')
                        and (p.end_date is null or p.end_date::date >= getvariable('as_at')))
        and not exists (select 1 from cla_episodes e where e.la_code = a.la_code
                        and e.person_id = a.person_id
                        and e.start_date::date <= getvariable('as_at')
                        and (e.end_date is null or e.end_date::date >= getvariable('as_at')))
        and not exists (select 1 from care_leaver_contacts k
                        join persons using (la_code, person_id)
                        where k.la_code = a.la_code and k.person_id = a.person_id
                        and getvariable('as_at') < date_of_birth::date + interval 21 years)"""),
    ("contacts not with a first contact officer",
     """select count(*) from contacts c left join workers w using (la_code, worker_id)
        where c.team_id is distinct from 'FCT' or w.team_id is distinct from 'FCT'
        or w.role is distinct from 'first_contact_officer'"""),
    ("referrals whose team or worker is not the allocation on the referral date",
     """select count(*) from referrals r where not exists (
            select 1 from allocations a where a.la_code = r.la_code and a.person_id = r.person_id
            and a.start_date::date <= r.referral_date::date
            and (a.end_date is null or a.end_date::date > r.referral_date::date)
            and a.team_id = r.team_id and a.worker_id is not distinct from r.worker_id)"""),
    # the allocation on the day, or where the referral closed before the assessment started
    # (a few core assessments of the history), the child's latest allocation
    ("assessments whose team or worker is not the allocation on the day they start",
     """with allocation_then as (
            select s.assessment_id, s.team_id, s.worker_id, a.team_id as held_by,
                   a.worker_id as allocated_worker
            from assessments s join allocations a
            on a.la_code = s.la_code and a.person_id = s.person_id
            and a.start_date::date <= s.start_date::date
            qualify row_number() over (partition by s.la_code, s.assessment_id
                                       order by a.start_date::date desc) = 1)
        select (select count(*) from assessments) - count(*) from allocation_then
        where team_id = held_by and worker_id is not distinct from allocated_worker"""),
]


def allocation_problems(drop: Path) -> list[str]:
    """Every check above on one drop (named by its extract date)."""
    as_at = date.fromisoformat(drop.name)
    with connect(drop) as con:
        problems = []
        con.execute("set variable as_at = ?::date", [as_at])
        for what, sql in CHECKS:
            count = con.execute(sql).fetchone()[0]
            if count:
                problems.append(f"{drop.name}: {count} {what}")
        return problems
