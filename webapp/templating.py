"""What every template may use: the language, its direction, the switch links."""
from __future__ import annotations

from flask import request, url_for

from webapp.i18n import current_language, text_direction

LANGUAGE_NAMES = {"sv": "Svenska", "en": "English", "ar": "العربية"}


def register(app) -> None:
    @app.context_processor
    def language_context():
        lang = current_language()
        if request.endpoint and request.method == "GET":
            endpoint = request.endpoint
            values = {**(request.view_args or {}), **{k: v for k, v in request.args.items() if k != "lang"}}
        else:  # error pages and POST results switch language on the front page
            endpoint, values = "reports.new_report", {}
        switch = [{"code": code, "name": LANGUAGE_NAMES[code], "url": url_for(endpoint, **values, lang=code)}
                  for code in app.config["LANGUAGES"] if code != lang]
        return {"lang": lang, "dir": text_direction(), "language_switch": switch}
