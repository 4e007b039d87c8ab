"""The hostile browser: a `requests.Session` that walks the sign-in like a browser, one hop at a time, so a test
can forge, replay or swap any of them, plant cookies, and post forms without the tokens they need.

Nothing here knows the web app's internals: it sees what a browser sees (status, headers, pages, cookies).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import requests

COOKIE = "session"  # the web app's cookie name on http:// (loopback) deployments; `__Host-session` on https
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Authorization:
    """An authorization request the web app sent the browser to (the redirect to the Hosted UI)."""

    url: str
    params: dict[str, str]

    @property
    def state(self) -> str:
        return self.params["state"]


@dataclass
class AuthorizationResponse:
    """Where the IdP sent the browser back: the callback URL and its query."""

    url: str
    params: dict[str, str]


def query_of(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


class HostileBrowser:
    def __init__(self, app_url: str):
        self.app_url = app_url
        self.http = requests.Session()
        self.seen: list[requests.Response] = []  # every response this browser received, redirects included
        self.http.hooks["response"].append(self._remember)

    def _remember(self, response: requests.Response, *args, **kwargs) -> None:
        self.seen.append(response)

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.http.get(self.app_url + path, allow_redirects=False, **kwargs)

    def post(self, path: str, **kwargs) -> requests.Response:
        return self.http.post(self.app_url + path, allow_redirects=False, **kwargs)

    # --- the sign-in, hop by hop ---

    def start_sign_in(self, next: str | None = None, **headers: str) -> Authorization:
        """GET /login: the web app remembers a flow and sends the browser to the Hosted UI."""
        response = self.get("/login", params={"next": next} if next else None, headers=headers)
        assert response.status_code == 302, f"/login answered {response.status_code}"
        location = response.headers["Location"]
        return Authorization(location, query_of(location))

    def authorize(self, authorization: Authorization) -> AuthorizationResponse:
        """Follow the redirect to the Hosted UI and take its answer, without going back to the web app yet."""
        response = self.http.get(authorization.url, allow_redirects=False)
        assert response.status_code == 302, f"the IdP answered {response.status_code}"
        location = response.headers["Location"]
        return AuthorizationResponse(location, query_of(location))

    def deliver(self, params: dict[str, str | None]) -> requests.Response:
        """GET /callback with this query (what a browser arriving from the IdP, or from an attacker's link, does)."""
        return self.get("/callback", params={k: v for k, v in params.items() if v is not None})

    def sign_in(self, next: str | None = None) -> requests.Response:
        """The whole sign-in; returns the callback's response."""
        return self.deliver(self.authorize(self.start_sign_in(next)).params)

    # --- what the browser holds and sees ---

    @property
    def session_id(self) -> str | None:
        return self.http.cookies.get(COOKIE)

    def plant(self, session_id: str) -> None:
        """Put a session cookie of the attacker's choosing in this browser (fixation), where the web app's own
        cookie would be (same host, path /), so it replaces any the browser had."""
        self.http.cookies.set(COOKIE, session_id, domain=urlsplit(self.app_url).hostname, path="/")

    def is_signed_in(self) -> bool:
        """The home page greets signed-in people with a sign-out form; it never refreshes tokens itself."""
        page = self.get("/")
        assert page.status_code == 200, page.status_code
        return 'action="/logout"' in page.text

    def csrf_token(self) -> str:
        match = CSRF_FIELD.search(self.get("/").text)
        assert match, "no form with a CSRF token on the home page"
        return match.group(1)

    def sign_out(self, csrf_token: str | None) -> requests.Response:
        return self.post("/logout", data={"csrf_token": csrf_token} if csrf_token is not None else {})
