"""What can be known about an extract file from its raw bytes, in one pass.

DuckDB's CSV reader does the row-level work; these facts are the ones it hides or handles
silently: it strips a byte-order mark, skips blank lines before the header, and stops at
the first byte that is not UTF-8. One streaming pass computes the checksum (for the
manifest), counts lines, finds the first non-UTF-8 byte and notes whether the file ends
with a newline. The header line is parsed here too, so column names can be checked against
the contract before any row is read.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

CHUNK = 1 << 20
BOMS = {
    codecs.BOM_UTF8: "UTF-8",
    codecs.BOM_UTF16_LE: "UTF-16 LE",
    codecs.BOM_UTF16_BE: "UTF-16 BE",
}


@dataclass(frozen=True)
class BadBytes:
    """The first bytes that are not UTF-8: where they are and what they probably are."""

    line: int  # 1-based physical line
    column_index: int | None  # 0-based field index in that line, if it could be found
    raw: bytes
    as_windows_1252: str | None  # the text those bytes are in Windows-1252, if they decode
    field_text: str | None  # the whole field, decoded as Windows-1252 (or Latin-1)


@dataclass(frozen=True)
class FileFacts:
    path: Path
    size: int
    modified_ns: int
    sha256: str
    bom: str | None
    blank_lines_before_header: int
    header: list[str] | None  # parsed header names, None when the file has no header line
    bad_bytes: BadBytes | None
    looks_like_utf16: bool
    ends_with_newline: bool
    last_line: str  # the text after the last newline ("" when the file ends with one)
    has_rows: bool  # anything but blank lines after the header line


def file_checksum(path: Path) -> str:
    """sha256 of a file's bytes, streamed."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def _bad_bytes_at(path: Path, offset: int, line: int) -> BadBytes:
    """Describe the undecodable bytes at `offset` (read again: this is the rare path)."""
    with path.open("rb") as fh:
        start = max(0, offset - (1 << 16))
        fh.seek(start)
        before = fh.read(offset - start)
        line_start = start + before.rfind(b"\n") + 1
        fh.seek(line_start)
        rest = fh.read(1 << 16)
    end = rest.find(b"\n")
    line_bytes = rest if end < 0 else rest[:end]
    pos = offset - line_start
    raw = line_bytes[pos:pos + 1]
    try:
        as_1252: str | None = raw.decode("cp1252")
        line_text = line_bytes.decode("cp1252")
    except UnicodeDecodeError:
        as_1252 = None
        line_text = line_bytes.decode("latin-1")
    # Which field holds the byte: parse the line (cp1252 and Latin-1 are one byte per char).
    column_index = None
    field_text = None
    try:
        fields = next(csv.reader([line_text.rstrip("\r")]))
        consumed = 0
        for i, value in enumerate(fields):
            # a field's span in the line, allowing for quotes: locate by search from consumed
            found = line_text.find(value, consumed) if value else consumed
            if found <= pos < found + max(len(value), 1):
                column_index, field_text = i, value
                break
            consumed = found + len(value)
    except (csv.Error, StopIteration):
        pass
    return BadBytes(line=line, column_index=column_index, raw=raw, as_windows_1252=as_1252,
                    field_text=field_text)


def sniff_file(path: Path) -> FileFacts:
    """Read `path` once: checksum, BOM, blank lines, header, first non-UTF-8 byte, ending."""
    stat = os.stat(path)
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    newlines = 0
    bad_offset: int | None = None
    bad_line = 0
    offset = 0
    head = b""
    tail = b""
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(CHUNK), b""):
            digest.update(block)
            if len(head) < (1 << 16):
                head += block[: (1 << 16) - len(head)]
            if bad_offset is None and not (block.isascii() and not decoder.getstate()[0]):
                pending = len(decoder.getstate()[0])
                try:
                    decoder.decode(block)
                except UnicodeDecodeError as exc:
                    bad_offset = offset - pending + exc.start
                    bad_line = newlines + block.count(b"\n", 0, max(0, exc.start - pending)) + 1
            newlines += block.count(b"\n")
            offset += len(block)
            tail = (tail + block)[-(1 << 16):]
    if bad_offset is None:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            bad_offset, bad_line = offset - len(decoder.getstate()[0]), newlines + 1

    bom = next((name for mark, name in BOMS.items() if head.startswith(mark)), None)
    looks_like_utf16 = bom in ("UTF-16 LE", "UTF-16 BE") or b"\x00" in head[:4096]
    if bom == "UTF-8":
        head = head[len(codecs.BOM_UTF8):]

    lines = head.split(b"\n")
    blank = 0
    while blank < len(lines) - 1 and not lines[blank].strip(b"\r \t"):
        blank += 1
    header: list[str] | None = None
    has_rows = len(head) < stat.st_size or any(
        line.strip(b"\r \t") for line in lines[blank + 1:])
    if lines and lines[blank].strip(b"\r \t") and not looks_like_utf16:
        text = lines[blank].rstrip(b"\r").decode("utf-8", errors="replace")
        try:
            header = next(csv.reader([text]))
        except (csv.Error, StopIteration):
            header = [text]

    bad = None
    if bad_offset is not None and not looks_like_utf16:
        bad = _bad_bytes_at(path, bad_offset, bad_line)
    last_line = tail.rsplit(b"\n", 1)[-1].decode("utf-8", errors="replace")
    return FileFacts(
        path=path, size=stat.st_size, modified_ns=stat.st_mtime_ns, sha256=digest.hexdigest(),
        bom=bom, blank_lines_before_header=blank if header is not None else 0, header=header,
        bad_bytes=bad, looks_like_utf16=looks_like_utf16,
        ends_with_newline=tail.endswith(b"\n"), last_line=last_line.rstrip("\r"),
        has_rows=has_rows,
    )
