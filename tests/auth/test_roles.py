"""The permission table: who may see what is not on the public site."""
from webapp.auth.roles import PERMISSIONS, ROLES


def test_every_permission_names_known_roles():
    for permission, roles in PERMISSIONS.items():
        assert roles <= set(ROLES), permission


def test_reporter_contact_is_for_those_who_contact_reporters():
    assert PERMISSIONS["reporter_contact"] == {"admin", "case_officer"}


def test_unpublished_photos():
    # Everything before approval: those who moderate, and no one else.
    assert PERMISSIONS["moderate_photos"] == {"admin", "case_officer"}
    # Field staff: their own reports' photos, and crews their jobs' photos.
    assert PERMISSIONS["photos_of_own_reports"] == {"field_reporter", "crew"}
    assert PERMISSIONS["photos_of_own_tasks"] == {"crew"}
