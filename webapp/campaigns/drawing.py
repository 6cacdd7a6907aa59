"""Leaflet.draw's own words for the staff's drawing maps (a campaign's area, a walk's route), in the page's language.
Staff pages are Swedish and English, so this lives with the campaigns rather than in the resident-facing catalog."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l


def draw_words() -> dict:
    """Leaflet.draw's own words (its toolbar, buttons and tooltips, `L.drawLocal`) in the page's language: the
    drawing maps take them from a data attribute (static/js/map-common.js, translateDraw)."""
    def tip(**words):
        return {"tooltip": {key: str(value) for key, value in words.items()}}

    return {
        "draw": {
            "toolbar": {
                "actions": {"title": str(_l("Cancel drawing")), "text": str(_l("Cancel"))},
                "finish": {"title": str(_l("Finish drawing")), "text": str(_l("Finish"))},
                "undo": {"title": str(_l("Delete the last point drawn")), "text": str(_l("Delete the last point"))},
                "buttons": {"polyline": str(_l("Draw a line")), "polygon": str(_l("Draw an area")),
                            "rectangle": str(_l("Draw a rectangle"))},
            },
            "handlers": {
                "polygon": tip(start=_l("Click to start drawing the area."), cont=_l("Click to go on drawing the area."),
                               end=_l("Click the first point to close the area.")),
                "polyline": {"error": str(_l("The line must not cross itself.")),
                             **tip(start=_l("Click to start drawing the line."),
                                   cont=_l("Click to go on drawing the line."),
                                   end=_l("Click the last point to finish the line."))},
                "rectangle": tip(start=_l("Click and drag to draw a rectangle.")),
                "simpleshape": tip(end=_l("Release to finish drawing.")),
            },
        },
        "edit": {
            "toolbar": {
                "actions": {"save": {"title": str(_l("Save the changes")), "text": str(_l("Save"))},
                            "cancel": {"title": str(_l("Cancel editing; the changes are dropped")),
                                       "text": str(_l("Cancel"))},
                            "clearAll": {"title": str(_l("Remove everything drawn")), "text": str(_l("Remove all"))}},
                "buttons": {"edit": str(_l("Change what is drawn")), "editDisabled": str(_l("Nothing drawn to change")),
                            "remove": str(_l("Remove what is drawn")),
                            "removeDisabled": str(_l("Nothing drawn to remove"))},
            },
            "handlers": {
                "edit": tip(text=_l("Drag the handles to change the shape."), subtext=_l("Cancel undoes the changes.")),
                "remove": tip(text=_l("Click a shape to remove it.")),
            },
        },
    }
