"""Session management of the web app against OWASP ASVS 4.0.3 (V3 sessions, V4.2.2 CSRF, V8.2.1 caching).

These cases need a real sign-in, so they run the whole flow against the local Cognito (its Hosted UI login
form, its token endpoint, its revocation and `/logout`), with a hostile browser that plants cookies, replays
them after sign-out and posts forms without the tokens they need. Lifetimes are set to a second or two where a
case is about a timeout, instead of waiting for the production values. Sign out everywhere runs against the
hostile IdP in honest mode instead: the local Cognito does not serve the JSON API's GlobalSignOut yet.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from http.cookies import SimpleCookie

import pytest
import requests

from tests.fixtures.webapp import SECRET_KEY, fill_login_form, serve_webapp, sign_in
from tests.security.conftest import case, entropy_bits
from tests.security.hostile_browser import COOKIE, HostileBrowser, query_of
from webapp.demo.settings import WebSettings

PASSWORD = "Correct-Horse-9-battery"


@pytest.fixture(scope="module")
def person(local_cognito):
    """A user of the local Cognito for this module (so sign-out everywhere touches nobody else's tokens)."""
    email = f"asvs-{uuid.uuid4().hex[:8]}@example.com"
    local_cognito.create_user(email, PASSWORD)
    return email


@pytest.fixture(scope="module")
def app(webapp_factory):
    return webapp_factory()


@pytest.fixture(scope="module")
def signed_in(app, person) -> HostileBrowser:
    """One signed-in browser for the cases that only look at what sign-in left behind (they change nothing)."""
    return signed_in_browser(app.url, person)


def signed_in_browser(app_url: str, email: str) -> HostileBrowser:
    browser = HostileBrowser(app_url)
    sign_in(browser.http, app_url, email, PASSWORD)
    return browser


def set_cookie_of(response: requests.Response) -> SimpleCookie:
    cookie = SimpleCookie()
    cookie.load(response.headers.get("Set-Cookie", ""))
    return cookie


# --- V3.2 session binding -------------------------------------------------------------------------------------


@pytest.mark.conformance(source="ASVS V3.2.1 (new session token on authentication; session fixation)",
                         expect="a session id the attacker obtained and planted before sign-in is replaced at "
                                "sign-in, and stays anonymous for the attacker")
def test_fixation_with_an_issued_session_id(app, person):
    attacker = HostileBrowser(app.url)
    attacker.start_sign_in()  # the server issues the attacker a real (anonymous) session
    victim = HostileBrowser(app.url)
    victim.plant(attacker.session_id)
    sign_in(victim.http, app.url, person, PASSWORD)
    assert (victim.session_id != attacker.session_id, attacker.is_signed_in()) == (True, False)


@pytest.mark.conformance(source="ASVS V3.2.1 (session fixation with an id the server never issued)",
                         expect="an attacker-chosen session id is never adopted: after sign-in it is anonymous")
def test_fixation_with_a_made_up_session_id(app, person):
    chosen = "attacker-chosen-session-id-" + "A" * 24
    victim = HostileBrowser(app.url)
    victim.plant(chosen)
    sign_in(victim.http, app.url, person, PASSWORD)
    attacker = HostileBrowser(app.url)
    attacker.plant(chosen)
    assert (victim.session_id != chosen, attacker.is_signed_in()) == (True, False)


@pytest.mark.conformance(source="ASVS V3.2.2 (session tokens have at least 64 bits of entropy)",
                         expect="the session id has at least 128 bits of entropy")
def test_session_id_entropy(signed_in):
    assert entropy_bits(signed_in.session_id) >= 128


@pytest.mark.conformance(source="ASVS V3.1.1 (session token never in URL parameters)",
                         expect="no URL or Location the browser met while signing in carries the session id")
def test_session_id_never_in_a_url(signed_in):
    urls = " ".join([*(r.url for r in signed_in.seen), *(r.headers.get("Location", "") for r in signed_in.seen)])
    assert signed_in.session_id not in urls


@pytest.mark.conformance(source="ASVS V8.2.2 / V3.2.3 (no sensitive data in browser storage)",
                         expect="the session cookie is an opaque id: no JWT, nothing but the id")
def test_cookie_is_an_opaque_id(signed_in):
    value = signed_in.session_id
    assert ("eyJ" in value, "." in value, len(value) <= 64) == (False, False, True)


# --- V3.4 cookie attributes -------------------------------------------------------------------------------------

COOKIE_ATTRIBUTES = [
    case("V3.4.2-httponly", "httponly", True, source="ASVS V3.4.2 (HttpOnly)",
         expect="the session cookie set at sign-in is HttpOnly"),
    case("V3.4.3-samesite", "samesite", "Lax", source="ASVS V3.4.3 (SameSite)",
         expect="the session cookie set at sign-in is SameSite=Lax (the callback is a cross-site top-level GET)"),
    case("V3.4.5-path", "path", "/", source="ASVS V3.4.5 (cookie path)",
         expect="the session cookie's Path is / and it has no Domain (host-only)"),
]


@pytest.mark.parametrize(("attribute", "value"), COOKIE_ATTRIBUTES)
def test_session_cookie_attributes(app, signed_in, attribute, value):
    (callback,) = [r for r in signed_in.seen if r.url.startswith(f"{app.url}/callback")]
    morsel = set_cookie_of(callback)[COOKIE]
    assert (morsel[attribute], morsel["domain"]) == (value, "")


@pytest.fixture(scope="module")
def https_app(local_cognito, tmp_path_factory):
    """The web app deployed behind https (APP_BASE_URL https://...): only its cookies are looked at."""

    def settings_for(url: str) -> WebSettings:
        settings = WebSettings.from_env({**local_cognito.env_for_webapp(url), "SECRET_KEY": SECRET_KEY})
        return replace(settings, app_base_url=url.replace("http://", "https://"),
                       session_dir=str(tmp_path_factory.mktemp("https-sessions")))

    running = serve_webapp(settings_for)
    yield running
    running.stop()


HTTPS_COOKIE = [
    case("V3.4.1-secure", "secure", source="ASVS V3.4.1 (Secure)",
         expect="on an https deployment the session cookie is Secure"),
    case("V3.4.4-host-prefix", "__Host-", source="ASVS V3.4.4 (__Host- prefix)",
         expect="on an https deployment the session cookie is named __Host-session"),
]


@pytest.mark.parametrize("attribute", HTTPS_COOKIE)
def test_https_session_cookie(https_app, attribute):
    set_cookie = requests.get(f"{https_app.url}/login", allow_redirects=False).headers["Set-Cookie"]
    if attribute == "secure":
        assert "; Secure" in set_cookie
    else:
        assert set_cookie.startswith("__Host-session=")


# --- V3.3 session termination -----------------------------------------------------------------------------------


@pytest.mark.conformance(source="ASVS V3.3.1 (logout invalidates the session; replay after logout)",
                         expect="the session cookie replayed after sign-out is anonymous")
def test_cookie_replayed_after_sign_out(app, person):
    browser = signed_in_browser(app.url, person)
    stolen = browser.session_id
    browser.sign_out(browser.csrf_token())
    replay = HostileBrowser(app.url)
    replay.plant(stolen)
    assert replay.is_signed_in() is False


@pytest.mark.conformance(source="ASVS V3.3.1 (logout ends the session at the identity provider too)",
                         expect="after sign-out, signing in again asks for the password (no silent sign-in through "
                                "a Hosted UI session left behind)")
def test_sign_out_ends_the_hosted_ui_session(app, person):
    browser = signed_in_browser(app.url, person)
    browser.http.post(f"{app.url}/logout", data={"csrf_token": browser.csrf_token()})  # follows to Cognito and back
    login_page = browser.http.get(f"{app.url}/login")
    fill_login_form(login_page, person, PASSWORD)  # raises if there is no password form


@pytest.mark.conformance(source="ASVS V3.3.2 (idle timeout)",
                         expect="a session unused for longer than SESSION_IDLE_TIMEOUT (1 s here) ends: the next "
                                "signed-in page says so (401) and the session is gone")
def test_idle_timeout(webapp_factory, person):
    app = webapp_factory(session_idle_timeout=1)
    browser = signed_in_browser(app.url, person)
    app.clock.offset += 1.2
    profile = browser.get("/profile")
    assert (profile.status_code, browser.is_signed_in()) == (401, False)


@pytest.mark.conformance(source="ASVS V3.3.2 (absolute timeout)",
                         expect="activity does not extend the session past SESSION_ABSOLUTE_LIFETIME (2 s here)")
def test_absolute_timeout(webapp_factory, person):
    app = webapp_factory(session_absolute_lifetime=2)
    browser = signed_in_browser(app.url, person)
    app.clock.offset += 1.5
    still_there = browser.get("/profile").status_code
    app.clock.offset += 0.7
    assert (still_there, browser.get("/profile").status_code) == (200, 401)


@pytest.mark.conformance(source="ASVS V3.3.4 (log out of all active sessions)",
                         expect="sign out everywhere ends the user's session in another browser too")
def test_sign_out_everywhere_ends_other_sessions(fresh_rp, hostile):
    rp = fresh_rp()  # its own store: the hostile IdP's one user stays signed out everywhere there
    laptop, phone = HostileBrowser(rp.url), HostileBrowser(rp.url)
    laptop.sign_in()
    phone.sign_in()
    laptop.post("/logout-everywhere", data={"csrf_token": laptop.csrf_token()})
    assert phone.is_signed_in() is False


@pytest.mark.conformance(source="ASVS V3.3.4 (log out of all active sessions) / OIDC Core 2 (auth_time)",
                         expect="a sign-in authenticated before the user signed out everywhere (a Hosted UI session "
                                "that outlived GlobalSignOut) gets no session: the browser is sent back to the Hosted "
                                "UI with prompt=login, and the refresh token it was issued is revoked")
def test_sign_out_everywhere_outlives_hosted_ui_sessions(fresh_rp, hostile):
    rp = fresh_rp()
    laptop, phone = HostileBrowser(rp.url), HostileBrowser(rp.url)
    laptop.sign_in()
    older = phone.authorize(phone.start_sign_in())  # authenticated at the Hosted UI before the sign-out...
    laptop.post("/logout-everywhere", data={"csrf_token": laptop.csrf_token()})
    response = phone.deliver(older.params)  # ...and arriving after it
    assert response.status_code == 302 and query_of(response.headers["Location"]).get("prompt") == "login"
    assert phone.is_signed_in() is False and len(hostile.revoked) == 1  # the phone's (GlobalSignOut ended the laptop's)


# --- V4.2.2 CSRF on sign-out ------------------------------------------------------------------------------------

KEPT = "refused ({status}); the session is kept"
FORGED_SIGN_OUTS = [
    case("no-token", "POST", "/logout", None, 400, source="ASVS V4.2.2 (CSRF on logout)",
         expect=KEPT.format(status=400)),
    case("forged-token", "POST", "/logout", "forged", 400, source="ASVS V4.2.2 (CSRF on logout)",
         expect=KEPT.format(status=400)),
    case("attackers-own-token", "POST", "/logout", "attacker", 400,
         source="ASVS V4.2.2 (CSRF token bound to the session, not just well-formed)", expect=KEPT.format(status=400)),
    case("get-request", "GET", "/logout", None, 405, source="ASVS V4.2.2 (state changes by POST only: a link or image cannot sign out)",
         expect=KEPT.format(status=405)),
    case("sign-out-everywhere-no-token", "POST", "/logout-everywhere", None, 400,
         source="ASVS V4.2.2 (CSRF on sign out everywhere)", expect=KEPT.format(status=400)),
]


@pytest.mark.parametrize(("method", "path", "token", "status"), FORGED_SIGN_OUTS)
def test_forged_sign_out_keeps_the_session(app, person, method, path, token, status):
    victim = signed_in_browser(app.url, person)
    if token == "attacker":
        token = signed_in_browser(app.url, person).csrf_token()  # a real token, of the attacker's own session
    data = {"csrf_token": token} if token else {}
    response = victim.http.request(method, app.url + path, data=data, allow_redirects=False)
    assert (response.status_code, victim.is_signed_in()) == (status, True)


# --- V8.2.1 caching ---------------------------------------------------------------------------------------------


@pytest.mark.conformance(source="ASVS V8.2.1 (anti-caching headers on sensitive pages)",
                         expect="signed-in pages carry Cache-Control: no-store (shared caches and the back button "
                                "never show them after sign-out)")
def test_signed_in_pages_are_not_stored(signed_in):
    assert [signed_in.get(path).headers.get("Cache-Control") for path in ("/", "/profile")] == ["no-store"] * 2
