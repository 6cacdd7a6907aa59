"""Who may do what. One table: a permission and the roles that have it."""
from enum import StrEnum

from flask_babel import lazy_gettext as _l


class Role(StrEnum):
    """A staff member's role; the stored value."""
    ADMIN = "admin"
    CASE_OFFICER = "case_officer"
    CREW = "crew"
    LIGHTING_PLANNER = "lighting_planner"
    COMMUNICATIONS = "communications"
    FIELD_REPORTER = "field_reporter"
    POLICE = "police"


# Short names for the tables below.
ADMIN, CASE_OFFICER, CREW = Role.ADMIN, Role.CASE_OFFICER, Role.CREW
LIGHTING_PLANNER, COMMUNICATIONS, FIELD_REPORTER = Role.LIGHTING_PLANNER, Role.COMMUNICATIONS, Role.FIELD_REPORTER
POLICE = Role.POLICE

ROLE_LABELS = {
    ADMIN: _l("Administrator"),
    CASE_OFFICER: _l("Case officer"),
    CREW: _l("Crew member"),
    LIGHTING_PLANNER: _l("Lighting planner"),
    COMMUNICATIONS: _l("Communications officer"),
    FIELD_REPORTER: _l("Field reporter"),
    POLICE: _l("Police"),
}
ROLES = tuple(ROLE_LABELS)
# Roles that work outdoors on a phone through a shift: their sessions allow a longer pause (webapp/config.py).
FIELD_ROLES = frozenset({CREW, FIELD_REPORTER})

PERMISSIONS: dict[str, set[str]] = {
    "staff": set(ROLES),                      # the staff start page and one's own account
    "triage": {ADMIN, CASE_OFFICER},          # the inbox, a report's staff view and its actions
    "view_reports": {ADMIN, CASE_OFFICER, LIGHTING_PLANNER, COMMUNICATIONS},
    "workorders": {ADMIN, CASE_OFFICER},      # create and manage work orders
    "tasks": {ADMIN, CASE_OFFICER, CREW},     # the crew's task list
    "field_report": {ADMIN, CASE_OFFICER, FIELD_REPORTER, CREW},  # report on behalf / from the field
    "admin": {ADMIN},                         # users, categories, templates, site message
    "campaigns": {ADMIN, COMMUNICATIONS},     # create and run campaigns, import posts
    # The queue of reports that need a place or a category: triage sees every report in it; the role that
    # imports campaign posts places and categorises those (the campaigns' reports only, see place_queue_all).
    "place_queue": {ADMIN, CASE_OFFICER, COMMUNICATIONS},
    "place_queue_all": {ADMIN, CASE_OFFICER},
    "campaign_results": {ADMIN, COMMUNICATIONS, CASE_OFFICER, LIGHTING_PLANNER},
    "activities": {ADMIN, COMMUNICATIONS, CASE_OFFICER},
    "owners": {ADMIN, CASE_OFFICER, COMMUNICATIONS},
    "insights": {ADMIN, CASE_OFFICER, LIGHTING_PLANNER},  # heat maps and GIS exports (no personal data)
    "indicators": {ADMIN, CASE_OFFICER, COMMUNICATIONS, LIGHTING_PLANNER, POLICE},  # the follow-up dashboard
    # Where residents feel unsafe, by time of day and weekday, and the patrol sheet (annex 1, hot-spot patrols):
    # counts and the public text of public reports only, never who reported.
    "hotspots": {ADMIN, POLICE, CASE_OFFICER, LIGHTING_PLANNER},
    "survey_data": {ADMIN, CASE_OFFICER, COMMUNICATIONS},  # enter external survey indicators
    # Photos not on the public site (pending, rejected, or of a hidden report): all of them for those who
    # moderate; of the reports one filed oneself; of the reports in the work orders one may work on.
    # webapp/staff/services.py photo_visible_to applies these four.
    "moderate_photos": {ADMIN, CASE_OFFICER},
    "photos_of_own_reports": {FIELD_REPORTER, CREW},
    "photos_of_own_tasks": {CREW},
    # Photos of posts imported from Instagram (public there already), to place and sort them in the queue.
    "photos_of_imported_posts": {COMMUNICATIONS},
    # Reporters' e-mail, name and phone: only the roles that contact reporters.
    "reporter_contact": {ADMIN, CASE_OFFICER},
}

# Where each role starts after logging in.
HOME = {
    ADMIN: "staff.inbox",
    CASE_OFFICER: "staff.inbox",
    CREW: "workorders.tasks",
    LIGHTING_PLANNER: "insights.heatmap",
    COMMUNICATIONS: "campaigns.index",
    FIELD_REPORTER: "staff.field_report",
    POLICE: "hotspots.index",
}


def allowed(role: str | None, permission: str) -> bool:
    return role in PERMISSIONS.get(permission, set())
