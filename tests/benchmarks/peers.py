"""The peers people would pick instead, protecting the ceiling's page, signed in through the same local Cognito.

Each peer app is the bare page app of `ceilings` (same template, same size in bytes as the web app's /profile)
with the peer's extension in front of `GET /page`, which shows the signed-in user's email, username and id as the
peer keeps them (flask-oidc: the userinfo answer; flask-cognito-lib: the ID token's claims). They run from the PyPI packages of the `bench` extra, unpatched, under gunicorn with the same
settings as the web app, configured from the same environment variables (`COGNITO_*`, `APP_BASE_URL`,
`SECRET_KEY`):

- flask-oidc (Authlib's Flask client underneath): tokens and the userinfo answer in Flask's signed cookie session;
  on every request it checks the token's expiry through an Authlib OAuth2 session.
- flask-cognito-lib: the access and ID tokens in two cookies, the ID token's claims in Flask's signed session; on
  every request it verifies the access token with PyJWT against the pool's JWKS, which it fetches again for every
  request (its `PyJWKClient` lives on `flask.g`). It derives the issuer from the region and pool id as for a real
  pool (`https://cognito-idp.{region}.amazonaws.com/{pool}`); `LocalPoolConfig`, passed through the `cfg`
  parameter its `CognitoAuth` takes for this, points it at the local Cognito's issuer instead. Nothing else
  differs from a deployment against a real pool.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable
from urllib.parse import urljoin

import requests
from flask import Flask, redirect, render_template, session, url_for

from tests.benchmarks.ceilings import bare_app, filler_for


@dataclass(frozen=True)
class Peer:
    """How the harness starts, signs in to and reports one peer."""

    name: str  # the PyPI distribution, also the figure's label
    module: str  # looked up to find out whether the `bench` extra is installed
    factory: str  # a function of this module, called by gunicorn with the page's `size`
    login: str  # the path that starts a sign-in
    callback: str  # the redirect URI path registered with the pool
    signed_out: str
    letter: str  # its figures: 1<letter>1 (its page ÷ the bare page), 1<letter>2 (/profile ÷ its page)
    keeps: str  # where it keeps the tokens, for the figure's label
    target: float | None  # for /profile ÷ its page (issue 16), or None: reported
    sign_in_attempts: int = 1


FLASK_OIDC = Peer("flask-oidc", "flask_oidc", "flask_oidc_app", "/login?next=/page", "/authorize", "/logout", "c",
                  "tokens in Flask's signed cookie", 1.10)
# flask-cognito-lib 1.9.7 makes its PKCE code_verifier from 32 random bytes in base64 with `-`, `_` and `=`
# stripped: shorter than RFC 7636's 43 characters about three times in four, which the local Cognito (Authlib's
# CodeChallenge) refuses with invalid_request at the token endpoint. Each attempt draws a new verifier.
FLASK_COGNITO_LIB = Peer("flask-cognito-lib", "flask_cognito_lib", "flask_cognito_lib_app", "/login", "/callback",
                         "/signed-out", "d", "tokens in cookies, JWKS fetched per request", None, sign_in_attempts=30)
PEERS = (FLASK_OIDC, FLASK_COGNITO_LIB)


def protected_page(app: Flask, size: int, protect: Callable, user_info: Callable[[], dict]) -> None:
    """`GET /page` behind the peer's decorator `protect`: the user's rows from `user_info()`, padded to `size` bytes.
    The padding is worked out on the first request (for the one user the benchmark signs in), not on every one, as
    the ceiling does at start-up."""
    padding: list[str] = []

    def page():
        claims = user_info()
        username = claims.get("username") or claims.get("cognito:username", "")  # userinfo's, or the ID token's
        rows = [("Email", claims.get("email", "")), ("Username", username), ("User id", claims.get("sub", ""))]
        if not padding:
            padding.append(filler_for(app, size, "Profile", rows))
        return render_template("page.html", title="Profile", rows=rows, filler=padding[0])

    app.add_url_rule("/page", "page", protect(page))


def flask_oidc_app(size: int) -> Flask:
    from flask_oidc import OpenIDConnect

    app = bare_app()
    app.config.update(
        SECRET_KEY=os.environ["SECRET_KEY"],
        OIDC_CLIENT_SECRETS={"web": {"client_id": os.environ["COGNITO_CLIENT_ID"],
                                     "client_secret": os.environ["COGNITO_CLIENT_SECRET"],
                                     "issuer": os.environ["COGNITO_ISSUER"]}},
        OIDC_SCOPES="openid email profile",
    )
    oidc = OpenIDConnect(app)
    protected_page(app, size, oidc.require_login, lambda: session["oidc_auth_profile"])
    return app


def flask_cognito_lib_app(size: int) -> Flask:
    from flask_cognito_lib import CognitoAuth
    from flask_cognito_lib.config import Config
    from flask_cognito_lib.decorators import auth_required, cognito_login, cognito_login_callback

    class LocalPoolConfig(Config):
        @property
        def issuer(self) -> str:
            return os.environ["COGNITO_ISSUER"]

    base_url = os.environ["APP_BASE_URL"]
    app = bare_app()
    app.config.update(
        SECRET_KEY=os.environ["SECRET_KEY"],
        AWS_REGION=os.environ["COGNITO_REGION"],
        AWS_COGNITO_USER_POOL_ID=os.environ["COGNITO_USER_POOL_ID"],
        AWS_COGNITO_DOMAIN=os.environ["COGNITO_DOMAIN"],
        AWS_COGNITO_USER_POOL_CLIENT_ID=os.environ["COGNITO_CLIENT_ID"],
        AWS_COGNITO_USER_POOL_CLIENT_SECRET=os.environ["COGNITO_CLIENT_SECRET"],
        AWS_COGNITO_REDIRECT_URL=f"{base_url}{FLASK_COGNITO_LIB.callback}",
        AWS_COGNITO_LOGOUT_URL=f"{base_url}{FLASK_COGNITO_LIB.signed_out}",
        AWS_COGNITO_SCOPES=["openid", "email", "profile"],
    )
    CognitoAuth(app, cfg=LocalPoolConfig())

    @app.get("/login")
    @cognito_login
    def login():
        pass

    @app.get("/callback")
    @cognito_login_callback
    def callback():
        return redirect(url_for("page"))

    protected_page(app, size, auth_required(), lambda: session["user_info"])
    return app


def sign_in(peer: Peer, app_url: str, email: str, password: str) -> dict[str, str]:
    """The cookies a browser holds after signing in to `peer` (in at most `peer.sign_in_attempts` tries)."""
    for _ in range(peer.sign_in_attempts - 1):
        try:
            return sign_in_once(peer, app_url, email, password)
        except RuntimeError:
            continue
    return sign_in_once(peer, app_url, email, password)


def sign_in_once(peer: Peer, app_url: str, email: str, password: str) -> dict[str, str]:
    """One sign-in through the Hosted UI, walked like `tests.fixtures.webapp.sign_in` does for the web app but
    stopping before the page itself: flask-cognito-lib marks its cookies Secure, which `requests` keeps but does
    not send back over plain http."""
    from tests.fixtures.webapp import fill_login_form

    http = requests.Session()
    login_page = http.get(app_url + peer.login, timeout=30)
    method, action, data = fill_login_form(login_page, email, password)
    response = http.request(method, action, data=data, allow_redirects=False, timeout=30)
    while response.is_redirect:
        location = urljoin(response.url, response.headers["Location"])
        if location == f"{app_url}/page":
            return {cookie.name: cookie.value for cookie in http.cookies if cookie.domain.startswith("127.0.0.1")}
        response = http.get(location, allow_redirects=False, timeout=30)
    raise RuntimeError(f"{peer.name}: the sign-in ended at {response.url} (HTTP {response.status_code}), not /page")
