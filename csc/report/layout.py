"""The Appendix 2 layout as plain data, shared by the web page and the workbook.

Each measure of a section becomes a block of rows, as the July 2014 report prints them:

- a count (or a rate): one row, the number, and a struck-through % cell;
- a percentage in Inputs: one row, "Number / proportion": the numerator and the %;
- a percentage in Processes and Outputs: a Numerator row (number, %, arrow) and a
  Denominator row;
- consecutive percentages that are shares of one whole (same title before the colon, same
  denominator in their definitions, e.g. the four routes to permanence): one block with a
  row per share;
- a measure with a breakdown by initiating agency (CAF2s): the headline row, then a row per
  agency.

Every number cell remembers which column of the source table it shows (numerator,
denominator or value), so the tests can compare the page and the workbook with the table.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from csc.report.data import Figure, Measure, ReportData
from csc.report.periods import ReportingPeriod, report_columns

ARROWS = {"improved": "↑", "worsened": "↓", "same": "↔"}
DIRECTION_WORDS = {"improved": "improved", "worsened": "worsened",
                   "same": "no significant change"}
AGENCY_BREAKDOWN = "initiating_agency"
CLINIC_BREAKDOWNS = ("team", "worker")
# The caseload measures (seeds/process_model_measures.csv), shown by team on the clinic page.
OPEN_CASES = "open_cases_at_period_end"
UNALLOCATED_CASES = "unallocated_cases_at_period_end"
UNALLOCATED = "unallocated"  # measure_values' breakdown_value for no team / no worker


@dataclass(frozen=True)
class Cell:
    """One period's cells on one row: Number, % and the direction arrow."""

    period: str
    number: float | None = None
    number_field: str | None = None  # numerator | denominator | value
    percent: float | None = None
    percent_applies: bool = True  # False: the report's struck-through cell
    direction: str | None = None
    has_direction: bool = False  # only the row that carries the measure's arrow
    missing: bool = False  # no figure at all for this period

    @property
    def arrow(self) -> str:
        return ARROWS.get(self.direction or "", "")


@dataclass
class Row:
    measure_id: str
    label: str  # second column: Numerator / Denominator / a share / an agency
    kind: str  # single | numerator | denominator | share | breakdown
    unit: str
    cells: list[Cell]
    breakdown_by: str | None = None
    breakdown_value: str | None = None


@dataclass
class Block:
    """The rows of one measure (or one group of shares) under one title."""

    title: str
    measure_ids: list[str]
    quarter_only: bool
    rows: list[Row] = field(default_factory=list)
    note: str | None = None


@dataclass
class Section:
    key: str
    name: str
    blocks: list[Block]
    note: str | None = None


SECTION_NAMES = {"inputs": "Inputs", "processes": "Processes", "outputs": "Outputs",
                 "beyond": "Also tracked (asked for by the peer diagnostic)"}


def _cell(figure: Figure | None, period: ReportingPeriod, kind: str, unit: str,
          arrows: bool) -> Cell:
    label = period.label
    if figure is None:
        return Cell(label, missing=True, percent_applies=unit == "percent" and kind not in (
            "denominator",))
    if kind == "denominator":
        return Cell(label, figure.denominator, "denominator", percent_applies=False)
    if unit == "percent":
        return Cell(label, figure.numerator, "numerator", figure.value, True,
                    figure.direction, has_direction=arrows)
    field_name = "value" if unit == "rate_per_10k" else "numerator"
    number = figure.value if unit == "rate_per_10k" else figure.numerator
    return Cell(label, number, field_name, None, False, figure.direction,
                has_direction=arrows)


def _row(data: ReportData, measure: Measure, columns: list[ReportingPeriod], kind: str,
         label: str, breakdown_by: str | None = None,
         breakdown_value: str | None = None, arrows: bool | None = None) -> Row:
    """One row; arrows default to every row but the report's agency breakdown rows."""
    arrows = kind != "breakdown" if arrows is None else arrows
    cells = [_cell(data.figure(measure.measure_id, p.label, breakdown_by, breakdown_value),
                   p, kind, measure.unit, arrows) for p in columns]
    return Row(measure.measure_id, label, kind, measure.unit, cells, breakdown_by,
               breakdown_value)


def _title_prefix(title: str) -> tuple[str, str]:
    head, sep, tail = title.partition(":")
    return (head.strip(), tail.strip()) if sep else (title.strip(), "")


def _denominator_words(definition: str) -> str:
    return definition.split("; numerator")[0].strip().lower()


def _shares_of_one_whole(group: list[Measure]) -> bool:
    return (len(group) > 1 and all(m.unit == "percent" for m in group)
            and len({_denominator_words(m.definition) for m in group}) == 1)


def _group_measures(measures: list[Measure]) -> list[list[Measure]]:
    """Consecutive measures with the same title before the colon, kept together only if
    they are shares of one whole; everything else stands alone."""
    groups: list[list[Measure]] = []
    for measure in measures:
        prefix, tail = _title_prefix(measure.title)
        if groups and tail and _title_prefix(groups[-1][0].title)[0] == prefix:
            groups[-1].append(measure)
        else:
            groups.append([measure])
    result: list[list[Measure]] = []
    for group in groups:
        result.extend([group] if _shares_of_one_whole(group) else [[m] for m in group])
    return result


def _has_rows(data: ReportData, measure_id: str) -> bool:
    return any(k[0] == measure_id for k in data.figures)


NOT_AVAILABLE = "Not available from this source"


def not_available_note(data: ReportData, measure_id: str) -> str:
    """Why the LA's source gives no figure for a measure (marts.measure_availability)."""
    return f"{NOT_AVAILABLE}: {data.not_available[measure_id]}."


def measure_block(data: ReportData, group: list[Measure], columns: list[ReportingPeriod],
                  section: str) -> Block:
    first = group[0]
    quarter_only = all(m.period_kind == "quarter" for m in group)
    if len(group) > 1:
        title = _title_prefix(first.title)[0] + " – numbers / proportion"
        block = Block(title, [m.measure_id for m in group], quarter_only)
        for measure in group:
            block.rows.append(_row(data, measure, columns, "share",
                                   _title_prefix(measure.title)[1]))
    else:
        block = Block(first.title, [first.measure_id], quarter_only)
        if first.unit == "percent" and section != "inputs":
            block.rows.append(_row(data, first, columns, "numerator", "Numerator"))
            block.rows.append(_row(data, first, columns, "denominator", "Denominator"))
        else:
            agencies = data.breakdown_values(first.measure_id, AGENCY_BREAKDOWN)
            block.rows.append(_row(data, first, columns, "single",
                                   "All agencies" if agencies else ""))
        for agency in data.breakdown_values(first.measure_id, AGENCY_BREAKDOWN):
            block.rows.append(_row(data, first, columns, "breakdown", agency,
                                   AGENCY_BREAKDOWN, agency))
    missing = [m for m in group if not _has_rows(data, m.measure_id)]
    unavailable = [m for m in missing if m.measure_id in data.not_available]
    if unavailable:
        # the LA's source cannot give the figure: said, with what it lacks
        block.note = " ".join(not_available_note(data, m.measure_id) for m in unavailable)
        if len(missing) == len(group):
            block.rows = []
    elif len(missing) == len(group):
        block.rows = []  # the title keeps its place; one line says why it has no numbers
        block.note = f"No figures in {data.figures_table} yet."
    elif missing:
        block.note = "No figures yet for: " + "; ".join(
            _title_prefix(m.title)[1] or m.title for m in missing) + "."
    return block


def build_section(data: ReportData, key: str,
                  columns: list[ReportingPeriod] | None = None) -> Section:
    columns = columns or report_columns(data.period)
    measures = data.measures_in(key)
    blocks = [measure_block(data, group, columns, key) for group in _group_measures(measures)]
    note = data.notes.get("figures") or data.notes.get("catalogue")
    if not measures and not note:
        note = f"The catalogue has no {SECTION_NAMES.get(key, key)} measures."
    return Section(key, SECTION_NAMES.get(key, key), blocks, note)


def build_sections(data: ReportData, keys: tuple[str, ...] = ("inputs", "processes",
                                                               "outputs")) -> list[Section]:
    return [build_section(data, key) for key in keys]


# Table 1 --------------------------------------------------------------------------------

TABLE1_OUTCOMES = [
    ("closed_logged", "Contact (Closed & Logged as Enquiry)", "% of Total Contacts"),
    ("nfa", "No Further Action (NFA)", "% of Total NFA"),
    ("proceeded_to_assessment", "Proceeded to Initial Assessment or Single Assessment",
     "% of Total Proceeded to IA or SA"),
    ("yet_to_proceed", "Yet to Proceed to Initial or Single Assessment or be Closed Down as "
     "a NFA Referral", "% of Total Yet to Proceed"),
]


@dataclass
class Table1:
    outcomes: list[tuple[str, str, str]]  # id, heading, proportion heading
    referrers: list[str]
    counts: dict[tuple[str, str], int]  # (referrer, outcome) -> contacts
    column_totals: dict[str, int]
    row_totals: dict[str, int]
    grand_total: int

    def percent(self, referrer: str, outcome: str) -> float:
        total = self.column_totals.get(outcome, 0)
        return round(100.0 * self.counts.get((referrer, outcome), 0) / total, 1) if total else 0.0

    def row_percent(self, referrer: str) -> float:
        total = self.grand_total
        return round(100.0 * self.row_totals.get(referrer, 0) / total, 1) if total else 0.0


def build_table1(data: ReportData) -> Table1 | None:
    if not data.contact_outcomes:
        return None
    known = {o[0] for o in TABLE1_OUTCOMES}
    seen = sorted({o for _, o, _ in data.contact_outcomes if o not in known})
    outcomes = TABLE1_OUTCOMES + [(o, o.replace("_", " ").capitalize(), "% of total")
                                  for o in seen]
    counts = {(r, o): n for r, o, n in data.contact_outcomes}
    referrers = sorted({r for r, _, _ in data.contact_outcomes})
    column_totals = {o[0]: sum(n for (_, oo), n in counts.items() if oo == o[0])
                     for o in outcomes}
    row_totals = {r: sum(n for (rr, _), n in counts.items() if rr == r) for r in referrers}
    return Table1(outcomes, referrers, counts, column_totals, row_totals,
                  sum(row_totals.values()))


# The clinic: measures by team and by worker -----------------------------------------------

@dataclass
class ClinicTable:
    measure: Measure
    breakdown_by: str
    rows: list[Row]


def build_clinic_tables(data: ReportData, columns: list[ReportingPeriod]) -> list[ClinicTable]:
    tables = []
    for measure in data.catalogue:
        for breakdown_by in CLINIC_BREAKDOWNS:
            values = data.breakdown_values(measure.measure_id, breakdown_by)
            if values:
                rows = [_row(data, measure, columns, "breakdown", value, breakdown_by, value,
                             arrows=True) for value in values]
                tables.append(ClinicTable(measure, breakdown_by, rows))
    return tables


# The clinic: caseloads and unallocated cases at the period end -------------------------------

@dataclass(frozen=True)
class CaseloadRow:
    """One team's (or worker's) open cases on the period end; for a team, how many of them
    wait for a worker."""

    key: str  # team_id / worker_id, or 'unallocated'
    name: str | None
    open_cases: int
    unallocated: int | None = None  # teams only

    @property
    def label(self) -> str:
        if self.key == UNALLOCATED:
            return "No team holding the case" if self.unallocated is not None \
                else "No allocated worker"
        return f"{self.name} ({self.key})" if self.name else self.key


@dataclass
class Caseloads:
    period: str
    teams: list[CaseloadRow]
    workers: list[CaseloadRow]
    open_cases: int | None = None
    unallocated: int | None = None
    note: str | None = None


def _count(figure: Figure | None) -> int:
    return int(figure.numerator) if figure is not None and figure.numerator is not None else 0


def _biggest_first(rows: list[CaseloadRow]) -> list[CaseloadRow]:
    # the largest caseloads first; the cases nobody holds last
    return sorted(rows, key=lambda r: (r.key == UNALLOCATED, -r.open_cases, r.key))


def build_caseloads(data: ReportData) -> Caseloads:
    """Open cases and open cases with no allocated worker on the report period's end, by
    team and by worker, from the two caseload measures' breakdown rows."""
    period = data.period.label
    headline = data.figure(OPEN_CASES, period)
    if headline is None:
        return Caseloads(period, [], [], note=(
            f"{data.figures_table} has no {OPEN_CASES} figure for {period}: a warehouse "
            f"published before the caseload measures, or a period it does not cover."))
    team_keys = set(data.breakdown_values(OPEN_CASES, "team")) | set(
        data.breakdown_values(UNALLOCATED_CASES, "team"))
    teams = [CaseloadRow(t, data.team_names.get(t),
                         _count(data.figure(OPEN_CASES, period, "team", t)),
                         _count(data.figure(UNALLOCATED_CASES, period, "team", t)))
             for t in team_keys]
    workers = [CaseloadRow(w, None, _count(data.figure(OPEN_CASES, period, "worker", w)))
               for w in data.breakdown_values(OPEN_CASES, "worker")]
    teams = [t for t in teams if t.open_cases or t.unallocated]
    workers = [w for w in workers if w.open_cases]
    return Caseloads(period, _biggest_first(teams), _biggest_first(workers),
                     _count(headline), _count(data.figure(UNALLOCATED_CASES, period)))
