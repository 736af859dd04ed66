"""One LA's children's social care history, built to its targets (csc.generate.targets).

Every record carries the day it was recorded (`rec`) and its event days as day numbers
(-1 = none); csc.generate.drops turns that into snapshots as at each extract date (what was
recorded by then, with later events not yet known). The build goes quarter by quarter
through the pathway, choosing in each quarter exactly how many records fall in each state so
that measures computed on the drop that follows the quarter come out at the targets:

contact -> closed and logged | referral -> NFA | yet to proceed | assessment (initial + core,
or single) -> S47 enquiry -> initial conference -> CP plan -> review conferences -> plan end;
children in care (periods of care, placement moves, legal-status changes, SSDA903 reasons
ceased); care leavers' keeping-in-touch records; CAFs by initiating agency.

Loops run over quarters (a few dozen), never over records.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from csc.generate.calendar import WorkingDays, add_months
from csc.generate.targets import LaPlan

NONE = -1
YEAR = 365


@dataclass
class LaHistory:
    la_code: str
    tables: dict[str, pd.DataFrame]
    shortfalls: list[str] = field(default_factory=list)


def _pick(candidates: np.ndarray, k: int, rng: np.random.Generator,
          weights: np.ndarray | None = None) -> np.ndarray:
    """k distinct indices out of candidates (all of them if there are fewer)."""
    if k <= 0 or len(candidates) == 0:
        return candidates[:0]
    if k >= len(candidates):
        return candidates.copy()
    if weights is None:
        return rng.choice(candidates, size=k, replace=False)
    w = np.asarray(weights, dtype=float) + 1e-9
    return rng.choice(candidates, size=k, replace=False, p=w / w.sum())


def _uniform_pos(lo: np.ndarray, hi: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return lo + np.floor(rng.random(len(lo)) * (hi - lo + 1)).astype(np.int64)


class Builder:
    """Builds the tables of one LA; see the module docstring."""

    def __init__(self, plan: LaPlan, wd: WorkingDays, rng: np.random.Generator,
                 horizon_end: int) -> None:
        self.plan, self.wd, self.rng = plan, wd, rng
        self.q = plan.quarters
        self.horizon_end = horizon_end  # last extract date: nothing is recorded after it
        self.short: list[str] = []

    def note(self, what: str, q: int, want: int, got: int) -> None:
        if got != want:
            self.short.append(f"{self.plan.la_code} q{q} {what}: wanted {want}, got {got}")

    # ---------------------------------------------------------------- contacts, referrals
    def contacts(self) -> pd.DataFrame:
        rng, wd, plan = self.rng, self.wd, self.plan
        parts = []
        mix = plan.source_mix
        sources = mix.index.to_numpy(dtype=object)
        cats = ["closed_logged", "nfa", "proceeded_to_assessment", "yet_to_proceed"]
        for i, r in self.q.iterrows():
            counts = [r.closed_logged, r.nfa, r.assessed, r.yet]
            if i in plan.sources:
                m = plan.sources[i]
                src = np.concatenate([np.repeat(m.index.to_numpy(dtype=object), m[c].to_numpy())
                                      for c in cats])
            else:
                src = np.concatenate([sources[rng.choice(len(sources), size=int(n),
                                                         p=mix[c].to_numpy())]
                                      for c, n in zip(cats, counts, strict=True)])
            cat = np.repeat(np.arange(4), np.asarray(counts, dtype=int))
            late = int(r.late_contacts)
            is_late = np.concatenate([np.zeros(len(cat), dtype=bool), np.ones(late, dtype=bool)])
            cat = np.concatenate([cat, np.zeros(late, dtype=int)])
            src = np.concatenate([src, sources[rng.choice(len(sources), size=late,
                                                          p=mix["closed_logged"].to_numpy())]])
            n = len(cat)
            order = rng.permutation(n)
            cat, src, is_late = cat[order], src[order], is_late[order]
            date = np.sort(wd.uniform(r.start, r.end, n, rng))
            last_wd = wd.at(wd.last_pos(r.end))
            decision = np.minimum(wd.add(date, rng.integers(0, 2, size=n)), last_wd)
            decision = np.maximum(decision, date)
            rec = np.where(is_late, r.reported + 1 + rng.integers(0, 45, size=n), date)
            parts.append(pd.DataFrame({"q": i, "contact_date": date, "decision_date": decision,
                                       "cat": cat, "source": src, "rec": rec,
                                       "late": is_late}))
        c = pd.concat(parts, ignore_index=True)
        c["contact_id"] = np.arange(len(c))
        return c

    def referrals(self, c: pd.DataFrame) -> pd.DataFrame:
        rng = self.rng
        r = c[c.cat > 0].copy()
        r["referral_id"] = np.arange(len(r))
        r["referral_date"] = r.decision_date
        n = len(r)
        r["nfa_date"] = np.where(r.cat == 1, r.decision_date, NONE)
        r["fate"] = np.where(r.cat == 2, 2, np.where(r.cat == 1, 1, 0))  # 0 = open, undecided
        r["assess_after"] = NONE  # yet-to-proceed referrals assessed after their drop
        reported = self.q.reported.to_numpy()[r.q.to_numpy()]
        # Restatements the plan asks for (demo): yet-to-proceed referrals closed as NFA
        # between two drops.
        for ref_q, after, by, k in self.plan.restated_nfa:
            pool = np.flatnonzero((r.q.to_numpy() == ref_q) & (r.cat.to_numpy() == 3)
                                  & (r.fate.to_numpy() == 0))
            take = _pick(pool, k, rng)
            self.note("restated NFA", ref_q, k, len(take))
            days = self.wd.uniform(after + 1, by, len(take), rng)
            r.iloc[take, r.columns.get_loc("nfa_date")] = days
            r.iloc[take, r.columns.get_loc("fate")] = 1
        # The rest of each yet-to-proceed pool: most proceed to assessment after the drop,
        # some close as NFA, a few stay undecided.
        yet = np.flatnonzero((r.cat.to_numpy() == 3) & (r.fate.to_numpy() == 0))
        u = rng.random(len(yet))
        later = reported[yet] + 1 + rng.integers(0, 60, size=len(yet))
        # calibrated quarters restate NFAs only as planned (the report's ytd figures say how)
        nfa_share = 0.0 if self.plan.calibrated else 0.3
        nfa_later = yet[u < nfa_share]
        r.iloc[nfa_later, r.columns.get_loc("nfa_date")] = self.wd.at(
            self.wd.first_pos(later[u < nfa_share]))
        r.iloc[nfa_later, r.columns.get_loc("fate")] = 1
        assess_later = yet[u >= 0.45]
        r.iloc[assess_later, r.columns.get_loc("assess_after")] = self.wd.at(
            self.wd.first_pos(later[u >= 0.45]))
        r.iloc[assess_later, r.columns.get_loc("fate")] = 2
        r["s47"] = False
        for i, row in self.q.iterrows():
            pool = np.flatnonzero((r.q.to_numpy() == i) & (r.cat.to_numpy() == 2))
            take = _pick(pool, int(row.s47), rng)
            self.note("S47 referrals", i, int(row.s47), len(take))
            r.iloc[take, r.columns.get_loc("s47")] = True
        r["need"] = np.where(r.s47, "N1", rng.choice(
            ["N0", "N1", "N2", "N3", "N4", "N5", "N6", "N7", "N8", "N9"], size=n,
            p=[0.01, 0.55, 0.04, 0.08, 0.18, 0.04, 0.03, 0.03, 0.02, 0.02]))
        return r.reset_index(drop=True)

    # ---------------------------------------------------------------- assessments
    def assessments(self, r: pd.DataFrame) -> pd.DataFrame:
        rng, wd = self.rng, self.wd
        assessed = (r.fate.to_numpy() == 2)
        start = np.where(r.cat.to_numpy() == 2,
                         np.minimum(wd.add(r.referral_date.to_numpy(),
                                           rng.integers(0, 4, size=len(r))),
                                    self.q.end.to_numpy()[r.q.to_numpy()] + 10),
                         r.assess_after.to_numpy())
        a = pd.DataFrame({"referral_id": r.referral_id[assessed].to_numpy(),
                          "start": start[assessed],
                          "referral_date": r.referral_date[assessed].to_numpy(),
                          "s47": r.s47[assessed].to_numpy()})
        a["type"] = np.where(a.start >= self.plan.single_from, "single", "initial")
        a["completed"] = NONE
        single = (a.type == "single").to_numpy()
        a.loc[single, "completed"] = wd.add(a.start[single].to_numpy(),
                                            rng.integers(15, 60, size=single.sum()))
        ref_cnt = wd.count_to(a.referral_date.to_numpy())
        completed = a.completed.to_numpy().astype(np.int64)
        a_start = a.start.to_numpy().astype(np.int64)
        a_ref_date = a.referral_date.to_numpy()
        is_initial = a.type.to_numpy() == "initial"
        a_s47 = a.s47.to_numpy()
        a_ref = a.referral_id.to_numpy()
        for i, row in self.q.iterrows():
            qs, qe = int(row.start), int(row.end)
            pool = np.flatnonzero((~single) & (completed == NONE)
                                  & (a_start <= qe))
            if len(pool) == 0:
                continue
            lo = np.maximum(wd.first_pos(a_start[pool]), wd.first_pos(qs))
            hi_q = wd.last_pos(qe)
            hi_t = np.minimum(hi_q, ref_cnt[pool] + 9)
            lo_l = np.maximum(lo, ref_cnt[pool] + 10)
            ok_t = lo <= hi_t
            ok_l = lo_l <= hi_q
            t_idx = _pick(np.flatnonzero(ok_t), int(row.ia_timely), rng)
            self.note("initial assessments in time", i, int(row.ia_timely), len(t_idx))
            rest = np.setdiff1d(np.flatnonzero(ok_l), t_idx)
            age = (qe - a_ref_date[pool][rest]).astype(float)
            l_idx = _pick(rest, int(row.ia_done) - int(row.ia_timely), rng, weights=age ** 2)
            self.note("initial assessments late", i, int(row.ia_done) - int(row.ia_timely),
                      len(l_idx))
            done = np.full(len(pool), NONE, dtype=np.int64)
            done[t_idx] = wd.at(_uniform_pos(lo[t_idx], hi_t[t_idx], rng))
            done[l_idx] = wd.at(_uniform_pos(lo_l[l_idx], np.full(len(l_idx), hi_q), rng))
            sel = np.concatenate([t_idx, l_idx])
            completed[pool[sel]] = done[sel]
        a["completed"] = completed
        a["assessment_id"] = np.arange(len(a))
        # Core assessments follow an initial assessment of the same referral.
        cores = []
        has_core = np.zeros(len(a), dtype=bool)
        for i, row in self.q.iterrows():
            if row.ca_done <= 0:
                continue
            qs, qe = int(row.start), int(row.end)
            pool = np.flatnonzero(is_initial & ~has_core
                                  & (completed != NONE) & (completed <= qe))
            s = wd.add(completed[pool], 1)
            s_cnt = wd.count_to(s)
            lo = np.maximum(wd.first_pos(s), wd.first_pos(qs))
            hi_q = wd.last_pos(qe)
            hi_t = np.minimum(hi_q, s_cnt + 34)
            lo_l = np.maximum(lo, s_cnt + 35)
            w = np.where(a_s47[pool], 5.0, 1.0)
            t_idx = _pick(np.flatnonzero(lo <= hi_t), int(row.ca_timely), rng,
                          weights=w[lo <= hi_t])
            self.note("core assessments in time", i, int(row.ca_timely), len(t_idx))
            rest = np.setdiff1d(np.flatnonzero(lo_l <= hi_q), t_idx)
            l_idx = _pick(rest, int(row.ca_done) - int(row.ca_timely), rng, weights=w[rest])
            self.note("core assessments late", i, int(row.ca_done) - int(row.ca_timely),
                      len(l_idx))
            done = np.concatenate([wd.at(_uniform_pos(lo[t_idx], hi_t[t_idx], rng)),
                                   wd.at(_uniform_pos(lo_l[l_idx],
                                                      np.full(len(l_idx), hi_q), rng))])
            sel = np.concatenate([t_idx, l_idx])
            has_core[pool[sel]] = True
            cores.append(pd.DataFrame({"referral_id": a_ref[pool[sel]],
                                       "start": s[sel], "completed": done, "type": "core"}))
        if cores:
            core = pd.concat(cores, ignore_index=True)
            core["assessment_id"] = len(a) + np.arange(len(core))
            a = pd.concat([a, core], ignore_index=True)
        return a[["assessment_id", "referral_id", "type", "start", "completed"]]

    # ---------------------------------------------------------------- S47, ICPC, CP plans
    def s47_and_conferences(self, r: pd.DataFrame, a: pd.DataFrame):
        rng, wd = self.rng, self.wd
        first = a[a.type != "core"].drop_duplicates("referral_id").set_index("referral_id")
        s = r[r.s47].copy()
        s["start"] = wd.add(first.start.reindex(s.referral_id).to_numpy(),
                            rng.integers(0, 3, size=len(s)))
        s = s[["referral_id", "start"]].reset_index(drop=True)
        s["s47_id"] = np.arange(len(s))
        s["icpc"] = NONE
        s["icpc_late_rec"] = False
        s_cnt = wd.count_to(s.start.to_numpy())
        used = np.zeros(len(s), dtype=bool)
        plan_rows = []
        for i, row in self.q.iterrows():
            qs, qe = int(row.start), int(row.end)
            pool = np.flatnonzero(~used & (s.start.to_numpy() <= qe)
                                  & (s.start.to_numpy() >= qs - 120))
            lo = np.maximum(s_cnt[pool], wd.first_pos(qs))
            hi_q = wd.last_pos(qe)
            hi_t = np.minimum(hi_q, s_cnt[pool] + 14)
            lo_l = np.maximum(lo, s_cnt[pool] + 15)
            hi_l = np.minimum(hi_q, s_cnt[pool] + 44)
            t_idx = _pick(np.flatnonzero(lo <= hi_t), int(row.icpc_timely), rng)
            self.note("ICPC in time", i, int(row.icpc_timely), len(t_idx))
            rest = np.setdiff1d(np.flatnonzero(lo_l <= hi_l), t_idx)
            l_idx = _pick(rest, int(row.icpc) - int(row.icpc_timely), rng)
            self.note("ICPC late", i, int(row.icpc) - int(row.icpc_timely), len(l_idx))
            extra_pool = np.setdiff1d(np.flatnonzero((lo <= hi_t) & (hi_t >= hi_q - 15)),
                                      np.concatenate([t_idx, l_idx]))
            x_idx = _pick(extra_pool, int(row.plans_late), rng)
            date = np.concatenate([
                wd.at(_uniform_pos(lo[t_idx], hi_t[t_idx], rng)),
                wd.at(_uniform_pos(lo_l[l_idx], hi_l[l_idx], rng)),
                wd.at(hi_t[x_idx])])
            sel = pool[np.concatenate([t_idx, l_idx, x_idx])]
            used[sel] = True
            s.iloc[sel, s.columns.get_loc("icpc")] = date
            late_rec = np.zeros(len(sel), dtype=bool)
            late_rec[len(t_idx) + len(l_idx):] = True
            s.iloc[sel, s.columns.get_loc("icpc_late_rec")] = late_rec
            n_on_time = len(t_idx) + len(l_idx)
            plan_pick = _pick(np.arange(n_on_time), int(row.plans), rng)
            self.note("CP plans", i, int(row.plans), len(plan_pick))
            outcome = np.zeros(len(sel), dtype=bool)
            outcome[plan_pick] = True
            outcome[n_on_time:] = True
            plan_rows.append(pd.DataFrame({"q": i, "s47_id": s.s47_id.to_numpy()[sel],
                                           "icpc": date, "outcome": outcome,
                                           "late_rec": late_rec}))
        conf = pd.concat(plan_rows, ignore_index=True)
        # S47 end: the enquiry closes at (or just before) the conference, else within weeks.
        end = wd.add(s.start.to_numpy(), rng.integers(5, 26, size=len(s)))
        has = s.icpc.to_numpy() != NONE
        end[has] = np.maximum(s.start.to_numpy()[has],
                              wd.add(s.icpc.to_numpy()[has], 0) - rng.integers(0, 4, has.sum()))
        s["end"] = end
        s["icpc_required"] = np.where(has, "Y", "N")
        return s, conf

    def plans(self, conf: pd.DataFrame) -> pd.DataFrame:
        rng, wd = self.rng, self.wd
        q = self.q
        made = conf[conf.outcome].reset_index(drop=True)
        first_start = int(q.start.iloc[0])
        n0 = int(q.cp_stock.iloc[0] * 0.95)
        pre_start = wd.uniform(first_start - 2 * YEAR, first_start - 1, n0, rng)
        p = pd.DataFrame({
            "start": np.concatenate([pre_start, made.icpc.to_numpy()]),
            "s47_id": np.concatenate([np.full(n0, NONE), made.s47_id.to_numpy()]),
            "late_rec": np.concatenate([np.zeros(n0, dtype=bool), made.late_rec.to_numpy()]),
        })
        p["q"] = np.searchsorted(q.start.to_numpy(), p.start.to_numpy(), side="right") - 1
        p["plan_id"] = np.arange(len(p))
        p["end"] = NONE
        p["long"] = False
        nq = len(q)
        # Long-running plans: as many as the 2-year-plus endings 8 quarters later need.
        for i in range(nq):
            need = int(q.plan_ends_2y.iloc[i + 8]) + 1 if i + 8 < nq else 0
            pool = np.flatnonzero(p.q.to_numpy() == i)
            p.iloc[_pick(pool, need, rng), p.columns.get_loc("long")] = True
        pre = p.q.to_numpy() < 0
        p.iloc[_pick(np.flatnonzero(pre), 12, rng), p.columns.get_loc("long")] = True
        for i, row in q.iterrows():
            qs, qe = int(row.start), int(row.end)
            st, en = p.start.to_numpy(), p.end.to_numpy()
            open_ = (st <= qe) & (en == NONE)
            n_end = int(open_.sum() - row.cp_stock)
            if n_end <= 0:
                continue
            two = p.start.to_numpy() + 0  # day two years on
            two = add_months(st, 24)
            fits_2y = wd.first_pos(np.maximum(two, qs)) <= wd.last_pos(qe)
            long_pool = np.flatnonzero(open_ & p.long.to_numpy() & (two <= qe) & fits_2y)
            e2 = long_pool[np.argsort(st[long_pool])][: int(row.plan_ends_2y)]
            self.note("CP plans ending 2y+", i, int(row.plan_ends_2y), len(e2))
            same_pool = np.flatnonzero(open_ & (st >= qs) & (st < wd.at(wd.last_pos(qe)))
                                       & ~p.long.to_numpy())
            sq = _pick(same_pool, min(int(row.plan_ends_same_q), n_end - len(e2)), rng)
            fits = wd.first_pos(qs) <= wd.last_pos(np.minimum(qe, two - 1))
            other = np.flatnonzero(open_ & (st < qs) & ~p.long.to_numpy() & (two > qs) & fits)
            age = (qe - st[other]).astype(float)
            ot = _pick(other, n_end - len(e2) - len(sq), rng, weights=age ** 2)
            self.note("CP plan endings", i, n_end, len(e2) + len(sq) + len(ot))
            lo = np.concatenate([np.maximum(two[e2], qs), st[sq] + 1, np.full(len(ot), qs)])
            hi = np.concatenate([np.full(len(e2), qe), np.full(len(sq), qe),
                                 np.minimum(qe, two[ot] - 1)])
            end = wd.at(_uniform_pos(wd.first_pos(lo), wd.last_pos(hi), rng))
            idx = np.concatenate([e2, sq, ot])
            p.iloc[idx, p.columns.get_loc("end")] = end
        cats = np.array(["NEG", "EMO", "PHY", "SAB", "MUL"], dtype=object)
        p["initial_category"] = cats[rng.choice(5, size=len(p), p=[0.45, 0.33, 0.1, 0.05, 0.07])]
        change = rng.random(len(p)) < 0.1
        p["latest_category"] = np.where(change, cats[rng.integers(0, 5, len(p))],
                                        p.initial_category)
        p["rec"] = np.where(p.late_rec, p.start + 30, p.start)
        # the late-recorded plans appear after the drop that first reports their quarter
        late = p.late_rec.to_numpy()
        p.loc[late, "rec"] = q.reported.to_numpy()[p.q.to_numpy()[late]] + 6
        return p

    def reviews(self, p: pd.DataFrame) -> pd.DataFrame:
        """Review conferences: first due 3 months after the plan starts, then 6 months after
        the previous review. Each quarter's target of plans failing the rolling-year test
        gets exactly that many plans with one late review falling due in the quarter and the
        plan ending in the next quarter (so each counts at exactly one period end)."""
        rng, wd = self.rng, self.wd
        q = self.q
        st, en = p.start.to_numpy(), p.end.to_numpy()
        stop = np.minimum(np.where(en == NONE, self.horizon_end + 1, en), self.horizon_end + 1)
        n, depth = len(p), 40
        early = rng.integers(0, 10, size=(depth, n))
        lateness = rng.integers(3, 20, size=(depth, n))

        def schedule(late_k: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
            dues, helds = [], []
            due, prev = add_months(st, 3), st
            for k in range(depth):
                alive = due < stop
                if not alive.any():
                    break
                held = np.maximum(wd.at(wd.last_pos(due - early[k])), prev + 1)
                is_late = alive & (late_k == k)
                held = np.where(is_late, wd.at(wd.first_pos(due + lateness[k])), held)
                dues.append(np.where(alive, due, NONE))
                helds.append(np.where(alive & (held < stop), held, NONE))
                prev = np.where(alive, held, prev)
                due = np.where(alive, add_months(held, 6), due)
                due = np.where(is_late, stop + 1, due)  # the plan ends before the next one
            return dues, helds

        dues, _ = schedule(np.full(n, -1))
        dues_a = np.array(dues) if dues else np.zeros((0, n), dtype=np.int64)
        late_k = np.full(n, -1)
        qe_all = q.end.to_numpy()
        for i, row in q.iterrows():
            k = int(row.review_fails)
            if k <= 0 or len(dues_a) == 0:
                continue
            e = int(qe_all[i])
            e_prev = int(qe_all[i - 1]) if i > 0 else e - 92
            e_next = int(qe_all[i + 1]) if i + 1 < len(q) else int(add_months(np.array([e]), 3)[0])
            in_q = (dues_a > e_prev) & (dues_a <= e)
            cand = np.flatnonzero((late_k < 0) & in_q.any(axis=0)
                                  & (st <= add_months(np.array([e]), -3)[0])
                                  & (en > e) & (en <= e_next) & ~p.late_rec.to_numpy())
            pick = _pick(cand, k, rng)
            self.note("CP plans with a late review", i, k, len(pick))
            late_k[pick] = np.argmax(in_q[:, pick], axis=0)
        _, helds = schedule(late_k)
        rows = [pd.DataFrame({"plan_id": p.plan_id.to_numpy()[h != NONE],
                              "conference_date": h[h != NONE]}) for h in helds]
        return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(
            {"plan_id": np.array([], dtype=np.int64),
             "conference_date": np.array([], dtype=np.int64)})

    # ---------------------------------------------------------------- children in care
    ROUTES = {"perm_adoption": ["E11", "E12"], "perm_residence_order": ["E41"],
              "perm_special_guardianship": ["E43", "E44", "E45", "E46", "E47", "E48"],
              "perm_returned_home": ["E13", "E4A", "E4B"]}

    def _ages(self, n: int) -> np.ndarray:
        """Age in days at entry to care."""
        rng = self.rng
        bucket = rng.choice(4, size=n, p=[0.22, 0.2, 0.22, 0.36])
        lo = np.array([0, 365, 5 * YEAR, 10 * YEAR])[bucket]
        hi = np.array([364, 5 * YEAR - 1, 10 * YEAR - 1, 15 * YEAR])[bucket]
        return lo + (rng.random(n) * (hi - lo)).astype(np.int64)

    def children_in_care(self):
        rng, wd, q = self.rng, self.wd, self.q
        nq = len(q)
        qs_all, _qe_all = q.start.to_numpy(), q.end.to_numpy()
        first = int(qs_all[0])
        # Care-leaver cohort: young people leaving care on their 18th birthday, so many per
        # quarter that each quarter has the targeted number of care leavers with an 18th-21st
        # birthday in it.
        base = max(1, int(round(6 * self.plan.size)))
        l18: dict[int, int] = {}
        for i in range(-12, nq):
            tgt = int(q.leavers_bday.iloc[i]) if i >= 0 else -1
            if tgt >= 0:
                l18[i] = max(0, tgt - sum(l18.get(i - 4 * k, base) for k in (1, 2, 3)))
                self.note("care leavers with a birthday", i, tgt,
                          l18[i] + sum(l18.get(i - 4 * k, base) for k in (1, 2, 3)))
            else:
                l18[i] = int(rng.poisson(base)) if i >= 0 else base
        cq = np.concatenate([np.full(v, k) for k, v in l18.items()]).astype(np.int64)
        q_start_of = np.where(cq >= 0, qs_all[np.maximum(cq, 0)],
                              add_months(np.full(len(cq), first), 3 * cq))
        q_end_of = add_months(q_start_of, 3) - 1
        b18 = q_start_of + (rng.random(len(cq)) * (q_end_of - q_start_of + 1)).astype(np.int64)
        dob_c = add_months(b18, -216)
        start_c = wd.at(wd.first_pos(b18 - rng.integers(365, 4 * YEAR, size=len(cq))))
        cohort = pd.DataFrame({"start": start_c, "end": b18, "dob": dob_c,
                               "reason": rng.choice(["E8", "E17"], size=len(cq), p=[0.6, 0.4]),
                               "cohort": True})
        cohort["long_stay"] = False
        long_stay = self._long_stay_periods()
        # Generic children in care at the start of the horizon.
        fixed = pd.concat([cohort, long_stay], ignore_index=True)
        open0 = ((fixed.start < first) & ((fixed.end >= first) | (fixed.end == NONE))).sum()
        n0 = max(0, int(q.cic_stock.iloc[0]) - int(open0))
        age_now = self._ages(n0)
        in_care = (rng.random(n0) * np.minimum(age_now, 4 * YEAR)).astype(np.int64) + 1
        pre = pd.DataFrame({"start": wd.at(wd.first_pos(first - in_care)), "end": NONE,
                            "dob": first - age_now, "reason": "", "cohort": False,
                            "long_stay": False})
        both = pd.concat([fixed, pre], ignore_index=True)
        st = both.start.to_numpy().astype(np.int64)
        en = both.end.to_numpy().astype(np.int64)
        dob = both.dob.to_numpy().astype(np.int64)
        reason = both.reason.to_numpy(dtype=object)
        is_cohort = both.cohort.to_numpy(dtype=bool)
        is_long = both.long_stay.to_numpy(dtype=bool)
        for i, row in q.iterrows():
            qs, qe = int(row.start), int(row.end)
            open_g = ~(is_cohort | is_long) & (st < qs) & (en == NONE)
            b18g = add_months(dob, 216)
            turn18 = np.flatnonzero(open_g & (b18g <= qe))
            en[turn18] = np.maximum(b18g[turn18], qs)
            reason[turn18] = "E8"
            open_g[turn18] = False
            age = qs - dob
            for col, codes in self.ROUTES.items():
                k = int(row[col])
                if col == "perm_adoption":
                    ok = open_g & (age < 8 * YEAR) & (qs - st > 270)
                else:
                    ok = open_g & (age < 16 * YEAR) & (qs - st > 90)
                take = _pick(np.flatnonzero(ok), k, rng)
                self.note(col, i, k, len(take))
                en[take] = wd.uniform(qs, qe, len(take), rng)
                reason[take] = rng.choice(codes, len(take))
                open_g[take] = False
            other = _pick(np.flatnonzero(open_g), int(rng.binomial(open_g.sum(), 0.012)), rng)
            en[other] = wd.uniform(qs, qe, len(other), rng)
            reason[other] = rng.choice(["E3", "E5", "E9", "E16", "E14"], len(other))
            open_g[other] = False
            at_end = int(((st <= qe) & ((en == NONE) | (en > qe))).sum())
            need = int(row.cic_stock) - at_end
            if need < 0:
                extra = _pick(np.flatnonzero(open_g), -need, rng)
                en[extra] = wd.uniform(qs, qe, len(extra), rng)
                reason[extra] = "E9"
                need = 0
            if need:
                s_new = wd.uniform(qs, qe, need, rng)
                st = np.concatenate([st, s_new])
                en = np.concatenate([en, np.full(need, NONE)])
                dob = np.concatenate([dob, s_new - self._ages(need)])
                reason = np.concatenate([reason, np.full(need, "", dtype=object)])
                is_cohort = np.concatenate([is_cohort, np.zeros(need, dtype=bool)])
                is_long = np.concatenate([is_long, np.zeros(need, dtype=bool)])
        periods = pd.DataFrame({"start": st, "end": en, "dob": dob, "reason": reason,
                                "cohort": is_cohort, "long_stay": is_long})
        periods = periods[periods.start <= self.horizon_end].reset_index(drop=True)
        periods.loc[periods.end > self.horizon_end, ["end", "reason"]] = [NONE, ""]
        periods["period_id"] = np.arange(len(periods))
        episodes = self._episodes(periods)
        leavers = self._leaver_contacts(periods[periods.cohort])
        return periods, episodes, leavers

    def _episodes(self, periods: pd.DataFrame) -> pd.DataFrame:
        rng, _wd, q = self.rng, self.wd, self.q
        st = periods.start.to_numpy()
        en = np.where(periods.end.to_numpy() == NONE, self.horizon_end + 1,
                      periods.end.to_numpy())
        pid = periods.period_id.to_numpy()
        moves = []  # (period, date)
        fy_starts = np.unique(q.start.to_numpy()[q.qn.to_numpy() == 1])
        fy_starts = np.concatenate([add_months(np.array([fy_starts[0]]), -12 * np.arange(5, 0, -1)),
                                    fy_starts])
        blocked: dict[int, np.ndarray] = {}
        adopt = np.isin(periods.reason.to_numpy(), ["E11", "E12"])
        ad_date = np.maximum(st + 1, en - rng.integers(90, 270, size=len(periods)))
        long = periods.long_stay.to_numpy()  # their moves are designed (_long_stay_design)
        # unstable children: two extra moves in the financial year, the second in the quarter
        unstable = np.zeros(len(periods), dtype=bool)
        for i, row in q.iterrows():
            k = int(row.moves3)
            if k <= 0:
                continue
            qs, qe = int(row.start), int(row.end)
            fy0 = int(fy_starts[np.searchsorted(fy_starts, qs, side="right") - 1])
            fy1 = int(add_months(np.array([fy0]), 12)[0]) - 1
            cand = np.flatnonzero(~unstable & ~adopt & (st < qe - 60) & (en > fy1 + 1)
                                  & ~periods.cohort.to_numpy() & ~long)
            pick = _pick(cand, k, rng)
            self.note("children with 3+ placements", i, k, len(pick))
            unstable[pick] = True
            lo1 = np.maximum(st[pick] + 1, fy0)
            d1 = lo1 + (rng.random(len(pick)) * (qe - 10 - lo1)).astype(np.int64)
            lo2 = np.maximum(d1 + 1, qs)
            d2 = lo2 + (rng.random(len(pick)) * (qe - lo2 + 1)).astype(np.int64)
            moves += [(pick, d1), (pick, d2)]
            blocked.setdefault(fy0, np.zeros(len(st), dtype=bool))[pick] = True
        for f0 in fy_starts:
            f1 = int(add_months(np.array([f0]), 12)[0])
            lo = np.maximum(st + 1, f0)
            hi = np.minimum(en - 1, f1 - 1)
            ok = (lo <= hi) & (rng.random(len(st)) < 0.28) & ~long
            if int(f0) in blocked:
                ok &= ~blocked[int(f0)]
            in_fy = adopt & (ad_date >= f0) & (ad_date < f1)
            ok &= ~in_fy
            idx = np.flatnonzero(ok)
            moves.append((idx, lo[idx] + (rng.random(len(idx)) * (hi[idx] - lo[idx] + 1))
                          .astype(np.int64)))
        a_idx = np.flatnonzero(adopt)
        moves.append((a_idx, ad_date[a_idx]))
        m_pid = np.concatenate([m[0] for m in moves]).astype(np.int64)
        m_day = np.concatenate([m[1] for m in moves]).astype(np.int64)
        ad_mark = np.zeros(len(m_pid), dtype=bool)
        ad_mark[len(m_pid) - len(a_idx):] = True
        if long.any():
            d_pid, d_day = self._long_stay_design(periods, m_pid, m_day, ad_mark)
            m_pid = np.concatenate([m_pid, d_pid])
            m_day = np.concatenate([m_day, d_day])
            ad_mark = np.concatenate([ad_mark, np.zeros(len(d_pid), dtype=bool)])
        m_rne = rng.choice(["P", "P", "P", "B", "T", "U"], size=len(m_pid)).astype(object)
        m_rne[ad_mark] = "P"
        # legal-status changes (RNE L): not a change of placement
        lch = np.flatnonzero((rng.random(len(st)) < 0.2) & (en - st > 30))
        l_day = st[lch] + 1 + (rng.random(len(lch)) * (en[lch] - st[lch] - 2)).astype(np.int64)
        ev = pd.DataFrame({
            "period_id": np.concatenate([pid, m_pid, lch]),
            "start": np.concatenate([st, m_day, l_day]),
            "rne": np.concatenate([np.full(len(st), "S", dtype=object), m_rne,
                                   np.full(len(lch), "L", dtype=object)]),
            "adoptive": np.concatenate([np.zeros(len(st), bool), ad_mark,
                                        np.zeros(len(lch), bool)]),
        })
        # One episode a day: the start of care first, then a change of placement, then a
        # change of legal status alone (which a same-day move carries anyway).
        ev["_rank"] = np.select([ev.rne.to_numpy() == "S", ev.rne.to_numpy() == "L"], [0, 2], 1)
        ev = ev.sort_values(["period_id", "start", "_rank"], kind="stable")
        ev = ev.drop_duplicates(["period_id", "start"], keep="first").drop(columns="_rank")
        ev = ev.reset_index(drop=True)
        n = len(ev)
        same_next = np.zeros(n, dtype=bool)
        same_next[:-1] = ev.period_id.to_numpy()[1:] == ev.period_id.to_numpy()[:-1]
        nxt = np.full(n, NONE)
        nxt[:-1] = ev.start.to_numpy()[1:]
        p_end = periods.end.to_numpy()[ev.period_id.to_numpy()]
        ev["end"] = np.where(same_next, nxt, p_end)
        ev["reason_ceased"] = np.where(same_next, "",
                                       periods.reason.to_numpy()[ev.period_id.to_numpy()])
        place_codes = np.array(["U1", "U2", "U3", "U4", "U5", "U6", "K2", "R1", "P1", "H5", "S1",
                                "T1", "Z1"], dtype=object)
        place = place_codes[rng.choice(len(place_codes), size=n,
                                       p=[0.2, 0.08, 0.25, 0.1, 0.08, 0.04, 0.09, 0.02, 0.06,
                                          0.03, 0.01, 0.02, 0.02])]
        place[ev.adoptive.to_numpy()] = rng.choice(["A5", "A6"], size=ev.adoptive.sum())
        is_l = ev.rne.to_numpy() == "L"
        place = pd.Series(np.where(is_l, None, place)).ffill().to_numpy()
        ev["placement_type"] = place
        base_ls = np.array(["C2", "V2", "C1", "E1", "J2", "L1"], dtype=object)[
            rng.choice(6, size=len(periods), p=[0.55, 0.25, 0.14, 0.03, 0.02, 0.01])]
        ls = base_ls[ev.period_id.to_numpy()]
        ls = np.where(is_l, np.where(ls == "C1", "C2", "C1"), ls)
        ls = np.where(ev.adoptive.to_numpy(), "E1", ls)
        ev["legal_status"] = ls
        ev["placement_provider"] = np.where(np.char.startswith(place.astype(str), "U"),
                                            rng.choice(["PR1", "PR4"], size=n, p=[0.8, 0.2]),
                                            rng.choice(["PR1", "PR2", "PR3", "PR4", "PR5"],
                                                       size=n))
        moved = np.isin(ev.rne.to_numpy(), ["P", "B", "T", "U"])
        ev["reason_place_change"] = np.where(
            moved, rng.choice(["CARPL", "CHILD", "LAREQ", "PLACE", "CLOSE", "ALLEG", "OTHER",
                               "APPRR", "CREQB", "CREQO", "STAND"], size=n), "")
        ev["episode_id"] = np.arange(n)
        return ev

    # ---------------------------------------------------------------- long stays
    def _length_ends(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Period ends where the placement-length measure is targeted: (end day, children in
        care 2.5+ years aged under 16, of those in the same placement 2+ years)."""
        q = self.q
        if "long_stay" not in q:
            return (np.zeros(0, dtype=np.int64),) * 3
        t = q[q.long_stay.notna()]
        return (t.end.to_numpy().astype(np.int64), t.long_stay.to_numpy().astype(np.int64),
                t.long_stay_stable.to_numpy().astype(np.int64))

    def _long_stay_periods(self) -> pd.DataFrame:
        """Children in care for the long term, who stay in care to the end of the horizon.

        Their periods of care begin so that each targeted period end has enough children
        passing 2.5 years in care: as many as the first end's target beginning before it
        (spread over the six years before), then at least the growth in the target, plus some
        slack, reaching 2.5 years in each later quarter. Which of them count (age under 16)
        and which have had a stable placement are decided once the rest of the care
        population is known (_long_stay_design); their dates of birth are set there."""
        rng, wd = self.rng, self.wd
        ends, den, _ = self._length_ends()
        if len(ends) == 0:
            return pd.DataFrame({"start": np.zeros(0, dtype=np.int64), "end": NONE, "dob": NONE,
                                 "reason": "", "cohort": False, "long_stay": True})
        cut = add_months(ends, -30)  # period of care began on or before this
        slack = max(3, int(round(15 * self.plan.size)))
        n = np.concatenate([[den[0]], np.maximum(0, np.diff(den)) + slack])
        lo = np.concatenate([[add_months(cut[:1], -72)[0]], cut[:-1] + 1])
        starts = np.concatenate([wd.uniform(int(a), int(b), int(k), rng)
                                 for a, b, k in zip(lo, cut, n, strict=True)])
        return pd.DataFrame({"start": starts, "end": NONE, "dob": starts - 5 * YEAR,
                             "reason": "", "cohort": False, "long_stay": True})

    @staticmethod
    def _length_status(periods: pd.DataFrame, m_pid: np.ndarray, m_day: np.ndarray,
                       adoptive: np.ndarray, e: int) -> tuple[np.ndarray, np.ndarray]:
        """Per period, at day e (measures.md, cic_placement_stability_length): counted (in
        care, aged under 16, period of care began 2.5+ years before) and stable (current
        placement began 2+ years before, or placed for adoption)."""
        st, en = periods.start.to_numpy(), periods.end.to_numpy()
        counted = ((st <= e) & ((en == NONE) | (en > e))
                   & (periods.dob.to_numpy() > add_months(np.array([e]), -192)[0])
                   & (st <= add_months(np.array([e]), -30)[0]))
        place = st.copy()
        adopt = np.zeros(len(st), dtype=bool)
        known = m_day <= e
        order = np.lexsort((m_day[known], m_pid[known]))
        pid, days, ad = m_pid[known][order], m_day[known][order], adoptive[known][order]
        last = np.r_[pid[1:] != pid[:-1], True] if len(pid) else np.zeros(0, dtype=bool)
        place[pid[last]] = np.maximum(place[pid[last]], days[last])
        adopt[pid[last]] = ad[last]
        stable = (place <= add_months(np.array([e]), -24)[0]) | adopt
        return counted, stable

    def _long_stay_design(self, periods: pd.DataFrame, m_pid: np.ndarray, m_day: np.ndarray,
                          adoptive: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Dates of birth and placement moves of the long-stay children, so that at each
        targeted period end the measure's denominator and numerator come out exact.

        The rest of the care population already contributes some children (counted there
        first). Of the long-stay children, going from period end to period end, the surplus
        over what is still needed turn 16 (their date of birth says when), and a child is
        unstable at an end when a move fell in the two years before it: a move before the
        first end keeps a child unstable up to a chosen end, a move between two ends makes
        it unstable from then on. At most one move per financial year, so the
        placement-moves measure (3+ placements in the year) is untouched. Sets the long-stay
        rows' `dob` in `periods`; returns the moves (period index, day)."""
        rng = self.rng
        ends, den, num = self._length_ends()
        k_n = len(ends)
        long = np.flatnonzero(periods.long_stay.to_numpy())
        others = ~periods.long_stay.to_numpy()
        g_den, g_num = np.zeros(k_n, dtype=np.int64), np.zeros(k_n, dtype=np.int64)
        for k, e in enumerate(ends):
            counted, stable = self._length_status(periods, m_pid, m_day, adoptive, int(e))
            g_den[k] = (counted & others).sum()
            g_num[k] = (counted & stable & others).sum()
        want_den = den - g_den
        want_unstable = want_den - (num - g_num)
        st = periods.start.to_numpy()[long]
        n = len(long)
        cut = add_months(ends, -30)
        first_k = np.searchsorted(cut, st, side="left")  # first end they have 2.5 years by
        # Who counts: the surplus at each end turns 16 before it.
        last_k = np.full(n, k_n - 1)
        pool = np.zeros(n, dtype=bool)
        for k in range(k_n):
            pool |= first_k == k
            surplus = int(pool.sum()) - int(want_den[k])
            out = _pick(np.flatnonzero(pool), surplus, rng)
            last_k[out] = k - 1
            pool[out] = False
            self.note("children in care 2.5+ years aged under 16", k, int(den[k]),
                      int(g_den[k] + pool.sum()))
        sixteen = add_months(ends, -192)  # born after this: under 16 at the end
        dob = np.empty(n, dtype=np.int64)
        stays = last_k == k_n - 1
        lo = sixteen[-1] + 1
        dob[stays] = lo + (rng.random(stays.sum()) * (st[stays] - lo)).astype(np.int64)
        gone = np.flatnonzero(~stays)
        turn = last_k[gone] + 1  # first end they are 16 at
        prev = sixteen[np.maximum(turn - 1, 0)]
        # never counted: 16 or 17 by the end they first could count at, under 18 throughout
        oldest = int(add_months(np.array([self.horizon_end]), -216)[0]) + 30
        prev = np.where(last_k[gone] < first_k[gone],
                        np.maximum(sixteen[turn] - 548, oldest), prev)
        dob[gone] = prev + 1 + (rng.random(len(gone)) * (sixteen[turn] - prev)).astype(np.int64)
        periods.loc[long, "dob"] = dob
        # Who is settled: r = last end a move before the first end keeps them unstable for
        # (-1: none), j = the end from which a move between ends makes them unstable.
        r = np.full(n, -1)
        open_run = np.zeros(n, dtype=bool)
        j = np.full(n, k_n)
        decided = np.zeros(n, dtype=bool)
        for k in range(k_n):
            counts = (first_k <= k) & (last_k >= k)
            perm = counts & (j <= k)
            runs = np.flatnonzero(counts & open_run & ~perm)
            new = np.flatnonzero(counts & ~decided)
            settled = np.flatnonzero(counts & decided & ~open_run & ~perm)
            need = int(want_unstable[k]) - int(perm.sum())
            keep = _pick(runs, max(0, need), rng)
            closed = np.setdiff1d(runs, keep)
            r[closed], open_run[closed] = k - 1, False
            need -= len(keep)
            opened = _pick(new, max(0, need), rng)
            open_run[opened] = True
            decided[new] = True
            need -= len(opened)
            moved = _pick(settled, max(0, need) if k > 0 else 0, rng)
            j[moved] = k
            need -= len(moved)
            got = int(counts.sum()) - (int(want_unstable[k]) - need)
            self.note("long-stay children in a 2-year placement", k, int(num[k]),
                      int(g_num[k]) + got)
        r[open_run] = k_n - 1
        two = add_months(ends, -24)
        pid, day = [], []
        has_r = np.flatnonzero(r >= 0)
        lo_r = two[r[has_r]]
        hi_r = np.where(r[has_r] < k_n - 1, two[np.minimum(r[has_r] + 1, k_n - 1)],
                        np.maximum(ends[0], lo_r + 1))
        pid.append(has_r)
        day.append(lo_r + 1 + (rng.random(len(has_r)) * (hi_r - lo_r)).astype(np.int64))
        has_j = np.flatnonzero(j < k_n)
        lo_j, hi_j = ends[j[has_j] - 1], ends[j[has_j]]
        pid.append(has_j)
        day.append(lo_j + 1 + (rng.random(len(has_j)) * (hi_j - lo_j)).astype(np.int64))
        # earlier moves, settled long before the first end (a year before any later move)
        hist_hi = np.where(r >= 0, two[0] - 366, two[0])
        has_h = np.flatnonzero((rng.random(n) < 0.6) & (hist_hi > st + 1))
        pid.append(has_h)
        day.append(st[has_h] + 1 + (rng.random(len(has_h)) * (hist_hi[has_h] - st[has_h] - 1))
                   .astype(np.int64))
        return long[np.concatenate(pid)], np.concatenate(day)

    def _leaver_contacts(self, cohort: pd.DataFrame) -> pd.DataFrame:
        rng, q = self.rng, self.q
        rows = []
        for age in (18, 19, 20, 21):
            bday = add_months(cohort.dob.to_numpy(), 12 * age)
            rows.append(pd.DataFrame({"period_id": cohort.period_id.to_numpy(),
                                      "birthday": bday,
                                      "contact_date": bday - rng.integers(0, 60, len(cohort))}))
        c = pd.concat(rows, ignore_index=True)
        c = c[c.contact_date <= self.horizon_end].reset_index(drop=True)
        n = len(c)
        suitable = rng.random(n) < 0.9
        eet = rng.random(n) < 0.5
        bq = np.searchsorted(q.start.to_numpy(), c.birthday.to_numpy(), side="right") - 1
        bq[(bq < 0) | (c.birthday.to_numpy() > q.end.to_numpy()[np.maximum(bq, 0)])] = -1
        for i, row in q.iterrows():
            if row.leavers_bday < 0:
                continue
            idx = np.flatnonzero(bq == i)
            suitable[idx] = False
            eet[idx] = False
            suitable[_pick(idx, int(row.leavers_suitable), rng)] = True
            eet[_pick(idx, int(row.leavers_eet), rng)] = True
        c["in_touch"] = "YES"
        c["activity"] = np.where(eet, rng.choice(["F1", "P1", "F2", "P2", "F4", "F5"], n),
                                 rng.choice(["G4", "G5", "G6"], n))
        acc = rng.choice(["B", "C", "D", "E", "G", "H", "K", "R", "S", "T", "U", "V", "W",
                          "X", "Y", "Z"], n).astype(object)
        c["accommodation"] = acc + np.where(suitable, "1", "2")
        c["accommodation_suitable"] = np.where(suitable, "Y", "N")
        return c

    # ---------------------------------------------------------------- who the children are
    def assign_people(self, r: pd.DataFrame, plans: pd.DataFrame,
                      s47: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """Person of each referral and of each CP plan.

        Re-referrals (a previous referral within 12 months) are made exactly as many as the
        quarter's target by giving a referral the person of an earlier one; second or later
        CP plans go to children whose earlier plan has ended; every other referral is a new
        child. Returns (person of referral, person of plan)."""
        rng, q = self.rng, self.q
        nr = len(r)
        plan_ref = np.full(len(plans), NONE)
        has_s47 = plans.s47_id.to_numpy() != NONE
        plan_ref[has_s47] = s47.referral_id.to_numpy()[plans.s47_id.to_numpy()[has_s47]]
        leads = np.zeros(nr, dtype=bool)
        leads[plan_ref[has_s47]] = True
        second_ref = np.zeros(nr, dtype=bool)
        for i, row in q.iterrows():
            pool = np.flatnonzero((plans.q.to_numpy() == i) & has_s47
                                  & ~plans.late_rec.to_numpy())
            take = _pick(pool, int(row.plans_second), rng)
            second_ref[plan_ref[take]] = True
        n_pre = int((~has_s47).sum())
        cap = nr + n_pre + 1
        last_ref = np.full(cap, -10**6)
        plan_end = np.full(cap, NONE)  # end of the person's latest plan (NONE: none or open)
        has_plan = np.zeros(cap, dtype=bool)
        person_plan = np.full(len(plans), NONE)
        pre_idx = np.flatnonzero(~has_s47)
        person_plan[pre_idx] = np.arange(n_pre)
        has_plan[:n_pre] = True
        plan_end[:n_pre] = np.where(plans.end.to_numpy()[pre_idx] == NONE, 10**9,
                                    plans.end.to_numpy()[pre_idx])
        nxt = n_pre
        person = np.full(nr, NONE)
        rdate = r.referral_date.to_numpy()
        order = np.argsort(rdate, kind="stable")
        sorted_dates = rdate[order]
        plan_of_ref = np.full(nr, NONE)
        plan_of_ref[plan_ref[has_s47]] = np.flatnonzero(has_s47)
        pend = plans.end.to_numpy()
        for i, row in q.iterrows():
            qs = int(row.start)
            refs = np.flatnonzero(r.q.to_numpy() == i)
            if len(refs) == 0:
                continue
            d = rdate[refs]
            year_ago = add_months(d, -12)
            forced = refs[second_ref[refs]]
            pool = np.flatnonzero(has_plan[:nxt] & (plan_end[:nxt] < qs - 7))
            quiet = pool[last_ref[pool] < add_months(np.array([qs]), -12)[0]]
            chosen = _pick(quiet, len(forced), rng)
            if len(chosen) < len(forced):
                rest = np.setdiff1d(pool, chosen)
                chosen = np.concatenate([chosen, _pick(rest, len(forced) - len(chosen), rng)])
            self.note("second CP plans", i, len(forced), len(chosen))
            forced = forced[: len(chosen)]
            person[forced] = chosen
            forced_reref = int((last_ref[chosen] >= add_months(rdate[forced], -12)).sum())
            k = int(row.rereferrals) - forced_reref
            free = refs[(person[refs] == NONE) & ~leads[refs]]
            lo = np.searchsorted(sorted_dates, year_ago, side="left")
            hi = np.full(len(refs), np.searchsorted(sorted_dates, qs, side="left"))
            has_prior = (hi > lo)[np.searchsorted(refs, free)]
            pick = _pick(free[has_prior], k, rng)
            self.note("re-referrals", i, int(row.rereferrals), forced_reref + len(pick))
            pl = np.searchsorted(refs, pick)
            j = lo[pl] + np.floor(rng.random(len(pick)) * (hi[pl] - lo[pl])).astype(np.int64)
            person[pick] = person[order[j]]
            new = refs[person[refs] == NONE]
            person[new] = nxt + np.arange(len(new))
            nxt += len(new)
            np.maximum.at(last_ref, person[refs], d)
            pr = refs[leads[refs]]
            pp = plan_of_ref[pr]
            person_plan[pp] = person[pr]
            has_plan[person[pr]] = True
            plan_end[person[pr]] = np.where(pend[pp] == NONE, 10**9, pend[pp])
        return person, person_plan

    # ---------------------------------------------------------------- children in need
    def close_referrals(self, r: pd.DataFrame, a: pd.DataFrame, s47: pd.DataFrame,
                        plans: pd.DataFrame, plan_person: np.ndarray) -> None:
        rng = self.rng
        n = len(r)
        done = a.groupby("referral_id").completed.max().reindex(r.referral_id).to_numpy()
        started = a.groupby("referral_id").start.min().reindex(r.referral_id).to_numpy()
        base = np.where(np.isnan(done) | (done == NONE), started + 30, done)
        base = np.where(np.isnan(base), r.referral_date + 30, base).astype(np.int64)
        s_end = s47.groupby("referral_id").end.max().reindex(r.referral_id).to_numpy()
        base = np.where(~np.isnan(s_end), np.maximum(base, np.nan_to_num(s_end)), base)
        base = base.astype(np.int64)
        short = rng.random(n) < 0.35
        close = np.where(short, base + rng.integers(0, 21, n), base + rng.integers(60, 450, n))
        reason = np.where(short, rng.choice(["RC8", "RC9"], n, p=[0.6, 0.4]),
                          rng.choice(["RC8", "RC9", "RC5", "RC6", "RC7"], n,
                                     p=[0.7, 0.1, 0.08, 0.08, 0.04]))
        # referrals that led to a plan stay open while the plan is
        ref_of_plan = s47.set_index("s47_id").referral_id.reindex(plans.s47_id).to_numpy()
        has = ~np.isnan(ref_of_plan)
        rp = ref_of_plan[has].astype(np.int64)
        pe = plans.end.to_numpy()[has]
        close[rp] = np.where(pe == NONE, 10**9, pe + rng.integers(20, 200, len(rp)))
        nfa = r.nfa_date.to_numpy() != NONE
        close[nfa] = r.nfa_date.to_numpy()[nfa]
        reason[nfa] = "RC8"
        undecided = (r.fate.to_numpy() == 0)
        close[undecided] = r.referral_date.to_numpy()[undecided] + rng.integers(120, 400,
                                                                                 undecided.sum())
        r["closure"] = close
        r["closure_reason"] = reason
        r["min_close"] = base
        r["leads"] = False
        r.loc[rp, "leads"] = True

    def correct_cin(self, r: pd.DataFrame, plans: pd.DataFrame, plan_person: np.ndarray,
                    periods: pd.DataFrame, period_person: np.ndarray) -> None:
        """Make the children-in-need count at each targeted period end exact, by closing
        open cases within the quarter or keeping closed ones open past its end; changes stay
        after the previous targeted period end, so earlier counts are kept."""
        rng, q = self.rng, self.q
        targets = q[q.cin_stock.notna()]
        e_prev = -10**9
        for i, row in targets.iterrows():
            e = int(row.end)
            drop = e + 14
            st, en = plans.start.to_numpy(), plans.end.to_numpy()
            cp = plan_person[(st <= e) & ((en == NONE) | (en > e)) & (plans.rec.to_numpy() <= drop)]
            ps, pe = periods.start.to_numpy(), periods.end.to_numpy()
            cic = period_person[(ps <= e) & ((pe == NONE) | (pe > e))]
            excluded = np.union1d(cp, cic)
            nfa = (r.nfa_date.to_numpy() != NONE) & (r.nfa_date.to_numpy() <= drop)
            qual = ~nfa & (r.referral_date.to_numpy() <= e)
            open_ = qual & (r.closure.to_numpy() > e)
            per = r.person.to_numpy()
            counted = np.setdiff1d(np.unique(per[open_]), excluded)
            diff = int(row.cin_stock) - len(counted)
            adjustable = (r.fate.to_numpy() == 2) & ~r.leads.to_numpy()
            if diff < 0:
                n_open = pd.Series(per[open_]).value_counts()
                single = n_open.index[n_open.to_numpy() == 1].to_numpy()
                lo = np.maximum.reduce([np.full(len(r), e_prev), r.min_close.to_numpy(),
                                        r.referral_date.to_numpy()])
                cand = np.flatnonzero(open_ & adjustable & np.isin(per, single)
                                      & ~np.isin(per, excluded) & (lo < e))
                take = _pick(cand, -diff, rng)
                r.iloc[take, r.columns.get_loc("closure")] = lo[take] + 1 + (
                    rng.random(len(take)) * (e - lo[take])).astype(np.int64)
            elif diff > 0:
                cand = np.flatnonzero(qual & adjustable & (r.closure.to_numpy() > e_prev)
                                      & (r.closure.to_numpy() <= e)
                                      & ~np.isin(per, counted) & ~np.isin(per, excluded))
                cand = cand[~pd.Series(per[cand]).duplicated().to_numpy()]
                take = _pick(cand, diff, rng)
                r.iloc[take, r.columns.get_loc("closure")] = e + rng.integers(20, 200, len(take))
            self.note("children in need", i, int(row.cin_stock),
                      int(row.cin_stock) - diff + (len(take) if diff else 0) * np.sign(diff))
            e_prev = e

    # ---------------------------------------------------------------- CAFs
    def cafs(self, contacts: pd.DataFrame, r: pd.DataFrame) -> pd.DataFrame:
        """CAF assessments by quarter and initiating agency, and whose child each is
        (a RAISE person, or -1 for a child social care never saw)."""
        rng, wd, q = self.rng, self.wd, self.q
        ag = self.plan.agencies
        counts = ag.to_numpy().astype(int)
        qi = np.repeat(np.repeat(np.arange(len(q)), counts.shape[1]), counts.ravel())
        agency = np.tile(ag.columns.to_numpy(dtype=object), len(q))
        agency = np.repeat(agency, counts.ravel())
        qs, qe = q.start.to_numpy()[qi], q.end.to_numpy()[qi]
        start = wd.at(_uniform_pos(wd.first_pos(qs), wd.last_pos(qe), rng))
        c = pd.DataFrame({"q": qi, "agency": agency, "start": start,
                          "closure": start + rng.integers(60, 420, len(qi)),
                          "person": NONE})
        c = c.sort_values("start", kind="stable").reset_index(drop=True)
        linked = np.zeros(len(c), dtype=bool)
        cl = contacts[(contacts.cat == 0) & ~contacts.late]
        for i, row in q.iterrows():
            k = int(row.cl_caf)
            if k <= 0:
                continue
            qs_i = int(row.start)
            mine = cl[cl.q == i]
            pick = _pick(np.arange(len(mine)), k, rng)
            cand = np.flatnonzero(~linked & (c.start.to_numpy() < qs_i - 7)
                                  & (c.start.to_numpy() >= qs_i - 240))
            cafs = _pick(cand, len(pick), rng)
            self.note("closed-and-logged contacts with an active CAF", i, k, len(cafs))
            pick = pick[: len(cafs)]
            linked[cafs] = True
            c.iloc[cafs, c.columns.get_loc("person")] = mine.person.to_numpy()[pick]
            cdate = mine.contact_date.to_numpy()[pick]
            c.iloc[cafs, c.columns.get_loc("closure")] = np.maximum(
                c.closure.to_numpy()[cafs], cdate + rng.integers(14, 200, len(cafs)))
        # Step down to early help: a CAF starting within 30 days of an RC9 closure.
        rc9 = r[(r.closure_reason == "RC9") & (rng.random(len(r)) < 0.3)]
        starts = c.start.to_numpy()
        j = np.searchsorted(starts, rc9.closure.to_numpy(), side="left")
        ok = (j < len(c))
        j, persons = j[ok], rc9.person.to_numpy()[ok]
        ok = (starts[j] <= rc9.closure.to_numpy()[ok] + 30) & ~linked[j]
        j, persons = j[ok], persons[ok]
        j, first = np.unique(j, return_index=True)
        c.iloc[j, c.columns.get_loc("person")] = persons[first]
        linked[j] = True
        # Some other CAF children are children social care knows; most are not.
        rest = np.flatnonzero(~linked & (rng.random(len(c)) < 0.3))
        known = r.person.to_numpy()
        c.iloc[rest, c.columns.get_loc("person")] = known[rng.integers(0, len(known), len(rest))]
        c["closure_reason"] = np.where(rng.random(len(c)) < 0.6, "Outcomes achieved",
                                       rng.choice(["Stepped up to social care", "Moved away",
                                                   "Family withdrew consent",
                                                   "Transferred to another agency"], len(c)))
        return c

    # ---------------------------------------------------------------- the whole history
    def build(self) -> dict[str, pd.DataFrame]:
        contacts = self.contacts()
        r = self.referrals(contacts)
        a = self.assessments(r)
        s47, conf = self.s47_and_conferences(r, a)
        plans = self.plans(conf)
        reviews = self.reviews(plans)
        person_of_ref, plan_person = self.assign_people(r, plans, s47)
        r["person"] = person_of_ref
        n_people = int(max(person_of_ref.max(initial=-1), plan_person.max(initial=-1))) + 1
        cl = contacts.cat.to_numpy() == 0
        contacts["person"] = NONE
        contacts.loc[~cl, "person"] = r.person.to_numpy()
        contacts.loc[cl, "person"] = n_people + np.arange(cl.sum())
        n_people += int(cl.sum())
        periods, episodes, leavers = self.children_in_care()
        period_person = n_people + np.arange(len(periods))
        n_people += len(periods)
        self.close_referrals(r, a, s47, plans, plan_person)
        self.correct_cin(r, plans, plan_person, periods, period_person)
        caf = self.cafs(contacts, r)
        return {"contacts": contacts, "referrals": r, "assessments": a, "s47": s47,
                "conferences": conf, "plans": plans, "plan_person": plan_person,
                "reviews": reviews, "periods": periods, "period_person": period_person,
                "episodes": episodes, "leavers": leavers, "caf": caf,
                "n_people": pd.DataFrame({"n": [n_people]})}
