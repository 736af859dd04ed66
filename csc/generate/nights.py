"""The next night's drop, made from the last one, for the incremental-build test and the
benchmarks (tests/test_incremental_night.py, bench/bench_national.py).

A drop is a full snapshot (docs/extract-contract.md): the next night's drop is the last one
with what a day of casework changes.

- `realistic_night`: for every LA, one day's new records at the LA's own daily volume (a
  year's records before the last drop, over 365: contacts, some of them for children new to
  the council, referrals from some of them, assessments and section 47 enquiries on open
  referrals, initial conferences on open enquiries and the plans they start, care episodes
  and reviews, allocations of the new referrals, CAF assessments), plus the day's updates
  to open records at the LA's daily volume of closures (contacts decided, referrals
  closed or marked NFA, assessments completed, enquiries, plans, episodes and allocations
  ended). New ids are new and every parent exists.
- `stress_night`: `fraction` of the records of every table with a coded field (0.5% by
  default) have that field set to another valid code, at random.

Both copy every file they do not change, columns and tables the contract does not name
(yet) included: a column they do not know is carried as it is, empty on new records.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from csc.contract import Contract, Table, load_contract


@dataclass(frozen=True)
class NightChanges:
    """What a night's drop holds against the last one."""

    rows: int      # rows in the new drop
    added: int     # new records
    updated: int   # records changed

    @property
    def changed(self) -> int:
        return self.added + self.updated


def _read(con: duckdb.DuckDBPyConnection, path: Path) -> str:
    return f"read_csv('{path}', header = true, all_varchar = true)"


def _copy_unknown(last: Path, new: Path, written: set[Path]) -> None:
    """Copy every file of `last` that is not written yet (marker files, reference and SSD
    files, tables the contract does not name)."""
    for src in sorted(last.rglob("*")):
        if src.is_file():
            dst = new / src.relative_to(last)
            if dst not in written and not dst.exists():
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src, dst)


def _write(con, table: Table, src: Path, dst: Path, updates: pd.DataFrame | None,
           added: pd.DataFrame | None) -> int:
    """Write `dst` as `src` with `updates` (key columns + the columns they set; a NULL sets
    nothing) applied and `added` rows appended (columns by name; others empty). Returns the
    rows written."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    select = f"select * from {_read(con, src)}"
    if updates is not None and len(updates):
        con.register("night_updates", updates.astype("string"))
        on = " and ".join(f's."{k}" = u."{k}"' for k in table.key)
        set_cols = [c for c in updates.columns if c not in table.key]
        replaced = ", ".join(f'coalesce(u."{c}", s."{c}") as "{c}"' for c in set_cols)
        select = (f"select s.* replace ({replaced}) from {_read(con, src)} as s "
                  f"left join night_updates as u on {on}")
    if added is not None and len(added):
        con.register("night_added", added.astype("string"))
        select = f"{select} union all by name select * from night_added"
    con.execute(f"copy ({select}) to '{dst}' (header true, delimiter ',')")
    count = con.execute(f"select count(*) from {_read(con, dst)}").fetchall()[0][0]
    for view in ("night_updates", "night_added"):
        with _suppress():
            con.unregister(view)
    return count


# Writes one table of the new drop (its path in the last drop, its path in the new one) and
# returns (rows written, records added, records changed); or None: the table is unchanged.
TableWriter = Callable[[Table, Path, Path], "tuple[int, int, int] | None"]


def _walk(con, last: Path, new: Path, contract: Contract, write: TableWriter) -> NightChanges:
    """Write drop `new` from drop `last`, table by table of the contract (`write` decides
    each table; a table it leaves unchanged is copied as it is), then copy every other file
    of `last`. The walk both nights share."""
    rows = added = updated = 0
    written: set[Path] = set()
    for table in contract.tables.values():
        src = last / table.relative_path
        if not src.exists():
            continue
        dst = new / table.relative_path
        dst.parent.mkdir(parents=True, exist_ok=True)
        written.add(dst)
        result = write(table, src, dst)
        if result is None:
            shutil.copyfile(src, dst)
            rows += con.execute(f"select count(*) from {_read(con, src)}").fetchall()[0][0]
            continue
        rows, added, updated = rows + result[0], added + result[1], updated + result[2]
    _copy_unknown(last, new, written)
    return NightChanges(rows=rows, added=added, updated=updated)


class _suppress:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return True


def stress_night(last: Path, new: Path, day: date | None = None,
                 rng: np.random.Generator | None = None, fraction: float = 0.005,
                 contract: Contract | None = None) -> NightChanges:
    """Write drop `new` as a copy of drop `last` in which `fraction` of the records of each
    table with a coded field, at random, have that field (the first coded one) set to
    another valid code (what a day of casework changes: outcomes, statuses, reasons)."""
    contract = contract or load_contract()
    rng = rng or np.random.default_rng()
    every = max(1, round(1 / fraction))
    salt = int(rng.integers(0, 2**31))
    with duckdb.connect() as con:
        def write(table: Table, src: Path, dst: Path) -> tuple[int, int, int] | None:
            read = _read(con, src)
            coded = [c for c in table.columns if c.name not in table.key
                     and (c.codes or c.code_list)]
            if not coded:
                return None
            col = coded[0]
            codes = list(col.codes or contract.code_lists[col.code_list])
            other = ", ".join(f"'{c}'" for c in codes[1:] + codes[:1])
            listed = ", ".join(f"'{c}'" for c in codes)
            key = ", ".join(f'"{k}"' for k in table.key)
            pick = f"hash({key}, {salt}) % {every} = 0 and \"{col.name}\" is not null"
            con.execute(f"""
                copy (select * replace (
                          case when {pick}
                               then list_extract([{other}],
                                                 list_position([{listed}], "{col.name}"))
                               else "{col.name}" end as "{col.name}")
                      from {read})
                to '{dst}' (header true, delimiter ',')""")
            counted = con.execute(
                f"select count(*), count(*) filter (where {pick}) from {read}").fetchall()[0]
            return counted[0], 0, counted[1]

        return _walk(con, last, new, contract, write)


# --- the realistic night ------------------------------------------------------------------

def _frame(con, path: Path, sql: str) -> pd.DataFrame:
    return con.execute(sql.replace("{src}", _read(con, path))).df()


def _daily(rng: np.random.Generator, per_year: float) -> int:
    """A day's count of something that happens `per_year` times a year."""
    return int(rng.poisson(per_year / 365.0)) if per_year > 0 else 0


def _new_ids(prefix: str, day: date, n: int) -> list[str]:
    return [f"{prefix}N{day:%Y%m%d}{i:05d}" for i in range(n)]


def _per_year(con, path: Path, date_col: str, last_day: date) -> dict[str, int]:
    """Records per LA dated in the year before `last_day`."""
    if not path.exists():
        return {}
    start = last_day - timedelta(days=365)
    rows = con.execute(f"""
        select la_code, count(*) from {_read(con, path)}
        where try_cast("{date_col}" as date) > date '{start}'
          and try_cast("{date_col}" as date) <= date '{last_day}'
        group by la_code""").fetchall()
    return dict(rows)


def _pick_per_la(rng: np.random.Generator, rows: pd.DataFrame, per_year: dict[str, float],
                 per: int = 1) -> pd.DataFrame:
    """For each LA of `rows`, a day's count of `rows` at random (one in `per` of its
    `per_year`, at most all of them), without repeats; the LAs' picks in one frame."""
    picked = []
    for la, group in rows.groupby("la_code"):
        n = min(len(group), _daily(rng, per_year.get(la, 0) / per))
        if n:
            picked.append(group.iloc[rng.choice(len(group), size=n, replace=False)])
    return pd.concat(picked) if picked else pd.DataFrame(columns=rows.columns)


def _closing(con, rng, path: Path, key: list[str], start_col: str, end_col: str,
             last_day: date, day: date, extra: str = "") -> pd.DataFrame:
    """Open records (no `end_col`, started by `day`) each LA closes on `day`: the LA's
    daily volume of closures, picked at random. Key columns only."""
    if not path.exists():
        return pd.DataFrame(columns=key)
    closed_per_year = _per_year(con, path, end_col, last_day)
    keys = ", ".join(f'"{k}"' for k in key)
    open_rows = con.execute(f"""
        select {keys} from {_read(con, path)} as r
        where "{end_col}" is null and try_cast("{start_col}" as date) <= date '{day}'
        {extra}""").df()
    return _pick_per_la(rng, open_rows, closed_per_year)


def realistic_night(last: Path, new: Path, day: date | None = None,
                    rng: np.random.Generator | None = None,
                    contract: Contract | None = None) -> NightChanges:
    """Write drop `new` (a folder named by its extract date) as drop `last` plus one day of
    casework in every LA, dated the day before `day` (the new drop's extract date; default
    the day after `last`'s)."""
    contract = contract or load_contract()
    rng = rng or np.random.default_rng()
    last_day = date.fromisoformat(last.name)
    day = day or last_day + timedelta(days=1)
    event = max(last_day, day - timedelta(days=1))
    ev = event.isoformat()
    path = {name: last / t.relative_path for name, t in contract.tables.items()}
    adds: dict[str, list[pd.DataFrame]] = {name: [] for name in contract.tables}
    updates: dict[str, list[pd.DataFrame]] = {name: [] for name in contract.tables}

    with duckdb.connect() as con:
        def exists(name: str) -> bool:
            return path[name].exists()

        # who works where: new records are held by a worker of a team the LA has
        workers = _frame(con, path["workers"], "select la_code, worker_id, team_id from {src}")
        persons = _frame(con, path["persons"], "select * from {src}")

        def worker_of(la: str, n: int) -> pd.DataFrame:
            staff = workers[workers.la_code == la]
            return staff.iloc[rng.integers(0, len(staff), size=n)].reset_index(drop=True)

        # contacts: the day's contacts, about a third for children new to the council
        contacts_per_year = _per_year(con, path["contacts"], "contact_date", last_day)
        codes = contract.code_lists
        new_contacts = []
        for la, per_year in sorted(contacts_per_year.items()):
            n = _daily(rng, per_year)
            if not n:
                continue
            la_persons = persons[persons.la_code == la]
            is_new = rng.random(n) < 0.3
            templates = la_persons.iloc[rng.integers(0, len(la_persons), size=n)]
            new_people = templates[is_new].copy()
            if len(new_people):
                new_people["person_id"] = _new_ids(f"P{la}", event, len(new_people))
                births = [event - timedelta(days=int(d))
                          for d in rng.integers(30, 17 * 365, size=len(new_people))]
                new_people["date_of_birth"] = [b.isoformat() for b in births]
                new_people["upn"] = None
                new_people["date_of_death"] = None
                adds["persons"].append(new_people)
            who = templates["person_id"].to_numpy().copy()
            who[is_new] = new_people["person_id"].to_numpy()
            staff = worker_of(la, n)
            decided = rng.random(n) < 0.8
            outcome = np.where(rng.random(n) < 0.45, "referral", "closed_logged")
            new_contacts.append(pd.DataFrame({
                "la_code": la,
                "contact_id": _new_ids(f"C{la}", event, n),
                "person_id": who,
                "contact_date": ev,
                "contact_source": rng.choice(codes["contact_source"], size=n),
                "contact_source_code": rng.choice(codes["referral_source"], size=n),
                "decision_date": np.where(decided, ev, None),
                "outcome": np.where(decided, outcome, None),
                "team_id": staff.team_id.to_numpy(),
                "worker_id": staff.worker_id.to_numpy(),
            }))
        contacts = pd.concat(new_contacts) if new_contacts else pd.DataFrame()
        if len(contacts):
            adds["contacts"].append(contacts)

        # referrals from the day's contacts that became one
        referred = contacts[contacts.outcome == "referral"] if len(contacts) else contacts
        if len(referred):
            referrals = pd.DataFrame({
                "la_code": referred.la_code.to_numpy(),
                "referral_id": [f"R{c[1:]}" for c in referred.contact_id],
                "contact_id": referred.contact_id.to_numpy(),
                "person_id": referred.person_id.to_numpy(),
                "referral_date": ev,
                "referral_source_code": referred.contact_source_code.to_numpy(),
                "referral_nfa": np.where(rng.random(len(referred)) < 0.1, "Y", "N"),
                "primary_need_code": rng.choice(codes["primary_need"], size=len(referred)),
                "team_id": referred.team_id.to_numpy(),
                "worker_id": referred.worker_id.to_numpy(),
            })
            adds["referrals"].append(referrals)
            if exists("allocations"):
                adds["allocations"].append(pd.DataFrame({
                    "la_code": referrals.la_code.to_numpy(),
                    "allocation_id": [f"L{r[1:]}" for r in referrals.referral_id],
                    "person_id": referrals.person_id.to_numpy(),
                    "team_id": referrals.team_id.to_numpy(),
                    "worker_id": referrals.worker_id.to_numpy(),
                    "allocation_role": "allocated_social_worker",
                    "start_date": ev,
                }))

        # open referrals (before today's): assessments and enquiries start on some
        open_referrals = _frame(con, path["referrals"], f"""
            select la_code, referral_id, person_id, team_id, worker_id from {{src}}
            where closure_date is null and try_cast(referral_date as date) <= date '{ev}'
              and coalesce(referral_nfa, 'N') <> 'Y'""")

        def started_on(table: str, date_col: str) -> pd.DataFrame:
            return _pick_per_la(rng, open_referrals,
                                _per_year(con, path[table], date_col, last_day))

        assessed = started_on("assessments", "start_date")
        if len(assessed):
            adds["assessments"].append(pd.DataFrame({
                "la_code": assessed.la_code.to_numpy(),
                "assessment_id": _new_ids("A", event, len(assessed)),
                "referral_id": assessed.referral_id.to_numpy(),
                "person_id": assessed.person_id.to_numpy(),
                "assessment_type": "single" if event >= date(2014, 4, 1) else "initial",
                "start_date": ev,
                "team_id": assessed.team_id.to_numpy(),
                "worker_id": assessed.worker_id.to_numpy(),
            }))
        enquired = started_on("s47_enquiries", "start_date")
        if len(enquired):
            adds["s47_enquiries"].append(pd.DataFrame({
                "la_code": enquired.la_code.to_numpy(),
                "s47_id": _new_ids("S", event, len(enquired)),
                "referral_id": enquired.referral_id.to_numpy(),
                "person_id": enquired.person_id.to_numpy(),
                "start_date": ev,
                "icpc_required": np.where(rng.random(len(enquired)) < 0.4, "Y", "N"),
            }))

        # initial conferences on open enquiries that asked for one; some start a plan
        open_enquiries = _frame(con, path["s47_enquiries"], f"""
            select e.la_code, e.s47_id, e.person_id from {{src}} as e
            where e.icpc_required = 'Y' and try_cast(e.start_date as date) <= date '{ev}'
              and not exists (select 1 from {_read(con, path['cp_conferences'])} as k
                              where k.la_code = e.la_code and k.s47_id = e.s47_id)""")
        conferences_per_year = _per_year(con, path["cp_conferences"], "conference_date",
                                         last_day)
        held = _pick_per_la(rng, open_enquiries, conferences_per_year, per=3)
        if len(held):
            plan = rng.random(len(held)) < 0.8
            plan_ids = np.array(_new_ids("CP", event, len(held)), dtype=object)
            adds["cp_conferences"].append(pd.DataFrame({
                "la_code": held.la_code.to_numpy(),
                "conference_id": _new_ids("K", event, len(held)),
                "person_id": held.person_id.to_numpy(),
                "s47_id": held.s47_id.to_numpy(),
                "cp_plan_id": np.where(plan, plan_ids, None),
                "conference_type": "initial",
                "conference_date": ev,
                "outcome_plan": np.where(plan, "Y", "N"),
                "child_participation": rng.choice(codes["child_participation"],
                                                  size=len(held)),
            }))
            planned = held[plan]
            category = rng.choice(codes["abuse_category"], size=len(planned))
            adds["cp_plans"].append(pd.DataFrame({
                "la_code": planned.la_code.to_numpy(),
                "cp_plan_id": plan_ids[plan],
                "person_id": planned.person_id.to_numpy(),
                "start_date": ev,
                "initial_category": category,
                "latest_category": category,
            }))

        # children coming into care (children of the LA not in care today), and reviews
        in_care = _frame(con, path["cla_episodes"], f"""
            select la_code, person_id from {{src}}
            where end_date is null and try_cast(start_date as date) <= date '{ev}'""")
        episodes_per_year = _per_year(con, path["cla_episodes"], "start_date", last_day)
        for la, per_year in sorted(episodes_per_year.items()):
            n = _daily(rng, per_year / 3)  # a third of episodes start a period of care
            candidates = persons[(persons.la_code == la)
                                 & ~persons.person_id.isin(
                                     in_care[in_care.la_code == la].person_id)
                                 & persons.date_of_death.isna()]
            n = min(n, len(candidates))
            if not n:
                continue
            children = candidates.iloc[rng.choice(len(candidates), size=n, replace=False)]
            adds["cla_episodes"].append(pd.DataFrame({
                "la_code": la,
                "episode_id": _new_ids(f"E{la}", event, n),
                "person_id": children.person_id.to_numpy(),
                "start_date": ev,
                "reason_new_episode": "S",
                "legal_status": rng.choice(["C2", "V2", "L2"], size=n),
                "placement_type": rng.choice(codes["placement_type"], size=n),
                "placement_provider": rng.choice(codes["placement_provider"], size=n),
            }))
        reviews_per_year = _per_year(con, path["cla_reviews"], "review_date", last_day)
        for la, group in in_care.groupby("la_code"):
            n = min(len(group), _daily(rng, reviews_per_year.get(la, 0)))
            if not n:
                continue
            children = group.iloc[rng.choice(len(group), size=n, replace=False)]
            adds["cla_reviews"].append(pd.DataFrame({
                "la_code": la,
                "review_id": _new_ids(f"V{la}", event, n),
                "person_id": children.person_id.to_numpy(),
                "review_date": ev,
                "participation_code": rng.choice(codes["participation_code"], size=n),
            }))

        # CAF assessments for CAF children already known
        if exists("caf_assessments") and exists("caf_children"):
            caf_per_year = _per_year(con, path["caf_assessments"], "start_date", last_day)
            children = _frame(con, path["caf_children"], "select la_code, caf_child_id from {src}")
            for la, group in children.groupby("la_code"):
                n = min(len(group), _daily(rng, caf_per_year.get(la, 0)))
                if not n:
                    continue
                picked = group.iloc[rng.choice(len(group), size=n, replace=False)]
                adds["caf_assessments"].append(pd.DataFrame({
                    "la_code": la,
                    "caf_id": _new_ids(f"CF{la}", event, n),
                    "caf_child_id": picked.caf_child_id.to_numpy(),
                    "initiating_agency": rng.choice(codes["initiating_agency"], size=n),
                    "start_date": ev,
                }))

        # the day's updates to open records, at each LA's daily volume of closures
        def close(table, key, start_col, end_col, values, extra=""):
            closing = _closing(con, rng, path[table], key, start_col, end_col, last_day,
                               event, extra)
            if len(closing):
                closing = closing.copy()
                for column, value in values.items():
                    closing[column] = value(len(closing)) if callable(value) else value
                updates[table].append(closing)

        close("contacts", ["la_code", "contact_id"], "contact_date", "decision_date",
              {"decision_date": ev, "outcome": "closed_logged"},
              f"""and not exists (select 1 from {_read(con, path['referrals'])} as x
                                  where x.la_code = r.la_code
                                    and x.contact_id = r.contact_id)""")
        close("referrals", ["la_code", "referral_id"], "referral_date", "closure_date",
              {"closure_date": ev,
               "closure_reason": lambda n: rng.choice(codes["closure_reason"], size=n)})
        close("assessments", ["la_code", "assessment_id"], "start_date", "completed_date",
              {"completed_date": ev})
        close("s47_enquiries", ["la_code", "s47_id"], "start_date", "end_date", {"end_date": ev})
        close("cp_plans", ["la_code", "cp_plan_id"], "start_date", "end_date", {"end_date": ev})
        close("cla_episodes", ["la_code", "episode_id"], "start_date", "end_date",
              {"end_date": ev, "reason_ceased": "E13"})
        if exists("allocations"):
            close("allocations", ["la_code", "allocation_id"], "start_date", "end_date",
                  {"end_date": ev})
        # a few decisions recorded on open referrals that nothing has started on yet (no
        # assessment or enquiry, before or today): no further action
        started = "".join(f"""
            and not exists (select 1 from {_read(con, path[t])} as x
                            where x.la_code = r.la_code and x.referral_id = r.referral_id)"""
                          for t in ("assessments", "s47_enquiries"))
        nfa = _closing(con, rng, path["referrals"], ["la_code", "referral_id"],
                       "referral_date", "closure_date", last_day, event, started)
        today = pd.concat([f for f in (assessed, enquired) if len(f)]) \
            if len(assessed) or len(enquired) else pd.DataFrame(columns=["referral_id"])
        nfa = nfa[~nfa.referral_id.isin(today.referral_id)]
        if len(nfa):
            nfa = nfa.iloc[: max(1, len(nfa) // 5)].copy()
            nfa["referral_nfa"] = "Y"
            updates["referrals"].append(nfa)

        def write(table: Table, src: Path, dst: Path) -> tuple[int, int, int] | None:
            new_rows = pd.concat(adds[table.name]) if adds[table.name] else None
            changed = (pd.concat(updates[table.name])
                       .drop_duplicates(list(table.key), keep="last")
                       if updates[table.name] else None)
            if new_rows is None and changed is None:
                return None
            return (_write(con, table, src, dst, changed, new_rows),
                    0 if new_rows is None else len(new_rows),
                    0 if changed is None else len(changed))

        return _walk(con, last, new, contract, write)
