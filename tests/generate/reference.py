"""An independent reference computation of the process-model measures (measures.md), in
DuckDB SQL straight over the CSV files of one drop. The calibration tests compare it with the
transcription of the published report; it shares no code with the generator or the dbt
models, so a mistake in either shows up as a difference."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import holidays
import pandas as pd

from csc.contract import load_contract


@dataclass(frozen=True)
class Window:
    label: str
    start: date  # quarter window (whole year for 2012-13)
    ytd_start: date
    end: date
    as_at: date  # the drop the period is first reported from


def periods() -> list[Window]:
    q = [(date(2013, 4, 1), date(2013, 6, 30)), (date(2013, 7, 1), date(2013, 9, 30)),
         (date(2013, 10, 1), date(2013, 12, 31)), (date(2014, 1, 1), date(2014, 3, 31))]
    out = [Window("2012-13", date(2012, 4, 1), date(2012, 4, 1), date(2013, 3, 31),
                  date(2013, 4, 14))]
    for k, (s, e) in enumerate(q):
        as_at = date(e.year + (e.month == 12), e.month % 12 + 1, 14)
        out.append(Window(f"2013-14 Q{k + 1}", s, date(2013, 4, 1), e, as_at))
    return out


def connect(drop: Path, truth: Path | None = None) -> duckdb.DuckDBPyConnection:
    """Views over every file of the drop, typed by the contract; a working-day calendar."""
    con = duckdb.connect()
    for table in load_contract().required_tables():
        cols = ", ".join(
            f"cast(nullif({c.name}, '') as date) as {c.name}" if c.type == "date" else c.name
            for c in table.columns)
        path = drop / table.relative_path
        con.execute(f"create view {table.name} as select {cols} from read_csv('{path}', "
                    "header = true, all_varchar = true)")
    bank = holidays.country_holidays("GB", subdiv="ENG", years=range(2000, 2017))
    days = pd.DataFrame({"d": pd.date_range("2000-01-01", "2016-12-31", freq="D")})
    days["wd"] = (days.d.dt.day_of_week < 5) & ~days.d.dt.date.isin(set(bank))
    days["cnt"] = days.wd.cumsum()
    days["d"] = days.d.dt.date
    con.register("_days", days)
    con.execute("create table cal as select d, cnt from _days")
    if truth is not None:
        con.execute(f"create view truth as select * from read_csv('{truth}', header = true, "
                    "all_varchar = true)")
    return con


def _one(con: duckdb.DuckDBPyConnection, sql: str, **params) -> tuple:
    return con.execute(sql, {k: v for k, v in params.items() if f"${k}" in sql}).fetchone()


def measures(con: duckdb.DuckDBPyConnection, w: Window) -> dict[tuple[str, str], tuple]:
    """(measure_id, breakdown) -> (numerator, denominator) for one period on its drop."""
    p = {"qs": w.start, "ys": w.ytd_start, "e": w.end}
    out: dict[tuple[str, str], tuple] = {}
    n = _one(con, """select count(*), count(*) filter (where outcome = 'closed_logged')
                     from contacts where contact_date between $qs and $e""", **p)
    out[("contacts", "")] = (n[0], None)
    out[("contacts_closed_logged", "")] = (n[1], n[0])
    if "truth" in {r[0] for r in con.execute("show tables").fetchall()}:
        out[("closed_logged_with_active_caf", "")] = _one(con, """
            select count(*) filter (where exists (
                     select 1 from truth t join caf_assessments a using (caf_child_id)
                     where t.person_id = c.person_id and a.start_date <= c.contact_date
                       and (a.closure_date is null or a.closure_date >= c.contact_date))),
                   count(*)
            from contacts c
            where c.outcome = 'closed_logged' and c.contact_date between $qs and $e""", **p)
    out[("referrals_nfa", "")] = _one(con, """
        select count(*) filter (where referral_nfa = 'Y'), count(*)
        from referrals where referral_date between $qs and $e""", **p)
    out[("contacts_to_assessment", "")] = (_one(con, """
        select count(*) from referrals r where referral_date between $qs and $e
          and exists (select 1 from assessments a where a.referral_id = r.referral_id
                      and a.assessment_type in ('initial', 'single'))""", **p)[0], None)
    out[("caf2_commenced", "")] = (_one(con, """select count(*) from caf_assessments
        where start_date between $ys and $e""", **p)[0], None)
    for agency, k in con.execute("""select initiating_agency, count(*) from caf_assessments
            where start_date between $ys and $e group by 1""", {"ys": w.ytd_start, "e": w.end}
            ).fetchall():
        out[("caf2_commenced", agency)] = (k, None)
    out[("initial_assessments_10wd", "")] = _one(con, """
        select count(*) filter (where ce.cnt - cr.cnt <= 10), count(*)
        from assessments a join referrals r using (referral_id)
        join cal ce on ce.d = a.completed_date join cal cr on cr.d = r.referral_date
        where a.assessment_type = 'initial' and a.completed_date between $ys and $e""", **p)
    out[("core_assessments_35wd", "")] = _one(con, """
        select count(*) filter (where ce.cnt - cs.cnt <= 35), count(*)
        from assessments a join cal ce on ce.d = a.completed_date join cal cs on cs.d = a.start_date
        where a.assessment_type = 'core' and a.completed_date between $ys and $e""", **p)
    out[("icpc_15wd", "")] = _one(con, """
        select count(*) filter (where cc.cnt - cs.cnt <= 15), count(*)
        from cp_conferences k join s47_enquiries s using (s47_id)
        join cal cc on cc.d = k.conference_date join cal cs on cs.d = s.start_date
        where k.conference_type = 'initial' and k.conference_date between $ys and $e""", **p)
    out[("cp_reviews_on_time", "")] = _one(con, """
        with plans as (
            select * from cp_plans
            where start_date <= $e and (end_date is null or end_date > $e)
              and start_date <= cast($e - interval 3 month as date)),
        held as (
            select k.cp_plan_id, k.conference_date as held,
                   coalesce(cast(lag(k.conference_date) over w + interval 6 month as date),
                            cast(p.start_date + interval 3 month as date)) as due
            from cp_conferences k join plans p using (cp_plan_id)
            where k.conference_type = 'review'
            window w as (partition by k.cp_plan_id order by k.conference_date)),
        pending as (
            select p.cp_plan_id, coalesce(cast(max(h.held) + interval 6 month as date),
                                          cast(p.start_date + interval 3 month as date)) as due
            from plans p left join held h using (cp_plan_id) group by p.cp_plan_id, p.start_date),
        failing as (
            select cp_plan_id from held
            where due > cast($e - interval 12 month as date) and due <= $e and held > due
            union
            select cp_plan_id from pending
            where due > cast($e - interval 12 month as date) and due <= $e)
        select count(*) filter (where cp_plan_id not in (select cp_plan_id from failing)),
               count(*) from plans""", **p)
    out[("referrals_to_s47", "")] = _one(con, """
        select count(*) filter (where exists (select 1 from s47_enquiries s
                                               where s.referral_id = r.referral_id)),
               count(*)
        from referrals r where referral_date between $ys and $e
          and coalesce(referral_nfa, 'N') <> 'Y'""", **p)
    out[("cin_at_period_end", "")] = (_one(con, """
        select count(distinct person_id) from referrals
        where referral_date <= $e and coalesce(referral_nfa, 'N') <> 'Y'
          and (closure_date is null or closure_date > $e)
          and person_id not in (select person_id from cp_plans where start_date <= $e
                                and (end_date is null or end_date > $e))
          and person_id not in (select person_id from cla_episodes where start_date <= $e
                                and (end_date is null or end_date > $e))""", **p)[0], None)
    out[("cp_at_period_end", "")] = (_one(con, """select count(distinct person_id) from cp_plans
        where start_date <= $e and (end_date is null or end_date > $e)""", **p)[0], None)
    out[("cic_at_period_end", "")] = (_one(con, """select count(distinct person_id)
        from cla_episodes where start_date <= $e and (end_date is null or end_date > $e)""",
                                          **p)[0], None)
    out[("re_referrals_12m", "")] = _one(con, """
        select count(*) filter (where exists (
                   select 1 from referrals b where b.person_id = r.person_id
                   and b.referral_date >= cast(r.referral_date - interval 12 month as date)
                   and b.referral_date < r.referral_date)), count(*)
        from referrals r where r.referral_date between $qs and $e""", **p)
    out[("cp_plans_second_or_subsequent", "")] = _one(con, """
        select count(*) filter (where exists (select 1 from cp_plans b
                   where b.person_id = p.person_id and b.start_date < p.start_date)), count(*)
        from cp_plans p where p.start_date between $ys and $e""", **p)
    out[("cp_plans_2yrs_plus", "")] = _one(con, """
        select count(*) filter (where end_date >= cast(start_date + interval 2 year as date)),
               count(*)
        from cp_plans where end_date between $ys and $e""", **p)
    out[("cic_placement_stability_moves", "")] = _one(con, """
        with cic as (select distinct person_id from cla_episodes
                     where start_date <= $e and (end_date is null or end_date > $e)),
        placements as (
            select person_id, count(*) filter (where start_date < $ys
                       and (end_date is null or end_date >= $ys))
                 + count(*) filter (where start_date between $ys and $e
                       and reason_new_episode in ('S', 'P', 'B', 'T', 'U')) as n
            from cla_episodes group by person_id)
        select count(*) filter (where coalesce(n, 0) >= 3), count(*)
        from cic left join placements using (person_id)""", **p)
    out[("cic_placement_stability_length", "")] = _one(con, """
        with cur as (
            select e.person_id,
                   max(start_date) filter (where reason_new_episode = 'S') as period_start,
                   max(start_date) filter (where reason_new_episode <> 'L') as placement_start,
                   arg_max(placement_type, start_date) as place
            from cla_episodes e where start_date <= $e
              and person_id in (select person_id from cla_episodes where start_date <= $e
                                and (end_date is null or end_date > $e))
            group by e.person_id)
        select count(*) filter (where placement_start <= cast($e - interval 24 month as date)
                                or place in ('A3', 'A4', 'A5', 'A6')), count(*)
        from cur join persons using (person_id)
        where persons.date_of_birth > cast($e - interval 16 year as date)
          and period_start <= cast($e - interval 30 month as date)""", **p)
    # SSDA903 care leavers: a 17th-21st birthday of a young person looked after 13 weeks
    # (91 days) in all after their 14th birthday, some of it after their 16th, who is not
    # looked after on the birthday (only care before the birthday counts).
    leavers = """
        with bd as (
            select p.person_id, cast(p.date_of_birth + to_years(k) as date) as birthday,
                   cast(p.date_of_birth + to_years(14) as date) as b14,
                   cast(p.date_of_birth + to_years(16) as date) as b16
            from persons p, range(17, 22) t(k)
            where p.person_id in (select person_id from cla_episodes)),
        due as (
            select bd.person_id, bd.birthday
            from bd join cla_episodes e using (person_id)
            where bd.birthday between $ys and $e
            group by bd.person_id, bd.birthday
            having sum(greatest(0, datediff('day', greatest(e.start_date, bd.b14),
                                            least(coalesce(e.end_date, bd.birthday),
                                                  bd.birthday)))) >= 91
               and bool_or(least(coalesce(e.end_date, bd.birthday), bd.birthday)
                           > greatest(e.start_date, bd.b16))
               and not bool_or(e.start_date <= bd.birthday
                               and (e.end_date is null or e.end_date > bd.birthday))),
        near as (
            select d.person_id, d.birthday,
                   arg_min(c.accommodation_suitable,
                           (abs(datediff('day', d.birthday, c.contact_date)), c.contact_date))
                       as ok,
                   arg_min(c.activity,
                           (abs(datediff('day', d.birthday, c.contact_date)), c.contact_date))
                       as act
            from due d join care_leaver_contacts c using (person_id)
            where c.contact_date between cast(d.birthday - interval 3 month as date)
                                     and cast(d.birthday + interval 3 month as date)
            group by d.person_id, d.birthday)
        select count(*) filter (where n.ok = 'Y'),
               count(*) filter (where n.act[1] in ('F', 'P')),
               count(*)
        from due d left join near n using (person_id, birthday)"""
    ok, eet, den = _one(con, leavers, **p)
    out[("care_leavers_suitable_accommodation", "")] = (ok, den)
    out[("care_leavers_eet", "")] = (eet, den)
    routes = {"permanence_adoption": "('E11', 'E12')",
              "permanence_residence_order": "('E41')",
              "permanence_special_guardianship": "('E43', 'E44', 'E45', 'E46', 'E47', 'E48')",
              "permanence_returned_home": "('E13', 'E4A', 'E4B')"}
    all_codes = "(" + ", ".join(c.strip("()") for c in routes.values()) + ")"
    den = _one(con, f"""select count(*) from cla_episodes where end_date between $ys and $e
                        and reason_ceased in {all_codes}""", **p)[0]
    for m, codes in routes.items():
        num = _one(con, f"""select count(*) from cla_episodes where end_date between $ys and $e
                            and reason_ceased in {codes}""", **p)[0]
        out[(m, "")] = (num, den)
    return out


def table1(con: duckdb.DuckDBPyConnection, w: Window) -> pd.DataFrame:
    """Contacts in the quarter by referrer and what became of them, as at the drop."""
    return con.execute("""
        select c.contact_source as referrer,
               case when c.outcome = 'closed_logged' then 'closed_logged'
                    when r.referral_nfa = 'Y' then 'nfa'
                    when exists (select 1 from assessments a where a.referral_id = r.referral_id
                                 and a.assessment_type in ('initial', 'single'))
                         then 'proceeded_to_assessment'
                    else 'yet_to_proceed' end as outcome,
               count(*) as contacts
        from contacts c left join referrals r using (contact_id)
        where c.contact_date between $qs and $e group by all""",
                       {"qs": w.start, "e": w.end}).df()


def compare(landing: Path, seeds: Path, truth: Path | None = None) -> pd.DataFrame:
    """Every published Appendix 2 cell next to the reference figure computed on its drop."""
    a2 = pd.read_csv(seeds / "published_appendix2.csv", dtype=str, keep_default_na=False)
    rows = []
    for w in periods():
        con = connect(landing / w.as_at.isoformat(), truth)
        got = measures(con, w)
        con.close()
        for _, cell in a2[a2.reporting_period == w.label].iterrows():
            key = (cell.measure_id, cell.breakdown_value)
            num, den = got.get(key, (None, None))
            if cell.breakdown_value and key not in got:
                num = 0
            for part, printed in (("numerator", cell.numerator),
                                  ("denominator", cell.denominator), ("value", cell["value"])):
                if printed == "":
                    continue
                if part == "numerator":
                    mine = num
                elif part == "denominator":
                    mine = den
                elif den is None:
                    mine = num
                else:
                    decimals = len(printed.split(".")[1]) if "." in printed else 0
                    mine = round(100 * num / den, decimals) if den else 0.0
                match = mine is not None and float(mine) == float(printed)
                rows.append({"measure_id": cell.measure_id, "period": w.label,
                             "breakdown": cell.breakdown_value, "part": part,
                             "published": printed, "computed": mine, "exact": match})
    return pd.DataFrame(rows)
