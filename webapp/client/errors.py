"""Every way a command can fail, as classes carrying their exit code; the message is the one line a person sees.

Exit codes: 0 success, 1 the API or Cognito refused or failed, 2 usage or configuration (argparse's own code for
bad arguments). No message ever holds a token; text that came from a server is made printable first.
"""

from __future__ import annotations

import unicodedata


def printable(text: str, limit: int = 300) -> str:
    """Server-supplied text made safe for a terminal: one line, no control or format characters (escape
    sequences, bidirectional overrides), bounded length."""
    one_line = " ".join(text.split())
    cleaned = "".join(ch for ch in one_line if unicodedata.category(ch) not in ("Cc", "Cf"))
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


class CommandError(Exception):
    """A failure to report as one line on standard error, exiting with `exit_code`."""

    exit_code = 1


class UsageError(CommandError):
    """What the person running the command must change: configuration, or input they did not give."""

    exit_code = 2


class UnreachableError(CommandError):
    """A service could not be reached, or answered with something that is not its protocol."""


class SignInError(CommandError):
    """Cognito refused to issue tokens; `code` is its error (`__type` of the JSON API, `error` of /oauth2/token)."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.code = code


class ApiError(CommandError):
    """The weather API answered with an error; `code` is its `error` (RFC 6750 code or the API's own)."""

    def __init__(self, message: str, status: int, code: str):
        super().__init__(message)
        self.status = status
        self.code = code


class InvalidTokenError(ApiError):
    """401 `invalid_token`: the token expired early, was revoked, or is for a client the API does not trust."""


class InsufficientScopeError(ApiError):
    """403 `insufficient_scope`: the token is valid but lacks the scope the API requires."""
