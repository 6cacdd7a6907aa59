"""Raw values as a class (issue 24.9): every value shown to a person or written to a spreadsheet goes through its
label. Renders every staff page (from the URL map, as an administrator, with one of everything) and every CSV
and XLSX download in Swedish, and finds no internal key among what a person reads."""
import csv
import html
import io
import re

import pytest
from openpyxl import load_workbook

from tests.auth.test_access import url_for_rule, world  # noqa: F401 - the fixture with one of everything
from tests.factories import image_bytes, login, make_report, make_user
from webapp.campaigns.dialogue import ACTION_STATUSES, CHANNELS, HOUSING_FORMS, QUESTION_KINDS
from webapp.campaigns.walks import DECISIONS
from webapp.extensions import db
from webapp.reports.models import TIMES_OF_DAY, Category
from webapp.reports.status import Moderation, ReportStatus, Source
from webapp.workorders.services import KINDS
from webapp.workorders.status import WorkOrderStatus


def internal_keys() -> set[str]:
    """Values stored in the database that have a label: none of them may be read on a Swedish page."""
    keys = {str(v) for enum in (ReportStatus, Moderation, Source, WorkOrderStatus) for v in enum}
    keys |= set(TIMES_OF_DAY) | set(DECISIONS) | set(KINDS)
    keys |= set(db.session.execute(db.select(Category.key)).scalars())
    # The citizen dialogue's vocabularies (webapp/campaigns/dialogue.py): shown by their labels only.
    keys |= (set(HOUSING_FORMS) | set(QUESTION_KINDS) | set(CHANNELS) | set(ACTION_STATUSES)) - {"other", "text", "place"}
    return keys


def visible_text(page: str) -> str:
    """What a person reads as the page's own words: no scripts, styles, tags, attributes, e-mail addresses, nor
    what a form holds for editing (a textarea's English reply text is data, not a label)."""
    page = re.sub(r"<(script|style|template|textarea)\b.*?</\1>", " ", page, flags=re.S | re.I)
    page = re.sub(r"<[^>]+>", " ", page)
    page = html.unescape(page)
    return re.sub(r"\S+@\S+", " ", page)


def sheet_text(rows: list[list]) -> str:
    """A sheet's values as a person reads them: the header row names columns, and a column named *_code holds
    codes on purpose (for joining in a GIS, beside the column with the words; "Kategorikod" where the header is in
    words)."""
    if not rows:
        return ""
    coded = {i for i, name in enumerate(rows[0]) if str(name).endswith("_code") or name in ("Kategorikod", "Category code")}
    return "\n".join(" ".join(str(c) for i, c in enumerate(row) if c is not None and i not in coded)
                     for row in rows[1:])


def raw_words(text: str, keys: set[str]) -> set[str]:
    words = set(re.findall(r"[A-Za-z_]+", text))
    return {w for w in words if w in keys}


@pytest.fixture
def more(world):  # noqa: F811
    """A safety report with a time of day and a pending photo, so that their values show."""
    report, _ = make_report(category="dark_unsafe", time_of_day="night", safety_rating=2, photos=[image_bytes()])
    db.session.commit()
    return {**world, "safety_report_id": report.id}


@pytest.mark.filterwarnings("ignore")
def test_no_internal_key_on_any_staff_page_or_spreadsheet_in_swedish(sqlite_app, more):
    keys = internal_keys()
    admin = sqlite_app.test_client()
    login(admin, make_user("admin", email="etiketter@landskrona.se"))
    pages = []
    for rule in sqlite_app.url_map.iter_rules():
        if "GET" not in rule.methods or not rule.rule.startswith("/staff") or rule.rule.endswith(("logout", ".jpg")):
            continue
        if rule.endpoint.startswith("staff.admin_categor"):  # the administrator edits keys and icon file names
            continue
        if any(a not in more for a in rule.arguments):
            continue
        try:
            pages.append(url_for_rule(sqlite_app, rule, more))
        except ValueError:
            continue
    pages += [f"/staff/reports/{more['safety_report_id']}", f"/staff/reports/{more['report_id']}"]
    found, headers = {}, {}
    for url in pages:
        response = admin.get(url, headers={"Accept-Language": "sv"})
        if response.status_code != 200:
            continue
        if response.mimetype == "text/html":
            text = visible_text(response.get_data(as_text=True))
        elif response.mimetype == "text/csv":
            rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
            text = sheet_text(rows)
            # "CSV för Excel" is opened by people: its header is in words too.
            excel = admin.get(url + ("&" if "?" in url else "?") + "excel=1", headers={"Accept-Language": "sv"})
            if excel.status_code == 200 and excel.get_data(as_text=True).startswith("\ufeff"):
                excel_rows = list(csv.reader(io.StringIO(excel.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
                headers[url + " (excel)"] = coded_names(excel_rows[0]) if excel_rows else []
            if url.endswith(".csv") and url[:-4] + ".xlsx" not in pages:
                pages.append(url[:-4] + ".xlsx")  # the same download as a workbook, where there is one
        elif "spreadsheetml" in response.mimetype:
            book = load_workbook(io.BytesIO(response.data), read_only=True)
            sheets = [[list(row) for row in sheet.iter_rows(values_only=True)] for sheet in book.worksheets]
            text = "\n".join(sheet_text(rows) for rows in sheets)
            headers[url] = [name for rows in sheets if rows for name in coded_names(rows[0])]
        else:
            continue
        raw = raw_words(text, keys)
        if raw:
            found[url] = sorted(raw)
    assert found == {}, "\n".join(f"{u}: {v}" for u, v in found.items())
    headers = {url: names for url, names in headers.items() if names}
    assert headers == {}, "column names as codes in a spreadsheet people open:\n" + "\n".join(
        f"{u}: {v}" for u, v in headers.items())


def coded_names(header: list) -> list[str]:
    """Column names that are codes (snake_case or a known column code) rather than words."""
    from webapp.spreadsheets import COLUMN_LABELS

    return [str(name) for name in header
            if isinstance(name, str) and (name in COLUMN_LABELS or re.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)+", name))]
