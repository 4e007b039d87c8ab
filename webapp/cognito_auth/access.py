"""Guarding views: `login_required` and `current_user`."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

from flask import redirect, url_for
from werkzeug.local import LocalProxy

from webapp.cognito_auth.errors import AccessDenied, SignInRequired, wants_json
from webapp.cognito_auth.next_path import current_page
from webapp.cognito_auth.sessions import CurrentUser
from webapp.cognito_auth.state import request_state

#: Who is signed in (a `CurrentUser`), in views and templates; falsy when nobody is.
current_user: CurrentUser | None = LocalProxy(lambda: request_state().user)  # type: ignore[assignment]


def login_required(view: Callable | None = None, *, groups: Sequence[str] = (), api: bool = False):
    """Signed-in people only (`@login_required`), optionally only members of at least one of `groups`
    (`@login_required(groups=["admins"])`, else a 403 page).

    Others are sent to sign in and brought back here (a GET's own URL is the `next`); a session that just timed
    out gets a page saying so instead of a silent trip through the Hosted UI. With `api=True`, or for a request
    that prefers JSON, failures are JSON (401 with a `WWW-Authenticate` challenge, 403) instead of pages and
    redirects. Every response of a guarded view is private (`Cache-Control: no-store`), error pages included.
    """
    if isinstance(groups, str):
        raise TypeError("groups is a list of group names, not a string")

    def guard(view: Callable) -> Callable:
        @functools.wraps(view)
        def guarded(*args, **kwargs):
            current = request_state()
            current.private = True
            if current.user is None:
                if current.session_expired:
                    raise SignInRequired("Your session has expired. Sign in again to continue.",
                                         next_path=current_page())
                if wants_json():
                    raise SignInRequired("Sign in to use this.", next_path=current_page())
                return redirect(url_for("cognito_auth.login", next=current_page()))
            if groups and not set(groups) & set(current.user.groups):
                raise AccessDenied(tuple(groups))
            return view(*args, **kwargs)

        guarded.cognito_auth_api = api  # read by `wants_json`
        return guarded

    return guard(view) if view is not None else guard
