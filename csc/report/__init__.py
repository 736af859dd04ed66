"""The Cabinet report: Appendix 2 and Table 1 of the process-model report as a web page and
an Excel workbook, plus the performance-clinic view for managers, rendered from a published
warehouse file (opened read-only).

`render_report(...)` is the one entry point: `csc report` calls it, and so does the nightly
flow as its last step.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from csc.config import WarehousePaths
from csc.freshness import staleness_of
from csc.report.data import (
    FIGURE_TABLES,
    ReportInputError,
    connect_read_only,
    load_report_data,
    read_latest_extract,
)
from csc.report.fixlist import ISSUES, read_fix_list
from csc.report.page import render_cabinet_html, render_clinic_html
from csc.report.periods import BadPeriod
from csc.report.tracker import CONTACTS_FACT, MEASURE_RECORDS, TRACKER_MEASURE, read_tracker
from csc.report.workbook import write_workbook

__all__ = ["FIGURE_TABLES", "BadPeriod", "ReportFiles", "ReportInputError", "render_report",
           "render_changed_reports"]


@dataclass(frozen=True)
class ReportFiles:
    """The files one rendering wrote."""

    html: Path  # the Cabinet report (Appendix 2 + Table 1)
    xlsx: Path  # the same tables as a workbook
    clinic: Path  # the performance-clinic view (teams, workers, First Contact tracker)
    period: str  # the reporting period rendered
    rendered: bool = True  # False: kept from an earlier night (render_changed_reports)


def _write_text(path: Path, text: str) -> None:
    """Write beside the target then rename, so a reader never sees half a page."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def render_report(warehouse: Path, period: str | None, la_code: str, out_dir: Path,
                  figures: str = "as_reported", status: dict | None = None) -> ReportFiles:
    """Render the Cabinet report, its workbook and the clinic view for `la_code` and
    `period` (default: the latest complete period in the file) into `out_dir`.

    Reads only the published warehouse (read-only). `figures` is `as_reported` (the
    figures as first reported to Cabinet, the default) or `restated` (latest extract).
    `status`: the pages' banner and docs link when already worked out (`_status`).
    Raises ReportInputError / BadPeriod with a message naming what was wrong.
    """
    warehouse = Path(warehouse)
    out_dir = Path(out_dir)
    data = load_report_data(warehouse, period, la_code, figures)
    with connect_read_only(warehouse) as con:
        tracker = read_tracker(con, data.tables, la_code, data.period.label,
                               data.latest_extract)
        fixes = read_fix_list(con, la_code)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"{la_code}-{data.period.label.replace(' ', '-')}"
    suffix = "" if figures == "as_reported" else f"-{figures}"
    html = out_dir / f"cabinet-report-{stem}{suffix}.html"
    xlsx = out_dir / f"cabinet-report-{stem}{suffix}.xlsx"
    clinic = out_dir / f"performance-clinic-{stem}{suffix}.html"
    now = datetime.now()
    if status is None:
        status = _status(warehouse, out_dir, data.latest_extract)
    _write_text(html, render_cabinet_html(data, clinic.name, now, **status))
    _write_text(clinic, render_clinic_html(data, tracker, html.name, now, fixes, **status))
    tmp = xlsx.with_name(f".{xlsx.name}.tmp.xlsx")
    write_workbook(data, tmp)
    os.replace(tmp, xlsx)
    return ReportFiles(html=html, xlsx=xlsx, clinic=clinic, period=data.period.label)


def _status(warehouse: Path, out_dir: Path, latest_extract) -> dict:
    """The banner and the link every page carries: `stale`, the staleness of the latest
    extract when it is over the threshold (csc.freshness; today from csc.clock), and
    `docs_href`, the dbt docs site published beside the warehouse, relative to the pages
    (None when there is none)."""
    staleness = staleness_of(latest_extract) if latest_extract is not None else None
    docs = WarehousePaths(published=warehouse.resolve()).docs_index
    return {"stale": staleness if staleness is not None and staleness.stale else None,
            "docs_href": Path(os.path.relpath(docs, out_dir.resolve())).as_posix()
            if docs.is_file() else None}


def report_la_codes(warehouse: Path) -> list[str]:
    """The LAs a refresh renders reports for: CSC_REPORT_LAS (comma-separated) when set,
    otherwise every LA with figures in the published warehouse."""
    chosen = os.environ.get("CSC_REPORT_LAS", "").strip()
    if chosen:
        return [code.strip() for code in chosen.split(",") if code.strip()]
    with connect_read_only(Path(warehouse)) as con:
        rows = con.execute(
            "select distinct la_code from marts.measure_values order by la_code").fetchall()
    return [r[0] for r in rows]


# --- Rendering only the LAs whose published figures changed -------------------------------

# Every published table a report reads, with the rows of one LA it reads (None: the whole
# table, which every LA's report reads). tests/report checks that the report's code names
# no other table.
REPORT_TABLES: dict[str, str | None] = {
    "marts.measure_catalogue": None,
    "marts.measure_values": "la_code = $la",
    "marts.measure_values_as_reported": "la_code = $la",
    "marts.contact_outcomes_by_source": "la_code = $la",
    "marts.contact_outcomes_by_source_as_reported": "la_code = $la",
    "marts.measure_benchmarks": "la_code = $la",
    "marts.measure_availability": "la_code = $la",
    "marts.dim_teams": "la_code = $la",
    ISSUES: "la_code = $la",
    CONTACTS_FACT: "la_code = $la",
    MEASURE_RECORDS: f"la_code = $la and measure_id = '{TRACKER_MEASURE}'",
}
DIGESTS_FILE = ".report-digests.json"
REPORT_CODE = Path(__file__).parent


def _code_digest() -> str:
    """The report's own code and templates: a new version renders every page again."""
    digest = hashlib.sha256()
    for path in sorted(REPORT_CODE.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".j2", ".css", ".js", ".html"):
            digest.update(path.relative_to(REPORT_CODE).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def report_digests(warehouse: Path, la_codes: list[str], out_dir: Path
                   ) -> tuple[dict[str, str], dict]:
    """la_code -> a digest of everything its report shows but the refresh run's stamp and
    the time of rendering: its rows of every table in REPORT_TABLES (count and summed row
    hashes, in DuckDB), the whole of the tables every LA reads, which tables and columns
    the file has, the latest extract date, the staleness banner, the docs link and the
    report's code. Two nights with the same digest give the same figures on the page.
    Also the banner and docs link themselves (`_status`), which the pages are given."""
    with connect_read_only(Path(warehouse)) as con:
        shape = con.execute(
            """select schema_name, table_name, column_name, data_type from duckdb_columns()
               order by all""").fetchall()
        present = {f"{s}.{t}" for s, t, _, _ in shape}
        common: list[object] = [shape, _code_digest()]
        per_la: dict[str, list[object]] = {la: [] for la in la_codes}
        for table, where in REPORT_TABLES.items():
            if table not in present:
                continue
            if where is None:
                common.append((table, con.execute(
                    f"select count(*), sum(hash(t)::hugeint) from {table} as t").fetchone()))
                continue
            scoped = where.replace("la_code = $la and ", "").replace("la_code = $la", "true")
            common.append((table, con.execute(  # e.g. whether any LA has tracker rows
                f"select count(*) > 0 from {table} where {scoped}").fetchone()))
            rows = dict((r[0], r[1:]) for r in con.execute(
                f"""select la_code, count(*), sum(hash(t)::hugeint) from {table} as t
                    where {scoped} group by la_code""").fetchall())
            for la in la_codes:
                per_la[la].append((table, rows.get(la)))
        latest = read_latest_extract(con, present)
    status = _status(Path(warehouse), Path(out_dir), latest)
    common += [latest, status]
    return ({la: hashlib.sha256(repr((common, per_la[la])).encode()).hexdigest()
             for la in la_codes}, status)


def report_workers(todo: int) -> int:
    """How many processes render `todo` LAs' reports: one per core (CSC_REPORT_WORKERS
    sets another number), never more than there are LAs."""
    chosen = os.environ.get("CSC_REPORT_WORKERS", "").strip()
    workers = int(chosen) if chosen else (os.cpu_count() or 1)
    return max(1, min(workers, todo))


def _render_each(warehouse: Path, las: list[str], out_dir: Path, status: dict
                 ) -> dict[str, ReportFiles]:
    return {la: render_report(warehouse, None, la, out_dir, status=status) for la in las}


def render_worker() -> None:
    """A report-rendering process (`_render_all`): reads (answer file, warehouse, LAs,
    folder, status) pickled on stdin, renders those LAs' default reports and writes to the
    answer file, pickled, ("done", la -> ReportFiles) or ("failed", the exception)."""
    answer_path, *job = pickle.load(sys.stdin.buffer)
    try:
        answer = ("done", _render_each(*job))
    except Exception as exc:  # noqa: BLE001 - handed to the refresh's process, raised there
        answer = ("failed", exc)
    Path(answer_path).write_bytes(pickle.dumps(answer))


def _render_all(warehouse: Path, las: list[str], out_dir: Path, status: dict
                ) -> dict[str, ReportFiles]:
    """la -> the files of its default report, rendered by `report_workers` processes, each
    a share of the LAs: a report is Python work (templates, the workbook), one core each,
    and the build and publish are over by the time reports are rendered. Each is a new
    Python process (`render_worker`), not a fork of the refresh with its threads, nor a
    multiprocessing child, which would import the caller's main script again. The banner
    is worked out once here, so every page says the same, on this process's clock. One
    LA, or one worker, renders in this process."""
    workers = report_workers(len(las))
    if workers == 1:
        return _render_each(warehouse, las, out_dir, status)
    command = [sys.executable, "-c", "from csc.report import render_worker; render_worker()"]
    rendered: dict[str, ReportFiles] = {}
    failures: list[BaseException] = []
    with tempfile.TemporaryDirectory(prefix="csc-reports-") as scratch:
        running = []
        for n in range(workers):
            answer, output = Path(scratch) / f"{n}.answer", Path(scratch) / f"{n}.output"
            with output.open("wb") as out:
                process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=out,
                                           stderr=subprocess.STDOUT)
            process.stdin.write(pickle.dumps((str(answer), warehouse, las[n::workers],
                                              out_dir, status)))
            process.stdin.close()
            running.append((process, answer, output))
        for process, answer, output in running:
            process.wait()
            if process.returncode != 0 or not answer.is_file():
                said = output.read_text(errors="replace").strip()[-2000:]
                failures.append(RuntimeError(f"a report-rendering process ended with code "
                                             f"{process.returncode}: {said}"))
                continue
            kind, value = pickle.loads(answer.read_bytes())
            if kind == "failed":
                failures.append(value)
            else:
                rendered.update(value)
    if failures:
        raise failures[0]
    return {la: rendered[la] for la in las}


def render_changed_reports(warehouse: Path, la_codes: list[str], out_dir: Path
                           ) -> list[ReportFiles]:
    """Render the default reports of `la_codes` into `out_dir`, skipping an LA whose
    report digest (report_digests) is the one its files were rendered from and whose files
    are all there: those pages already show the same figures. A first run, a missing file
    or a changed digest renders the LA. The digests are kept in `out_dir/DIGESTS_FILE`,
    written after the pages (a page rendered without its digest recorded is rendered
    again next time, never skipped on a stale digest). A skipped LA's page keeps the run
    stamp of the refresh that rendered it."""
    out_dir = Path(out_dir)
    digests, status = report_digests(warehouse, la_codes, out_dir)
    record_path = out_dir / DIGESTS_FILE
    try:
        record = json.loads(record_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        record = {}
    kept_files: dict[str, ReportFiles] = {}
    for la in la_codes:
        kept = record.get(la) or {}
        if kept.get("digest") != digests[la]:
            continue
        files = ReportFiles(*(out_dir / kept[k] for k in ("html", "xlsx", "clinic")),
                            period=kept["period"], rendered=False)
        if all(f.is_file() for f in (files.html, files.xlsx, files.clinic)):
            kept_files[la] = files
    out_dir.mkdir(parents=True, exist_ok=True)
    if any(la not in kept_files for la in la_codes):
        # Forget the digests of the LAs about to be rendered first: a page rewritten by a
        # rendering that then fails is never taken later for the one its old digest described.
        record = {la: entry for la, entry in record.items() if la not in digests
                  or la in kept_files}
        _write_text(record_path, json.dumps(record, indent=1, sort_keys=True))
    rendered = _render_all(Path(warehouse), [la for la in la_codes if la not in kept_files],
                           out_dir, status)
    for la, files in rendered.items():
        record[la] = {"digest": digests[la], "html": files.html.name,
                      "xlsx": files.xlsx.name, "clinic": files.clinic.name,
                      "period": files.period}
    _write_text(record_path, json.dumps(record, indent=1, sort_keys=True))
    return [kept_files[la] if la in kept_files else rendered[la] for la in la_codes]
