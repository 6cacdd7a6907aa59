"""One commit per request, CLI command and job step: the only place (with the job worker's step boundary in
webapp/jobs/services.py) that commits the SQLAlchemy session. Services change state and flush; what they queue
for after the commit (mail through the outbox, a job thread) goes only once the commit has succeeded, and what
they leave outside the database (photo files) is removed again when the transaction rolls back.

- A request commits once after its view returned an answer under 400 and rolls back otherwise; a commit the
  database refuses (down, busy, a lock timeout) ends as the 503 answer of webapp.errors, never a 500 and never
  half-written.
- A CLI command commits once at its end (`commit_each_command`); a command that walks a long list and must
  keep its progress commits per item where it says so.
"""
from __future__ import annotations

import functools
import logging
from typing import Callable

import click
from flask import Flask, Response, request, session
from sqlalchemy import event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from webapp.errors import database_unreachable, unavailable_answer
from webapp.extensions import db

log = logging.getLogger(__name__)

_AFTER_COMMIT = "uow_after_commit"  # session.info: hand-offs that go once the open transaction has committed
_ON_ROLLBACK = "uow_on_rollback"    # session.info: undo what the open transaction did outside the database


def commit() -> None:
    """Commit the open unit of work (the request's, the command's). Only the boundaries call this."""
    db.session.commit()


def rollback() -> None:
    db.session.rollback()


def after_commit(callback: Callable[[], None]) -> None:
    """Run `callback` once the open transaction has committed (never if it rolls back): e.g. start a job
    thread that must find the job row."""
    db.session().info.setdefault(_AFTER_COMMIT, []).append(callback)


def on_rollback(callback: Callable[[], None]) -> None:
    """Run `callback` if the open transaction ends without a commit: e.g. remove photo files written for rows
    that will now never exist."""
    db.session().info.setdefault(_ON_ROLLBACK, []).append(callback)


@event.listens_for(Session, "after_commit")
def _run_after_commit(session):
    session.info.pop(_ON_ROLLBACK, None)
    for callback in session.info.pop(_AFTER_COMMIT, []):
        try:
            callback()
        except Exception:  # noqa: BLE001 - the work is committed; a hand-off that fails is retried by its owner
            log.warning("A hand-off after the commit failed", exc_info=True)


@event.listens_for(Session, "after_transaction_end")
def _undo_after_rollback(session, transaction):
    if transaction.parent is not None or transaction.nested:
        return  # a savepoint: the outer transaction decides
    session.info.pop(_AFTER_COMMIT, None)
    for callback in session.info.pop(_ON_ROLLBACK, []):
        try:
            callback()
        except Exception:  # noqa: BLE001 - doctor finds what is left (orphan files)
            log.warning("Undoing outside the database after a rollback failed", exc_info=True)


def register(app: Flask) -> None:
    """The request boundary. Registered after the other after_request hooks, so it runs first and they see the
    final answer (a 503 when the commit failed)."""

    @app.after_request
    def commit_or_roll_back(response: Response) -> Response:
        if response.status_code >= 400:
            _quiet_rollback()
            return response
        try:
            commit()
        except SQLAlchemyError as exc:
            _quiet_rollback()
            _forget_session_changes(app)
            return unavailable_answer(exc)
        return response

    @app.teardown_request
    def roll_back_on_error(exc):
        if exc is not None:  # an error no handler answered: nothing of this request stays
            _quiet_rollback()


def _forget_session_changes(app: Flask) -> None:
    """Nothing of the request was saved, so neither is what it put in the session cookie: no login (Flask-Login
    keeps it there, and its remember cookie follows it), no "saved" flash. The cookie the browser has stays."""
    kept = app.session_interface.open_session(app, request)
    if kept is None:
        return
    session.clear()
    session.update(kept)
    session.modified = False


def _quiet_rollback() -> None:
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection is gone; the session is thrown away at teardown
        pass


def _committing(callback: Callable) -> Callable:
    @functools.wraps(callback)
    def run(*args, **kwargs):
        try:
            result = callback(*args, **kwargs)
            commit()
        except SQLAlchemyError as exc:
            _quiet_rollback()
            if database_unreachable(exc):  # an operator's command during an outage: a sentence, not a traceback
                reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0][:300]
                raise click.ClickException(
                    f"The database cannot be reached, so nothing was read or changed ({reason}). Check that it "
                    "runs and that DATABASE_URL points at it.") from None
            raise
        except BaseException:
            _quiet_rollback()
            raise
        return result

    return run


def commit_each_command(group: click.Group, skip: tuple[str, ...] = ()) -> None:
    """Every command of `group` (and its sub-groups) commits once when it ends and rolls back when it fails;
    `skip` names groups that manage their own transactions (Flask-Migrate's `db`)."""
    for name, command in group.commands.items():
        if name in skip:
            continue
        if isinstance(command, click.Group):
            commit_each_command(command)
        elif command.callback is not None and not getattr(command.callback, "_commits", False):
            command.callback = _committing(command.callback)
            command.callback._commits = True
