"""Read a rendered page back: every number cell with what it claims to show."""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path


@dataclass
class PageCell:
    attrs: dict[str, str]
    text: str

    @property
    def key(self) -> tuple[str, str, str | None, str | None]:
        return (self.attrs["data-measure"], self.attrs["data-period"],
                self.attrs.get("data-breakdown-by"), self.attrs.get("data-breakdown-value"))


class _Cells(HTMLParser):
    def __init__(self, marker: str):
        super().__init__()
        self.marker = marker
        self.cells: list[PageCell] = []
        self._open: PageCell | None = None

    def handle_starttag(self, tag, attrs):
        attrs = {k: v or "" for k, v in attrs}
        if tag == "td" and self.marker in attrs:
            self._open = PageCell(attrs, "")

    def handle_data(self, data):
        if self._open is not None:
            self._open.text += data

    def handle_endtag(self, tag):
        if tag == "td" and self._open is not None:
            self._open.text = self._open.text.strip()
            self.cells.append(self._open)
            self._open = None


def page_cells(path: Path, marker: str = "data-field") -> list[PageCell]:
    parser = _Cells(marker)
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.cells


def parse_number(text: str) -> float:
    """'1,234' -> 1234.0; '53.2%' -> 53.2."""
    return float(text.replace(",", "").rstrip("%"))
