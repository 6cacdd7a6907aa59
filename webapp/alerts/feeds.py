"""Atom feeds (RFC 4287) of the new public reports per district and campaign, built with ElementTree so that
every text is escaped. Only what the public report page shows in its heading: category, area, day, link."""
from __future__ import annotations

from xml.etree import ElementTree as ET

from flask import url_for
from flask_babel import gettext as _

from webapp.reports.presenters import category_name
from webapp.timeutil import as_utc, local_date, utcnow

ATOM = "http://www.w3.org/2005/Atom"


def _stamp(value) -> str:
    return as_utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")


def atom(title: str, self_url: str, page_url: str, reports, author: str) -> bytes:
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    ET.SubElement(feed, f"{{{ATOM}}}id").text = self_url
    ET.SubElement(feed, f"{{{ATOM}}}title").text = title
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = _stamp(max((r.created_at for r in reports),
                                                                 key=as_utc, default=utcnow()))
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", href=self_url, type="application/atom+xml")
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="alternate", href=page_url, type="text/html")
    ET.SubElement(ET.SubElement(feed, f"{{{ATOM}}}author"), f"{{{ATOM}}}name").text = author
    for report in reports:
        url = url_for("reports.show", reference=report.reference, _external=True)
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        ET.SubElement(entry, f"{{{ATOM}}}id").text = url
        ET.SubElement(entry, f"{{{ATOM}}}title").text = f"{category_name(report.category)} ({report.reference})"
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = _stamp(report.created_at)
        ET.SubElement(entry, f"{{{ATOM}}}published").text = _stamp(report.created_at)
        ET.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", href=url, type="text/html")
        ET.SubElement(entry, f"{{{ATOM}}}summary").text = _(
            "%(category)s, reported on %(day)s.", category=category_name(report.category),
            day=local_date(report.created_at).isoformat())
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
