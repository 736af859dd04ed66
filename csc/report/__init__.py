"""The Cabinet report: Appendix 2 and Table 1 of the process-model report as a web page and
an Excel workbook, plus the performance-clinic view for managers, rendered from a published
warehouse file (opened read-only).

`render_report(...)` is the one entry point: `csc report` calls it, and so does the nightly
flow as its last step.
"""

from __future__ import annotations

import os
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
)
from csc.report.fixlist import read_fix_list
from csc.report.page import render_cabinet_html, render_clinic_html
from csc.report.periods import BadPeriod
from csc.report.tracker import read_tracker
from csc.report.workbook import write_workbook

__all__ = ["FIGURE_TABLES", "BadPeriod", "ReportFiles", "ReportInputError", "render_report"]


@dataclass(frozen=True)
class ReportFiles:
    """The files one rendering wrote."""

    html: Path  # the Cabinet report (Appendix 2 + Table 1)
    xlsx: Path  # the same tables as a workbook
    clinic: Path  # the performance-clinic view (teams, workers, First Contact tracker)
    period: str  # the reporting period rendered


def _write_text(path: Path, text: str) -> None:
    """Write beside the target then rename, so a reader never sees half a page."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def render_report(warehouse: Path, period: str | None, la_code: str, out_dir: Path,
                  figures: str = "as_reported") -> ReportFiles:
    """Render the Cabinet report, its workbook and the clinic view for `la_code` and
    `period` (default: the latest complete period in the file) into `out_dir`.

    Reads only the published warehouse (read-only). `figures` is `as_reported` (the
    figures as first reported to Cabinet, the default) or `restated` (latest extract).
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
