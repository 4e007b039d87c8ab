"""The development outbox: where the local pool "sends" email (verification codes, temporary passwords).

Nothing leaves the machine. Each message is kept in the state database, listed newest first at `/_dev/outbox`
(HTML) and `/_dev/outbox.json` (for scripts and tests), and announced on the logger `local_cognito.outbox`
(INFO; the serve command shows it on the console), codes included but passwords left out. Both pages exist only
on the local pool, clearly marked as a development aid: the real service emails these messages instead.
"""

from __future__ import annotations

import logging
from dataclasses import asdict

from flask import Blueprint, current_app, jsonify, render_template

log = logging.getLogger(__name__)

bp = Blueprint("outbox", __name__)

# Cognito's default message templates ({####} is the code, {username} the sign-in name).
VERIFICATION_SUBJECT = "Your verification code"
VERIFICATION_BODY = "Your verification code is {code}."
RESET_SUBJECT = "Your password reset code"
RESET_BODY = "Your password reset code is {code}."
INVITATION_SUBJECT = "Your temporary password"
INVITATION_BODY = "Your username is {username} and temporary password is {password}."


def send(pool, recipient: str, subject: str, body: str, *, log_body: bool = True) -> None:
    """Keep the message for the outbox page and announce it on the console.

    Codes are logged with their message (the console is where a developer looks for them); a message carrying a
    password (`log_body=False`) is only announced, and read on the outbox page.
    """
    pool.accounts.add_message(recipient, subject, body)
    shown = body if log_body else f"(read it at {pool.base_url}/_dev/outbox)"
    log.info("development outbox: to %s: %s: %s", recipient, subject, shown)


def init_console_logging() -> None:
    """Show outbox messages on the console of `python -m local_cognito` (a development server)."""
    if not log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
    log.setLevel(logging.INFO)


def _messages():
    return current_app.extensions["local_cognito"].accounts.messages()


@bp.get("/_dev/outbox")
def outbox_page():
    return render_template("outbox.html", messages=_messages())


@bp.get("/_dev/outbox.json")
def outbox_json():
    return jsonify({"messages": [asdict(message) for message in _messages()]})
