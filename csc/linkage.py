"""Link CAF children to RAISE persons.

The CAF database has its own child ids; a RAISE person id is recorded only for some
children. Each refresh links the CAF children of each new extract to RAISE persons:

1. **raise_id**: the CAF record carries a RAISE person id that exists in RAISE.
2. **clerical**: a person confirmed (or rejected) by a human in the decisions file, from an
   earlier run's clerical-review list.
3. **probabilistic**: Splink (DuckDB backend) on forename, surname, date of birth and
   postcode, with fuzzy (Jaro-Winkler), phonetic (metaphone) and nickname comparisons of
   names, day/month transpositions and one-character typos of dates of birth, and postcode
   sector/district levels. m and u are trained on the data (u by random sampling, m by
   expectation maximisation) once per batch of LAs and stored; later extracts are scored
   with the stored model until the batch's inputs drift (docs/linkage.md); a pair links
   above `match_threshold`; pairs between `review_threshold` and it go to the
   clerical-review list.

Results (in the work database, read by dbt as sources):
    linkage.caf_person_links   la_code, caf_child_id, person_id, match_probability, link_method
    linkage.caf_person_link_versions
                               the same links with their history: valid_from (the extract
                               whose records made the link; the first extract's links hold
                               from the start of history) and valid_to (the extract on
                               which it was dropped or changed).
                               dbt reads the links in force on each extract date, so a
                               figure computed on an old extract keeps the links it had.
    linkage.clerical_review    borderline pairs for a human to confirm
    linkage.la_inputs          per LA: its batch and input fingerprint at the last run
    linkage.models             per batch: its trained model (Splink settings with m and u),
                               scored with until its inputs drift (StoredModel.drift)
    meta.linkage_runs          one row per extract linked: links by method, batches relinked, and
                               precision / recall where a ground-truth mapping is
                               supplied (generated data)
The tables are created (and migrated) by csc.workdb.

A run links every extract loaded since the extract the previous run linked, one at a time
and each as it stood on its date (`raw.*` as at that date), so a backfill of many drops
leaves the links that one run per drop would have left: a figure as first reported uses
only what was known on its extract, however the drops arrived.
"""

from __future__ import annotations

import csv
import gc
import hashlib
import inspect
import json
import logging
import os
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb
import jellyfish
import pandas as pd

from csc.config import PROJECT_DIR, limit_memory
from csc.workdb import HISTORY_START

log = logging.getLogger(__name__)

NICKNAMES_FILE = PROJECT_DIR / "seeds" / "forename_nicknames.csv"
DECISION_COLUMNS = ["la_code", "caf_child_id", "person_id", "decision"]


@dataclass(frozen=True)
class LinkageConfig:
    # A pair links when the model finds it more likely than not: a missed link and a false
    # one cost a count measure the same. Siblings (same surname and address, their own
    # forename and date of birth) score near 0, so this does not link them; the pairs it
    # adds over 0.9 are same-name children with day and month of birth transposed who
    # moved house (docs/linkage.md).
    match_threshold: float = 0.5
    review_threshold: float = 0.2
    # Share of records EM trains on; small LAs need all of them.
    em_record_sample_proportion: float = 1.0
    seed: int = 808


@dataclass
class LinkageResult:
    caf_children: int = 0
    links_by_method: dict[str, int] = field(default_factory=dict)
    review_pairs: int = 0
    batches: int = 0
    batches_linked: int = 0  # summed over the extracts linked
    batches_trained: int = 0  # of those, batches whose model was trained (summed)
    extracts_linked: int = 0  # extracts linked by this run, each as at its date
    precision: float | None = None
    recall: float | None = None
    seconds: float = 0.0

    @property
    def links(self) -> int:
        return sum(self.links_by_method.values())


def linkage_match_threshold() -> float:
    """The match threshold: CSC_LINKAGE_THRESHOLD, or LinkageConfig's default."""
    return float(os.environ.get("CSC_LINKAGE_THRESHOLD", LinkageConfig.match_threshold))


def linkage_needed(work_db: Path, decisions_file: Path, new_drops: bool) -> bool:
    """Link again when drops were loaded, the decisions file changed since the last
    linkage, or nothing has been linked yet."""
    if new_drops:
        return True
    with duckdb.connect(str(work_db)) as con:
        last = con.execute("select max(linked_at) from meta.linkage_runs").fetchone()[0]
    if last is None:
        return True
    return decisions_file.exists() and (
        datetime.fromtimestamp(decisions_file.stat().st_mtime) > last)


def load_nicknames(path: Path = NICKNAMES_FILE) -> dict[str, str]:
    with path.open(newline="", encoding="utf-8") as fh:
        return {row["nickname"]: row["forename"] for row in csv.DictReader(fh)}


def _phonetic(values: pd.Series) -> pd.Series:
    """Metaphone of each value, computed once per distinct value."""
    codes = {v: jellyfish.metaphone(v) if v else None for v in values.dropna().unique()}
    return values.map(codes)


def forename_spellings(nicknames: dict[str, str]) -> dict[str, list[str]]:
    """Every spelling the nickname table knows for a formal forename, the formal one
    included: william -> [bill, billy, will, william, ...]."""
    spellings: dict[str, set[str]] = {}
    for nickname, formal in nicknames.items():
        spellings.setdefault(formal, {formal}).add(nickname)
    return {formal: sorted(names) for formal, names in spellings.items()}


def standardise(frame: pd.DataFrame, nicknames: dict[str, str]) -> pd.DataFrame:
    """Comparison columns for Splink from forename, surname, date_of_birth, postcode."""
    out = pd.DataFrame({"unique_id": frame["la_code"] + "|" + frame["record_id"],
                        "la_code": frame["la_code"], "record_id": frame["record_id"]})
    for name in ("forename", "surname"):
        std = frame[name].fillna("").str.lower().str.replace(r"[^a-z]", "", regex=True)
        out[name] = std.where(std != "", None)
    # Per distinct forename, not per row: a million RAISE persons have a few thousand.
    forenames = out["forename"].dropna().unique()
    canonical = {f: nicknames.get(f, f) for f in forenames}
    out["forename_canonical"] = out["forename"].map(canonical)
    # The other spellings of the same forename, so that a slip in a nickname ("mkie" for
    # mike, i.e. michael) is one keystroke from one of them.
    spellings = forename_spellings(nicknames)
    spelt = out["forename"].map(
        {f: sorted({f, *spellings.get(canonical[f], [canonical[f]])}) for f in forenames})
    out["forename_spellings"] = [x if isinstance(x, list) else None for x in spelt]
    out["forename_phonetic"] = _phonetic(out["forename_canonical"])
    out["surname_phonetic"] = _phonetic(out["surname"])
    dob = frame["date_of_birth"].where(frame["date_of_birth"].str.len() == 10)
    out["date_of_birth"] = dob
    out["birth_year"] = dob.str[:4]
    # Year with day and month in either order: the same for a date and its transposition.
    month, day = dob.str[5:7], dob.str[8:10]
    in_order = month <= day
    out["birth_date_unordered"] = (out["birth_year"] + "-" + month.where(in_order, day)
                                   + day.where(in_order, month))
    postcode = frame["postcode"].fillna("").str.upper().str.replace(" ", "", regex=False)
    out["postcode"] = postcode.where(postcode.str.len() >= 5)
    # Outward code = all but the last three characters; sector adds the inward digit.
    out["postcode_district"] = out["postcode"].str[:-3]
    out["postcode_sector"] = out["postcode"].str[:-2]
    return out


def _one_slip_from_a_spelling(side: str, other: str) -> str:
    """SQL: the `side` record's forename is one keystroke (Damerau-Levenshtein 1) from a
    spelling of the `other` record's forename."""
    return (f"length(list_filter(forename_spellings_{other}, "
            f"lambda x: damerau_levenshtein(x, forename_{side}) <= 1)) > 0")


def _settings(probability_two_random_records_match: float):
    """Splink settings: four comparisons whose levels are the ways a re-keyed child's
    details differ from the original, and blocking rules that only pair records of one LA.
    """
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    forename = cl.CustomComparison(
        output_column_name="forename",
        comparison_levels=[
            cll.NullLevel("forename"),
            cll.ExactMatchLevel("forename"),
            cll.ExactMatchLevel("forename_canonical").configure(label_for_charts="nickname"),
            cll.CustomLevel(
                f"({_one_slip_from_a_spelling('l', 'r')}) or "
                f"({_one_slip_from_a_spelling('r', 'l')})",
                label_for_charts="one keystroke from a spelling of the other"),
            cll.JaroWinklerLevel("forename", 0.92),
            cll.ExactMatchLevel("forename_phonetic").configure(label_for_charts="phonetic"),
            cll.ElseLevel(),
        ],
    )
    surname = cl.CustomComparison(
        output_column_name="surname",
        comparison_levels=[
            cll.NullLevel("surname"),
            cll.ExactMatchLevel("surname"),
            cll.DamerauLevenshteinLevel("surname", 1),
            cll.JaroWinklerLevel("surname", 0.92),
            cll.ExactMatchLevel("surname_phonetic").configure(label_for_charts="phonetic"),
            cll.ElseLevel(),
        ],
    )
    dob_transposed = cll.CustomLevel(
        "substr(date_of_birth_l, 1, 4) = substr(date_of_birth_r, 1, 4) "
        "and substr(date_of_birth_l, 6, 2) = substr(date_of_birth_r, 9, 2) "
        "and substr(date_of_birth_l, 9, 2) = substr(date_of_birth_r, 6, 2)",
        label_for_charts="day and month transposed",
    )
    date_of_birth = cl.CustomComparison(
        output_column_name="date_of_birth",
        comparison_levels=[
            cll.NullLevel("date_of_birth"),
            cll.ExactMatchLevel("date_of_birth"),
            dob_transposed,
            cll.DamerauLevenshteinLevel("date_of_birth", 1),
            cll.ElseLevel(),
        ],
    )
    postcode = cl.CustomComparison(
        output_column_name="postcode",
        comparison_levels=[
            cll.NullLevel("postcode"),
            cll.ExactMatchLevel("postcode"),
            cll.DamerauLevenshteinLevel("postcode", 1),
            cll.ExactMatchLevel("postcode_sector"),
            cll.ExactMatchLevel("postcode_district"),
            cll.ElseLevel(),
        ],
    )
    return SettingsCreator(
        link_type="link_only",
        unique_id_column_name="unique_id",
        probability_two_random_records_match=probability_two_random_records_match,
        comparisons=[forename, surname, date_of_birth, postcode],
        # Only pairs within one LA, and only where a match can hide: the same date of birth
        # or its day/month transposition; names that sound alike and the same birth year
        # (any other slip in the date); the same postcode (names and date both re-keyed).
        # Broader blocks (phonetic surname and year alone) score millions of pairs in a
        # large LA for no links they do not already find.
        blocking_rules_to_generate_predictions=[
            block_on("la_code", "birth_date_unordered"),
            block_on("la_code", "forename_phonetic", "surname_phonetic", "birth_year"),
            block_on("la_code", "postcode"),
        ],
        retain_intermediate_calculation_columns=False,
        additional_columns_to_retain=["la_code", "record_id"],
    )


def prior_match_probability(persons: pd.DataFrame, children: pd.DataFrame,
                            recall: float = 0.6) -> float:
    """The probability that a CAF child and a RAISE person of the same LA are one child.

    Counted like Splink's `estimate_probability_two_random_records_match` (pairs that
    agree on LA, forename or its nickname, surname and date of birth, scaled up for the
    matches that rule misses) but divided by the pairs within an LA, not by all pairs:
    pairs across LAs are never compared, so with 20 LAs Splink's figure would be about
    20 times too small and links would be missed."""
    keys = ["la_code", "forename_canonical", "surname", "date_of_birth"]
    agreeing = persons.dropna(subset=keys).groupby(keys).size().rename("n_raise").to_frame() \
        .join(children.dropna(subset=keys).groupby(keys).size().rename("n_caf"), how="inner")
    matches = float((agreeing["n_raise"] * agreeing["n_caf"]).sum()) / recall
    per_la = persons.groupby("la_code").size().rename("n_raise").to_frame().join(
        children.groupby("la_code").size().rename("n_caf"), how="inner")
    pairs = float((per_la["n_raise"] * per_la["n_caf"]).sum())
    if pairs == 0:
        return 1e-6
    return min(max(matches / pairs, 1e-9), 0.5)


def probabilistic_links(persons: pd.DataFrame, children: pd.DataFrame,
                        config: LinkageConfig, model: dict | None = None
                        ) -> tuple[pd.DataFrame, dict | None]:
    """Scored candidate pairs (caf_child_id, person_id, match_probability) above the
    review threshold, and the model that scored them (Splink's settings with m and u, as
    `linker.misc.save_model_to_json()` gives them; None when there was nothing to score).

    With `model` (a model trained on an earlier extract of the same LAs, `stored_model`)
    the pairs are scored with its m and u, not trained again; the prior (the probability
    that two records of one LA are one child) is counted on these records either way, as
    training would count it (`prior_match_probability`)."""
    columns = ["la_code", "caf_child_id", "person_id", "match_probability"]
    if persons.empty or children.empty:
        return pd.DataFrame(columns=columns), None
    # Splink's own in-memory DuckDB, under the warehouse's memory cap (without it DuckDB
    # may take 80% of RAM: 14 GB resident on 152 LAs), and closed when the batch is done:
    # left to the garbage collector, each batch's database stayed resident (9.2 GB after
    # seven batches of the national benchmark).
    connection = duckdb.connect()
    try:
        limit_memory(connection)
        if model is None:
            linker = trained_linker(persons, children, config, connection)
        else:
            linker = stored_linker(persons, children, model, connection)
        scored = linker.inference.predict(
            threshold_match_probability=config.review_threshold).as_pandas_dataframe()
        used = linker.misc.save_model_to_json()
        del linker
    finally:
        connection.close()
        gc.collect()
    if scored.empty:
        return pd.DataFrame(columns=columns), used
    caf_left = scored["source_dataset_l"] == "caf"
    return pd.DataFrame({
        "la_code": scored["la_code_l"],
        "caf_child_id": scored["record_id_l"].where(caf_left, scored["record_id_r"]),
        "person_id": scored["record_id_r"].where(caf_left, scored["record_id_l"]),
        "match_probability": scored["match_probability"],
    }), used


def stored_linker(persons: pd.DataFrame, children: pd.DataFrame, model: dict,
                  connection: duckdb.DuckDBPyConnection):
    """A Splink linker of standardised RAISE persons and CAF children on `connection`
    scoring with a stored model's m and u (no training), with the prior counted on these
    records."""
    from splink import DuckDBAPI, Linker

    db_api = DuckDBAPI(connection=connection)
    raise_sdf = db_api.register(persons, dataset_display_name="raise")
    caf_sdf = db_api.register(children, dataset_display_name="caf")
    settings = {**model, "probability_two_random_records_match":
                prior_match_probability(persons, children)}
    return Linker([raise_sdf, caf_sdf], settings, log_level=40)


def trained_linker(persons: pd.DataFrame, children: pd.DataFrame, config: LinkageConfig,
                   connection: duckdb.DuckDBPyConnection):
    """A Splink linker of standardised RAISE persons and CAF children on `connection` (an
    in-memory DuckDB), its m and u trained on them. (Also for looking at the model:
    `linker.misc.save_model_to_json()`.)
    """
    from splink import DuckDBAPI, Linker, block_on

    db_api = DuckDBAPI(connection=connection)
    raise_sdf = db_api.register(persons, dataset_display_name="raise")
    caf_sdf = db_api.register(children, dataset_display_name="caf")
    linker = Linker([raise_sdf, caf_sdf], _settings(prior_match_probability(persons, children)),
                    log_level=40)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=config.seed)
    # m by EM on two blockings, each leaving the other fields free to be estimated: same
    # date of birth (names and postcode vary) and same name (date of birth and postcode
    # vary). Not on same postcode: there, siblings (same surname and address, their own
    # forename and date of birth) are so many that EM takes them for matches and learns
    # that a different date of birth says little.
    for rule in (block_on("la_code", "date_of_birth"),
                 block_on("la_code", "forename_canonical", "surname")):
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, record_sample_proportion=config.em_record_sample_proportion)
    return linker


def read_decisions(path: Path | None) -> pd.DataFrame:
    """Clerical decisions: la_code, caf_child_id, person_id, decision (match | non_match)."""
    if path is None or not path.exists():
        return pd.DataFrame(columns=DECISION_COLUMNS)
    decisions = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in DECISION_COLUMNS if c not in decisions.columns]
    if missing:
        raise ValueError(f"{path}: missing column(s) {', '.join(missing)}")
    bad = decisions[~decisions["decision"].isin(["match", "non_match"])]
    if not bad.empty:
        row = int(bad.index[0]) + 2
        raise ValueError(f"{path}, row {row}, column decision: {bad.iloc[0]['decision']!r} "
                         "is not 'match' or 'non_match'")
    return decisions[DECISION_COLUMNS]


def linkage_batch_records() -> int:
    """Most records (RAISE persons plus CAF children) linked in one Splink job:
    CSC_LINKAGE_BATCH_RECORDS, default 1,500,000 (about 3 GB resident)."""
    return int(os.environ.get("CSC_LINKAGE_BATCH_RECORDS", "1500000"))


def la_batches(sizes: dict[str, int], limit: int) -> list[list[str]]:
    """LAs grouped into batches of at most `limit` records, largest LA first; an LA larger
    than the limit is a batch of its own (a child only ever links within its LA, so an LA
    is never split)."""
    batches: list[list[str]] = []
    totals: list[int] = []
    for la in sorted(sizes, key=lambda la: (-sizes[la], la)):
        for i, total in enumerate(totals):
            if total + sizes[la] <= limit:
                batches[i].append(la)
                totals[i] += sizes[la]
                break
        else:
            batches.append([la])
            totals.append(sizes[la])
    return [sorted(batch) for batch in batches]


AS_AT = "_valid_from <= $as_at and (_valid_to is null or _valid_to > $as_at)"


def _as_at(as_at) -> dict:
    """The parameter of AS_AT: the versions in force on `as_at` (None: the current ones,
    those with no _valid_to)."""
    return {"as_at": as_at or date(9999, 12, 31)}


def _link_batch(con: duckdb.DuckDBPyConnection, las: list[str], nicknames: dict[str, str],
                decisions: pd.DataFrame, config: LinkageConfig, as_at=None,
                model: dict | None = None
                ) -> tuple[pd.DataFrame, pd.DataFrame, int, dict | None]:
    """Links and clerical-review pairs of the CAF children of `las` as the records stood
    on `as_at`, scored with `model` when given (else trained on them): (links, review,
    children, the model used)."""
    persons = con.execute(f"""
        select la_code, person_id as record_id, forename, surname, date_of_birth, postcode
        from raw.persons where {AS_AT} and list_contains($las, la_code)""",
                          {**_as_at(as_at), "las": las}).df()
    children = con.execute(f"""
        select la_code, caf_child_id as record_id, forename, surname, date_of_birth,
               postcode, raise_person_id
        from raw.caf_children where {AS_AT} and list_contains($las, la_code)""",
                           {**_as_at(as_at), "las": las}).df()
    decisions = decisions[decisions["la_code"].isin(las)]

    known = set(zip(persons["la_code"], persons["record_id"], strict=True))
    has_id = [(la, pid) in known for la, pid in
              zip(children["la_code"], children["raise_person_id"], strict=True)]
    by_id = children[has_id]
    links = [pd.DataFrame({"la_code": by_id["la_code"], "caf_child_id": by_id["record_id"],
                           "person_id": by_id["raise_person_id"], "match_probability": 1.0,
                           "link_method": "raise_id"})]

    confirmed = decisions[decisions["decision"] == "match"]
    confirmed = confirmed[~confirmed.set_index(["la_code", "caf_child_id"]).index.isin(
        by_id.set_index(["la_code", "record_id"]).index)]
    links.append(pd.DataFrame({"la_code": confirmed["la_code"],
                               "caf_child_id": confirmed["caf_child_id"],
                               "person_id": confirmed["person_id"], "match_probability": 1.0,
                               "link_method": "clerical"}))

    decided = set(zip(confirmed["la_code"], confirmed["caf_child_id"], strict=True))
    rest = children[[not h and (la, cid) not in decided for h, la, cid in zip(
        has_id, children["la_code"], children["record_id"], strict=True)]]
    scored, used = probabilistic_links(standardise(persons, nicknames),
                                       standardise(rest, nicknames), config, model)
    rejected = set(zip(*[decisions.loc[decisions["decision"] == "non_match", c]
                         for c in ("la_code", "caf_child_id", "person_id")], strict=True))
    if rejected:
        keep = [(la, c, p) not in rejected for la, c, p in zip(
            scored["la_code"], scored["caf_child_id"], scored["person_id"], strict=True)]
        scored = scored[keep]
    best = (scored.sort_values("match_probability", ascending=False)
            .drop_duplicates(["la_code", "caf_child_id"]))
    links.append(best[best["match_probability"] >= config.match_threshold]
                 .assign(link_method="probabilistic"))
    review = best[best["match_probability"] < config.match_threshold]
    return pd.concat([f for f in links if not f.empty] or [links[0]], ignore_index=True), \
        review, len(children), used


MODEL_PARTS = ("standardise", "_settings", "prior_match_probability", "trained_linker",
               "stored_linker", "probabilistic_links", "_link_batch")


def _model_code_digest(parts: tuple[str, ...] = MODEL_PARTS) -> str:
    """Digest of the source of the model's functions. Taken once, when the module is
    imported: `inspect.getsource` reads the file on disk with the loaded code's line
    numbers, so taken later, after the file was edited (a checkout moving under a long
    refresh), it read shifted lines, and the next process, reading the same file, found
    another signature and relinked every batch (docs/linkage.md, "Why a national
    increment relinked every batch")."""
    digest = hashlib.sha256()
    for name in parts:
        digest.update(inspect.getsource(globals()[name]).encode())
    return digest.hexdigest()


MODEL_CODE_DIGEST = _model_code_digest()


def model_signature(config: LinkageConfig) -> str:
    """What a batch's links depend on besides its records: the model's code (as this
    process loaded it, MODEL_CODE_DIGEST), the nickname table and the configuration. A
    change to any of them relinks every batch and trains every batch's model again."""
    digest = hashlib.sha256(repr(config).encode())
    digest.update(NICKNAMES_FILE.read_bytes())
    digest.update(MODEL_CODE_DIGEST.encode())
    return digest.hexdigest()[:16]


def linkage_drift_share() -> float:
    """How far a batch's records (RAISE persons plus CAF children) may move from the
    count its stored model was trained on before the model is trained again:
    CSC_LINKAGE_DRIFT, a share, default 0.25 (a quarter more or fewer records)."""
    return float(os.environ.get("CSC_LINKAGE_DRIFT", "0.25"))


@dataclass(frozen=True)
class StoredModel:
    """A batch's trained model (linkage.models): Splink's settings with m and u, the
    model signature and the records it was trained on."""

    batch: str
    signature: str
    records: int
    trained_on: date | None
    settings: dict

    def drift(self, signature: str, records: int, share: float) -> str | None:
        """Why this model no longer fits the batch's inputs (None: it still does)."""
        if signature != self.signature:
            return "the model's code, configuration or nickname table changed"
        if self.records and abs(records - self.records) > share * self.records:
            return (f"{records:,} records against {self.records:,} when trained "
                    f"(more than {share:.0%} apart)")
        return None


def stored_models(con: duckdb.DuckDBPyConnection) -> dict[str, StoredModel]:
    """The stored model of each batch (by its LAs, comma-separated)."""
    return {batch: StoredModel(batch, signature, int(records), trained_on, json.loads(model))
            for batch, signature, records, trained_on, model in con.execute(
                "select batch, signature, records, trained_on, model from linkage.models"
            ).fetchall()}


def la_inputs(con: duckdb.DuckDBPyConnection, decisions: pd.DataFrame,
              signature: str, as_at=None) -> dict[str, tuple[int, int, str]]:
    """Per LA: (records, CAF children, fingerprint) as the records stood on `as_at`. The
    fingerprint is order-free (count, xor and sum of row hashes) over the fields linkage
    reads of the persons and CAF children, plus the LA's clerical decisions and the model
    signature: equal fingerprints mean the LA would link exactly as before."""
    rows = con.execute(f"""
        with persons as (
            select la_code, hash(person_id, forename, surname, date_of_birth, postcode) as h
            from raw.persons where {AS_AT}),
        children as (
            select la_code, hash(caf_child_id, forename, surname, date_of_birth, postcode,
                                 raise_person_id) as h
            from raw.caf_children where {AS_AT}),
        per_la as (
            select la_code, 'p' as side, count(*) as n, bit_xor(h) as x,
                   sum(h::hugeint) as s from persons group by la_code
            union all
            select la_code, 'c', count(*), bit_xor(h), sum(h::hugeint)
            from children group by la_code)
        select la_code,
               sum(n)::bigint,
               coalesce(sum(n) filter (where side = 'c'), 0)::bigint,
               string_agg(side || n || ':' || x || ':' || s, '|' order by side)
        from per_la group by la_code""", _as_at(as_at)).fetchall()
    decided = {la: hashlib.sha256(frame.sort_values(DECISION_COLUMNS).to_csv(
        index=False).encode()).hexdigest()[:16]
               for la, frame in decisions.groupby("la_code")}
    return {la: (int(n), int(c), f"{fp}|{decided.get(la, '')}|{signature}")
            for la, n, c, fp in rows}


def link_caf_children(work_db: Path, config: LinkageConfig | None = None,
                      decisions_file: Path | None = None,
                      truth_file: Path | None = None,
                      batch_records: int | None = None) -> LinkageResult:
    """Link CAF children to RAISE persons on every extract loaded since the last run, each
    as it stood on its date; write linkage.* tables.

    One extract a night links one; a backfill links its extracts one by one, oldest first,
    so it leaves the links (and their versions) a run per drop would have left
    (`_extracts_to_link`). On each extract, LAs are linked in batches of at most
    `batch_records` records (default `linkage_batch_records()`), each batch its own Splink
    model trained on its LAs, so memory follows the batch, not the nation. A batch whose
    LAs are the same as on the extract linked before, each with the same fingerprint
    (`la_inputs`), keeps its links: a nightly drop that changes no name, date of birth,
    postcode or RAISE id relinks nothing, and gives what a full relink would.

    Returns the last extract's links, review pairs and quality, with the batches relinked
    and the seconds of the whole run.
    """
    config = config or LinkageConfig()
    started = time.monotonic()
    nicknames = load_nicknames()
    decisions = read_decisions(decisions_file)
    signature = model_signature(config)
    with duckdb.connect(str(work_db), read_only=True) as con:
        extracts = _extracts_to_link(con)
    result = LinkageResult()
    batches_linked = batches_trained = 0
    for number, as_at in enumerate(extracts, 1):
        last = number == len(extracts)
        result = _link_extract(work_db, as_at, config, nicknames, decisions, signature,
                               truth_file if last else None, batch_records)
        batches_linked += result.batches_linked
        batches_trained += result.batches_trained
        if len(extracts) > 1:
            log.info("linked extract %d of %d (%s)", number, len(extracts), as_at)
    result.batches_linked = batches_linked
    result.batches_trained = batches_trained
    result.extracts_linked = len(extracts)
    result.seconds = round(time.monotonic() - started, 2)
    return result


def _extracts_to_link(con: duckdb.DuckDBPyConnection) -> list:
    """The extract dates this run links, oldest first: every drop loaded after the extract
    the previous run linked, or every drop loaded at the first run. None of them can have
    been built on yet (linkage runs before the build). With no newer drop (a rerun for new
    clerical decisions) the latest extract again, whose figures every build recomputes; with
    no drop table, the current records (None)."""
    has_drops = con.execute("""select count(*) from duckdb_tables() where schema_name = 'meta'
                               and table_name = 'loaded_drops'""").fetchone()[0]
    loaded = [d for (d,) in con.execute(
        "select extract_date from meta.loaded_drops order by 1").fetchall()] if has_drops else []
    if not loaded:
        return [None]
    previous = con.execute("""select extract_date from meta.linkage_runs
                              order by linked_at desc limit 1""").fetchone()
    if previous is None:
        return loaded
    if previous[0] is None:  # a run from before link versions linked the latest records
        return [loaded[-1]]
    return [d for d in loaded if d > previous[0]] or [loaded[-1]]


def _link_extract(work_db: Path, as_at, config: LinkageConfig, nicknames: dict[str, str],
                  decisions: pd.DataFrame, signature: str, truth_file: Path | None,
                  batch_records: int | None) -> LinkageResult:
    """Link the CAF children of one extract as they stood on `as_at` (None: the current
    records) and record it: links, versions dated on that extract, review pairs,
    fingerprints, one meta.linkage_runs row."""
    started = time.monotonic()
    links: list[pd.DataFrame] = []
    reviews: list[pd.DataFrame] = []
    with duckdb.connect(str(work_db)) as con:
        limit_memory(con)
        inputs = la_inputs(con, decisions, signature, as_at)
        before = {la: (batch, fp) for la, batch, fp in
                  con.execute("select la_code, batch, fingerprint from linkage.la_inputs")
                  .fetchall()}
        batches = la_batches({la: n for la, (n, _, _) in inputs.items()},
                             batch_records or linkage_batch_records())
        batch_of = {la: ",".join(las) for las in batches for la in las}
        models = stored_models(con)
        trained: list[StoredModel] = []
        relinked: list[str] = []
        for number, las in enumerate(batches, 1):
            if all(before.get(la) == (batch_of[la], inputs[la][2]) for la in las):
                continue
            batch, records = ",".join(las), sum(inputs[la][0] for la in las)
            stored = models.get(batch)
            drift = "no model stored for these LAs" if stored is None else \
                stored.drift(signature, records, linkage_drift_share())
            batch_links, batch_review, batch_children, used = _link_batch(
                con, las, nicknames, decisions, config, as_at,
                model=None if drift else stored.settings)
            if drift and used is not None:
                trained.append(StoredModel(batch, signature, records, as_at, used))
            links.append(batch_links)
            reviews.append(batch_review)
            relinked += las
            log.info("linkage batch %d of %d: %d LA(s), %d records, %d CAF children, "
                     "%d links; %s", number, len(batches), len(las), records,
                     batch_children, len(batch_links),
                     f"model trained ({drift})" if drift else "stored model")
        # Links kept from the last run: LAs of unchanged batches.
        kept = [la for la in inputs if la not in relinked]
        links.append(con.execute("""
            select la_code, caf_child_id, person_id, match_probability, link_method
            from linkage.caf_person_links where list_contains(?, la_code)""", [kept]).df())
        reviews.append(con.execute("""
            select la_code, caf_child_id, person_id, match_probability
            from linkage.clerical_review where list_contains(?, la_code)""", [kept]).df())
    columns = ["la_code", "caf_child_id", "person_id", "match_probability"]
    all_links = pd.concat([f for f in links if not f.empty] or
                          [pd.DataFrame(columns=[*columns, "link_method"])],
                          ignore_index=True)
    review = pd.concat([f for f in reviews if not f.empty] or
                       [pd.DataFrame(columns=columns)], ignore_index=True)
    children = sum(c for _, c, _ in inputs.values())
    inputs_frame = pd.DataFrame(
        [(la, batch_of[la], fp) for la, (_, _, fp) in inputs.items()],
        columns=["la_code", "batch", "fingerprint"])

    result = LinkageResult(
        caf_children=children,
        links_by_method={m: int((all_links["link_method"] == m).sum())
                         for m in ("raise_id", "clerical", "probabilistic")},
        review_pairs=len(review),
        batches=len(batches),
        batches_linked=len({batch_of[la] for la in relinked}),
        batches_trained=len(trained),
        extracts_linked=1,
    )
    if truth_file is not None:
        result.precision, result.recall = linkage_quality(all_links, pd.read_csv(
            truth_file, dtype=str, keep_default_na=False))
    result.seconds = round(time.monotonic() - started, 2)

    with duckdb.connect(str(work_db)) as con:
        con.execute("begin transaction")
        _version_links_replacing(con, all_links, _link_versions_since(con, as_at))
        con.execute("delete from linkage.clerical_review")
        con.register("review_frame", review)
        con.execute(f"""
            insert into linkage.clerical_review
            select r.la_code, r.caf_child_id, r.person_id, r.match_probability,
                   c.forename, c.surname, c.date_of_birth, c.postcode,
                   p.forename, p.surname, p.date_of_birth, p.postcode
            from review_frame r
            join (select * from raw.caf_children where {AS_AT}) c
                 on c.la_code = r.la_code and c.caf_child_id = r.caf_child_id
            join (select * from raw.persons where {AS_AT}) p
                 on p.la_code = r.la_code and p.person_id = r.person_id
            order by r.match_probability desc""", _as_at(as_at))
        con.execute("delete from linkage.la_inputs")
        con.register("inputs_frame", inputs_frame)
        con.execute("insert into linkage.la_inputs select * from inputs_frame")
        for model in trained:
            con.execute("delete from linkage.models where batch = ?", [model.batch])
            con.execute("""insert into linkage.models
                           values (?, ?, ?, ?, current_timestamp, ?)""",
                        [model.batch, model.signature, model.records, model.trained_on,
                         json.dumps(model.settings)])
        con.execute(
            """insert into meta.linkage_runs (linked_at, caf_children, links_raise_id,
                   links_clerical, links_probabilistic, review_pairs, match_threshold,
                   precision, recall, seconds, batches, batches_linked, extract_date,
                   batches_trained)
               values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [datetime.now(), result.caf_children, result.links_by_method["raise_id"],
             result.links_by_method["clerical"], result.links_by_method["probabilistic"],
             result.review_pairs, config.match_threshold, result.precision, result.recall,
             result.seconds, result.batches, result.batches_linked, as_at,
             result.batches_trained])
        con.execute("commit")
    log.info("linked %d of %d CAF children (%s) on extract %s; %d pairs for clerical "
             "review; %d of %d batches relinked (%d of them with a model trained again, "
             "the rest scored with their stored model), the others unchanged since the "
             "extract linked before", result.links, result.caf_children,
             result.links_by_method, as_at or "(current records)", result.review_pairs,
             result.batches_linked, result.batches, result.batches_trained)
    return result


def _version_links_replacing(con: duckdb.DuckDBPyConnection, all_links: pd.DataFrame,
                             since: str) -> None:
    """Replace linkage.caf_person_links with `all_links` and version the change on
    `since` (in the caller's transaction)."""
    con.execute("delete from linkage.caf_person_links")
    con.register("links_frame", all_links)
    con.execute("""insert into linkage.caf_person_links
                   select la_code, caf_child_id, person_id, match_probability, link_method
                   from links_frame""")
    _version_links(con, since)


def _link_versions_since(con: duckdb.DuckDBPyConnection, as_at) -> str:
    """valid_from for the links a run on extract `as_at` makes or changes: the start of
    history when no link has been made yet (the first extract's links hold for every
    earlier date), else the extract's own date. Every extract is linked in turn
    (`_extracts_to_link`) and none has been built on before it is linked, so nothing
    computed on an older extract sees a change. A rerun on the latest extract (new clerical
    decisions) dates its changes on it, whose figures every build recomputes."""
    if as_at is None or \
            con.execute("select count(*) = 0 from linkage.caf_person_link_versions").fetchone()[0]:
        return HISTORY_START
    return str(as_at)


def _version_links(con: duckdb.DuckDBPyConnection, since: str) -> None:
    """Bring linkage.caf_person_link_versions up to linkage.caf_person_links (just written,
    in the caller's transaction): close the versions of links no longer made on `since`,
    and open versions for new links from it (`_link_versions_since`). A link changed and
    changed back on the same date leaves no version that was never in force."""
    same = """v.la_code = l.la_code and v.caf_child_id = l.caf_child_id
              and v.person_id = l.person_id and v.link_method = l.link_method"""
    con.execute(f"""
        update linkage.caf_person_link_versions as v set valid_to = cast(? as date)
        where v.valid_to is null
          and not exists (select 1 from linkage.caf_person_links as l where {same})""",
                [since])
    con.execute("""delete from linkage.caf_person_link_versions
                   where valid_to is not null and valid_to <= valid_from""")
    con.execute(f"""
        insert into linkage.caf_person_link_versions
        select l.la_code, l.caf_child_id, l.person_id, l.match_probability, l.link_method,
               cast(? as date), null
        from linkage.caf_person_links as l
        where not exists (select 1 from linkage.caf_person_link_versions as v
                          where v.valid_to is null and {same})""", [since])


def linkage_quality(links: pd.DataFrame, truth: pd.DataFrame) -> tuple[float, float]:
    """Precision and recall of `links` against a true mapping (la_code, caf_child_id,
    person_id; an empty person_id means the child is not in RAISE)."""
    true_pairs = {(r.la_code, r.caf_child_id, r.person_id)
                  for r in truth.itertuples() if r.person_id}
    made = set(zip(links["la_code"], links["caf_child_id"], links["person_id"], strict=True))
    correct = len(made & true_pairs)
    precision = correct / len(made) if made else 1.0
    recall = correct / len(true_pairs) if true_pairs else 1.0
    return round(precision, 4), round(recall, 4)


def export_clerical_review(work_db: Path, path: Path) -> int:
    """Write the clerical-review list as CSV for a person to work through; confirmed or
    rejected pairs go into the decisions file (la_code, caf_child_id, person_id,
    decision = match | non_match), which the next run reads. Returns the pairs written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(work_db), read_only=True) as con:
        frame = con.execute(
            "select * from linkage.clerical_review order by match_probability desc").df()
    frame.insert(4, "decision", "")
    frame.to_csv(path, index=False)
    return len(frame)
