"""The extension in a host app of its own (not the demo), against the scripted Hosted UI: the factory pattern,
groups, JSON errors for API views, moved routes, default pages in the extension's own layout."""

from __future__ import annotations

import dataclasses
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from flask import Flask, render_template_string

from tests.cognito_auth.conftest import Flow, scripted_settings, token_response
from tests.servers import ServerThread
from webapp.cognito_auth import AuthError, CognitoAuth, CognitoAuthSettings, current_user, login_required


def host_app(settings: CognitoAuthSettings, auth: CognitoAuth | None = None, config: dict | None = None,
             **options) -> Flask:
    """A host app (its own `config` first); with `auth`, a CognitoAuth object shared with other apps, which reads
    each app's config."""
    app = Flask(__name__)  # tests/cognito_auth/ has no templates: the extension uses its own layout
    app.config.update(config or {})
    if auth is None:
        auth = CognitoAuth(settings=settings, **options)
    else:
        app.config.update(as_config(settings))
    auth.init_app(app)

    @app.get("/")
    def home():
        return render_template_string("{{ current_user.email if current_user else 'nobody' }}")

    @app.get("/admin")
    @login_required(groups=["admins", "ops"])
    def admin():
        return f"admin page for {current_user.sub}"

    @app.get("/api/me")
    @login_required(api=True)
    def me():
        return {"sub": current_user.sub, "groups": list(current_user.groups)}

    @app.get("/csrf")
    def csrf():
        return render_template_string("{{ csrf_token() }}")

    @app.get("/maintenance")
    def maintenance():
        raise Maintenance()

    return app


def extension_settings(web) -> CognitoAuthSettings:
    """The extension's part of the demo's settings."""
    fields = dataclasses.fields(CognitoAuthSettings)
    return CognitoAuthSettings(**{field.name: getattr(web, field.name) for field in fields})


def as_config(settings: CognitoAuthSettings) -> dict:
    """The settings as the variables `CognitoAuthSettings.from_app` reads."""
    return {"COGNITO_ISSUER": settings.issuer.issuer, "COGNITO_METADATA_URL": settings.issuer.metadata_url,
            "COGNITO_CLIENT_ID": settings.client_id, "COGNITO_CLIENT_SECRET": settings.client_secret,
            "COGNITO_DOMAIN": settings.cognito_domain, "APP_BASE_URL": settings.app_base_url,
            "SECRET_KEY": settings.secret_key, "SESSION_DIR": settings.session_dir, "HTTP_TIMEOUT": "1"}


class Maintenance(AuthError):
    """A host app's own error, rendered like the extension's."""

    status, error, title, message, action = 503, "maintenance", "Back soon", "We are upgrading the app.", "retry"


@pytest.fixture
def serve(hosted, tmp_path):
    """serve(auth=None, config=None, routes=None) -> base URL of a host app on loopback."""
    servers = []

    def start(auth: CognitoAuth | None = None, config: dict | None = None, **options) -> str:
        server = ServerThread()
        web = scripted_settings(hosted, server.url, session_dir=str(tmp_path / f"sessions-{len(servers)}"))
        try:
            server.start(host_app(extension_settings(web), auth, config, **options))
        except BaseException:
            server.server.server_close()
            raise
        servers.append(server)
        return server.url

    yield start
    for server in servers:
        server.stop()


def signed_in(url: str, hosted, *, login_path: str = "/login", **claims) -> requests.Session:
    http = requests.Session()
    flow = Flow.start(http, url) if login_path == "/login" else None
    if flow is None:
        response = http.get(url + login_path, allow_redirects=False)
        query = parse_qs(urlsplit(response.headers["Location"]).query)
        flow = Flow(http, url, {name: values[0] for name, values in query.items()})
    hosted.answer_tokens(token_response(hosted.idp, flow.nonce, **claims))
    callback = urlsplit(flow.params["redirect_uri"]).path
    assert http.get(url + callback, params={"code": "c", "state": flow.state},
                    allow_redirects=False).status_code == 302
    return http


def test_one_extension_object_serves_two_apps_each_with_its_own_settings(serve, hosted):
    auth = CognitoAuth()
    first, second = serve(auth), serve(auth)
    http = signed_in(first, hosted, id={"email": "ann@example.com"})
    assert http.get(first + "/").text == "ann@example.com"
    assert requests.get(second + "/", cookies=http.cookies.get_dict(), timeout=5).text == "nobody"


def test_the_session_cookie_keeps_the_name_the_host_app_gave_it(serve, hosted):
    """Two apps on one host share its cookies whatever their ports: each keeps the session cookie it named."""
    url = serve(config={"SESSION_COOKIE_NAME": "shop_session"})
    http = signed_in(url, hosted, id={"email": "ann@example.com"})
    assert list(http.cookies.keys()) == ["shop_session"] and http.get(url + "/").text == "ann@example.com"


def test_over_https_the_hosts_cookie_name_gets_the_host_prefix(hosted, tmp_path):
    web = scripted_settings(hosted, "https://shop.example.com", session_dir=str(tmp_path))
    app = host_app(extension_settings(web), config={"SESSION_COOKIE_NAME": "shop_session"})
    assert app.test_client().get("/login").headers["Set-Cookie"].startswith("__Host-shop_session=")


@pytest.mark.parametrize(("groups", "status"), [(["ops"], 200), (["admins", "x"], 200), (["users"], 403), ([], 403)])
def test_group_restricted_pages(serve, hosted, groups, status):
    url = serve()
    http = signed_in(url, hosted, id={"cognito:groups": groups} if groups else {})
    page = http.get(url + "/admin", allow_redirects=False)
    assert page.status_code == status
    if status == 403:
        assert "This page is for members of admins or ops" in page.text
        assert page.headers["Cache-Control"] == "no-store"


def test_an_api_view_answers_json_and_never_redirects(serve, hosted):
    url = serve()
    anonymous = requests.get(url + "/api/me", allow_redirects=False, timeout=5)  # a browser's Accept or none
    assert anonymous.status_code == 401 and anonymous.json()["error"] == "sign_in_required"
    assert anonymous.headers["WWW-Authenticate"] == 'Cookie realm="app", form-action="/login", error="sign_in_required"'
    http = signed_in(url, hosted, sub="s-1", id={"cognito:groups": ["ops"]})
    assert http.get(url + "/api/me").json() == {"sub": "s-1", "groups": ["ops"]}


def test_a_page_answers_json_to_a_client_that_asks_for_it(serve, hosted):
    url = serve()
    http = signed_in(url, hosted, id={"cognito:groups": ["users"]})
    answer = http.get(url + "/admin", headers={"Accept": "application/json"})
    assert answer.status_code == 403 and answer.json()["error"] == "insufficient_group"
    anonymous = requests.get(url + "/admin", headers={"Accept": "application/json"}, allow_redirects=False)
    assert anonymous.status_code == 401 and "WWW-Authenticate" in anonymous.headers


def test_routes_can_be_moved(serve, hosted):
    url = serve(routes={"login": "/auth/login", "callback": "/auth/callback", "signed_out": "/auth/bye"})
    assert requests.get(url + "/login", allow_redirects=False, timeout=5).status_code == 404
    http = signed_in(url, hosted, login_path="/auth/login", id={"email": "bo@example.com"})
    assert http.get(url + "/").text == "bo@example.com"
    logout = http.post(url + "/logout", data={"csrf_token": http.get(url + "/csrf").text}, allow_redirects=False)
    assert parse_qs(urlsplit(logout.headers["Location"]).query)["logout_uri"] == [url + "/auth/bye"]
    assert requests.get(url + "/auth/bye", timeout=5).status_code == 200


def test_the_extensions_pages_use_its_own_layout_when_the_host_has_none(serve, hosted):
    url = serve()
    page = requests.get(url + "/signed-out", timeout=5)
    assert page.status_code == 200 and "<title>Signed out</title>" in page.text
    forged = requests.post(url + "/logout", data={"csrf_token": "forged"}, timeout=5)
    assert forged.status_code == 400 and "This form has expired" in forged.text


def test_a_hosts_own_auth_error_gets_the_same_page(serve, hosted):
    page = requests.get(serve() + "/maintenance", timeout=5)
    assert page.status_code == 503
    assert "Back soon" in page.text and 'href="/maintenance">Try again' in page.text


def test_a_template_rendered_outside_a_request_sees_nobody_signed_in(hosted, tmp_path):
    """A host app renders templates in commands and background jobs too (an email, a report): no request, no user."""
    web = scripted_settings(hosted, "http://127.0.0.1:9", session_dir=str(tmp_path / "sessions"))
    settings = CognitoAuthSettings(**{field.name: getattr(web, field.name)
                                      for field in dataclasses.fields(CognitoAuthSettings)})
    with host_app(settings).app_context():
        assert render_template_string("{{ current_user.email if current_user else 'nobody' }}") == "nobody"
