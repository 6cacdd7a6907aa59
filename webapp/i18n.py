"""Language choice: ?lang= on any page, then the remembered cookie, then the browser."""
from __future__ import annotations

from flask import current_app, has_request_context, request
from flask_babel import get_locale

LANG_COOKIE = "lang"
RTL_LANGUAGES = {"ar"}


def choose_language(asked: str | None, remembered: str | None, browser: str | None, languages, default: str) -> str:
    """?lang= first, then the remembered cookie, then the browser's best match among ours, then the default."""
    chosen = asked or remembered
    if chosen in languages:
        return chosen
    return browser or default


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # the CLI and background jobs speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    return choose_language(request.args.get("lang"), request.cookies.get(LANG_COOKIE),
                           request.accept_languages.best_match(languages), languages,
                           current_app.config["BABEL_DEFAULT_LOCALE"])


def remember_language(response):
    """Keep a language picked with ?lang= for the next visit."""
    asked = request.args.get("lang")
    if asked and asked in current_app.config["LANGUAGES"]:
        response.set_cookie(LANG_COOKIE, asked, max_age=365 * 24 * 3600, samesite="Lax",
                            secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


def current_language() -> str:
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


def text_direction() -> str:
    return "rtl" if current_language() in RTL_LANGUAGES else "ltr"


def localized(values: dict | None) -> str:
    """Pick the text for the current language from a {lang: text} mapping kept as data."""
    if not values:
        return ""
    lang = current_language()
    return values.get(lang) or values.get(current_app.config["BABEL_DEFAULT_LOCALE"]) or next(iter(values.values()))
