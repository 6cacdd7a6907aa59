"""The one writer of CSV and XLSX files: every spreadsheet the app makes (web downloads and `flask export`) goes
through here, so that text typed by residents can never become a formula in Excel or LibreOffice.

A text cell that starts with =, +, -, @, a tab or a carriage return (also after leading spaces) is prefixed with
an apostrophe, as OWASP advises against CSV injection; characters that XML (and so XLSX) forbids are dropped;
in XLSX every text cell is written as a string (data type "s"), never as a formula. Numbers, dates and booleans
stay what they are, so counts and coordinates remain numeric (a negative longitude is a number, not a formula).
Tests check that no other module writes CSV or XLSX.

It also reads the CSV files people bring (an Instagram export, a street list): as Excel saves them."""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import IO, Iterable, Iterator, Sequence

from flask_babel import lazy_gettext as _l

from webapp.errors import ReportError

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Control characters XML 1.0 does not allow (tab, newline and carriage return are allowed).
ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_PLAIN = (bool, int, float, Decimal, datetime, date, time)


def neutralise(value):
    """A cell value that is safe to open in a spreadsheet: None becomes "", numbers, dates and booleans are
    kept, anything else becomes text without forbidden characters and, if it could start a formula, with an
    apostrophe in front."""
    if value is None:
        return ""
    if isinstance(value, _PLAIN):
        return value
    text = ILLEGAL_XML.sub("", str(value))
    if text.lstrip(" \n").startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def csv_lines(header: Sequence | None, rows: Iterable[Sequence]) -> Iterator[str]:
    """CSV text one line at a time (for streaming responses and files of any size)."""
    out = io.StringIO()
    writer = csv.writer(out)

    def line(row) -> str:
        out.seek(0)
        out.truncate()
        writer.writerow([neutralise(v) for v in row])
        return out.getvalue()

    if header is not None:
        yield line(header)
    for row in rows:
        yield line(row)


def csv_text(header: Sequence | None, rows: Iterable[Sequence]) -> str:
    return "".join(csv_lines(header, rows))


def write_xlsx(target: str | IO[bytes], sheets: Iterable[tuple[str, Iterable[Sequence]]]) -> int:
    """Write a workbook of (title, rows) sheets to a path or a binary file, streaming row by row (openpyxl's
    write-only mode, so memory stays flat). Returns how many rows were written in all."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    written = 0
    for title, rows in sheets:
        sheet = book.create_sheet(title[:31])
        for row in rows:
            cells = []
            for value in row:
                value = None if value is None else neutralise(value)  # None stays an empty cell
                cell = WriteOnlyCell(sheet, value=value)
                if isinstance(value, str):
                    cell.data_type = "s"  # text stays text, whatever it looks like
                cells.append(cell)
            sheet.append(cells)
            written += 1
    book.save(target)
    return written


def xlsx_bytes(sheets: Iterable[tuple[str, Iterable[Sequence]]]) -> bytes:
    out = io.BytesIO()
    write_xlsx(out, sheets)
    return out.getvalue()


# What a CSV file may come as: UTF-8 (with or without Excel's BOM) first, then Windows-1252, which Swedish
# Excel writes when it saves "CSV (semikolonavgränsad)".
ENCODINGS = (("utf-8-sig", "UTF-8"), ("cp1252", "Windows-1252"))
SEPARATOR_NAMES = {",": _l("commas"), ";": _l("semicolons"), "\t": _l("tabs")}


@dataclass(frozen=True)
class CsvText:
    text: str
    encoding: str  # the name people know: UTF-8, Windows-1252
    delimiter: str

    def rows(self) -> csv.DictReader:
        return csv.DictReader(io.StringIO(self.text), delimiter=self.delimiter)

    def column_names(self) -> set[str]:
        return {(f or "").strip().lower() for f in (self.rows().fieldnames or [])}

    def described(self) -> str:
        return str(_l("The file was read as %(encoding)s text with columns separated by %(separator)s.",
                      encoding=self.encoding, separator=SEPARATOR_NAMES[self.delimiter]))


def read_csv_text(data: bytes) -> CsvText:
    """A CSV file's text, its encoding and its separator (csv.Sniffer on the header line, where the column names
    are; a text's commas further down cannot mislead it). Raises ReportError when it is not text."""
    for codec, name in ENCODINGS:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:  # UTF-16 and binary files decode as Windows-1252 too, full of NULs
            break
    else:
        raise ReportError("csv", _l("The CSV file must be text (UTF-8 or Windows-1252, as Excel saves it)."))
    header = text.lstrip("\ufeff").split("\n", 1)[0]
    try:
        delimiter = csv.Sniffer().sniff(header, delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = max(",;\t", key=header.count)
    return CsvText(text, name, delimiter)
