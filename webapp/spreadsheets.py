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

from webapp.errors import InputRefused

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


# "CSV för Excel": what Excel set to Swedish opens as columns with å, ä and ö intact: a byte order mark (so it
# reads UTF-8), semicolons between fields (the comma is the decimal sign there) and decimal commas.
EXCEL_BOM = "\ufeff"
EXCEL_DELIMITER = ";"


def _csv_cell(value):
    """A CSV cell: a time with its zone as ISO 8601 (2026-12-07T00:33:00+01:00), anything else as it is."""
    return value.isoformat() if isinstance(value, datetime) else value


def _for_excel(value):
    """A cell as Swedish Excel reads it: a decimal number with a decimal comma, anything else as it is."""
    if isinstance(value, (float, Decimal)) and not isinstance(value, bool):
        return str(value).replace(".", ",")
    return value


# A column's name as a person reads it. Plain CSV keeps the codes (stable names for programs and GIS, listed in
# docs/data.md); "CSV för Excel" and XLSX, which people open, name their columns in the reader's language.
COLUMN_LABELS = {
    "reference": _l("Reference"), "created": _l("Created"), "category": _l("Category"), "kind": _l("Kind"),
    "status": _l("Status"), "time_of_day": _l("Time of day"), "safety_rating": _l("Felt safety (1–5)"),
    "district": _l("District"), "zone": _l("Zone"), "source": _l("Source"), "campaign": _l("Campaign"),
    "support_count": _l("Supporters"), "lon": _l("Longitude (WGS 84)"), "lat": _l("Latitude (WGS 84)"),
    "sweref99tm_e": _l("E (SWEREF 99 TM)"), "sweref99tm_n": _l("N (SWEREF 99 TM)"),
    "category_code": _l("Category code"), "department": _l("Department"), "work_order": _l("Work order"),
    "work_order_type": _l("Work order type"), "received": _l("Received"), "planned": _l("Planned"),
    "fixed_or_closed": _l("Fixed or closed"), "days_to_fix": _l("Days to fix"), "place": _l("Place"),
    "description": _l("Description"), "group": _l("Group"), "reports": _l("Reports"), "day": _l("Day"),
    "evening": _l("Evening"), "night": _l("Night"), "light_repairs": _l("Light repairs"),
    "light_repairs_done": _l("Light repairs done"), "new_lighting_orders": _l("New lighting orders"),
    "references": _l("References"), "cell_size_m": _l("Cell size (m)"), "area": _l("Area"),
    "reports_before": _l("Reports, period before"), "trend": _l("Trend"), "indicator": _l("Indicator"),
    "year": _l("Year"), "value": _l("Value"), "address": _l("Address"), "nearest_light": _l("Nearest street light"),
}


def heading(columns: Sequence) -> list:
    """A header row in words (COLUMN_LABELS); a name without a label is kept as it is."""
    return [str(COLUMN_LABELS[c]) if isinstance(c, str) and c in COLUMN_LABELS else c for c in columns]


def csv_lines(header: Sequence | None, rows: Iterable[Sequence], *, excel: bool = False) -> Iterator[str]:
    """CSV text one line at a time (for streaming responses and files of any size). With `excel`, the dialect
    of "CSV för Excel" (EXCEL_BOM, EXCEL_DELIMITER, decimal commas, the header in words); else plain CSV (UTF-8,
    commas, points, the header as codes). The header's words are looked up now, in the request's language: a
    streamed response's lines are written after the request has ended."""
    if header is not None:
        header = [str(name) for name in (heading(header) if excel else header)]
    return _csv_lines(header, rows, excel)


def _csv_lines(header: Sequence | None, rows: Iterable[Sequence], excel: bool) -> Iterator[str]:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=EXCEL_DELIMITER if excel else ",")

    def line(row) -> str:
        out.seek(0)
        out.truncate()
        cells = [_csv_cell(neutralise(v)) for v in row]
        writer.writerow([_for_excel(v) for v in cells] if excel else cells)
        return out.getvalue()

    if excel:
        yield EXCEL_BOM
    if header is not None:
        yield line(header)
    for row in rows:
        yield line(row)


def csv_text(header: Sequence | None, rows: Iterable[Sequence], *, excel: bool = False) -> str:
    return "".join(csv_lines(header, rows, excel=excel))


def csv_name(name: str, excel: bool) -> str:
    """A CSV download's file name; "CSV för Excel" is told apart by its name (x.csv, x-excel.csv)."""
    return name[:-4] + "-excel.csv" if excel and name.endswith(".csv") else name


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
                if isinstance(value, datetime) and value.tzinfo is not None:
                    # Excel has no time zones: a time is written as the wall time it was given in (the caller
                    # gives the kommun's, webapp.timeutil.local_time), as a real date a sheet can sort and count.
                    value = value.replace(tzinfo=None)
                cell = WriteOnlyCell(sheet, value=value)
                if isinstance(value, str):
                    cell.data_type = "s"  # text stays text, whatever it looks like
                elif isinstance(value, datetime):
                    cell.number_format = "yyyy-mm-dd hh:mm:ss"
                elif isinstance(value, date):
                    cell.number_format = "yyyy-mm-dd"
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
    are; a text's commas further down cannot mislead it). Raises InputRefused when it is not text."""
    for codec, name in ENCODINGS:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:  # UTF-16 and binary files decode as Windows-1252 too, full of NULs
            break
    else:
        raise InputRefused("csv", _l("The CSV file must be text (UTF-8 or Windows-1252, as Excel saves it)."))
    header = text.lstrip("\ufeff").split("\n", 1)[0]
    try:
        delimiter = csv.Sniffer().sniff(header, delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = max(",;\t", key=header.count)
    return CsvText(text, name, delimiter)
