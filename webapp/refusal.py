"""The app-wide "input refused" exception, at the bottom of the layers so that every module may raise it
(webapp.timeutil's date checks too); webapp.errors re-exports it where the rest of the app imports it from."""
from __future__ import annotations


class InputRefused(ValueError):
    """Input a service refuses; `field` names the form field the message belongs to."""

    def __init__(self, field: str, message):
        super().__init__(str(message))
        self.field = field
        self.message = message
