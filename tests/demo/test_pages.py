"""The public pages render and carry the security headers."""

import hashlib
import http.client
import re
from pathlib import Path
from urllib.parse import urlsplit

import requests

STATIC = Path(__file__).parents[2] / "static"


def directives(answer: requests.Response) -> set[str]:
    return {directive.strip() for directive in answer.headers["Cache-Control"].split(",")}


def test_home_is_public(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b"Sign in" in response.data


def test_healthz(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_security_headers(client):
    headers = client.get("/").headers
    csp = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src" not in csp and "unsafe-inline" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/nope")
    assert response.status_code == 404
    assert b"Back to the home page" in response.data


def test_wrong_method_is_a_friendly_405_that_names_the_allowed_ones(client):
    response = client.get("/logout")
    assert response.status_code == 405
    assert b"Back to the home page" in response.data
    assert "POST" in response.headers["Allow"]  # RFC 9110 15.5.6: a 405 must list the methods the URL takes


def test_a_host_header_that_is_no_host_name_is_a_plain_400(client):
    response = client.get("/", headers={"Host": "a" * 64 + ".example.com"})  # a label longer than DNS allows
    assert response.status_code == 400 and b"Host header" in response.data


def test_a_header_the_view_set_is_kept(app):
    @app.get("/framed")
    def framed():
        return "", {"X-Frame-Options": "SAMEORIGIN", "content-security-policy": "default-src 'self'"}

    headers = app.test_client().get("/framed").headers
    assert headers.getlist("X-Frame-Options") == ["SAMEORIGIN"]
    assert headers.getlist("Content-Security-Policy") == ["default-src 'self'"]
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"  # the ones it did not set are added


def test_links_follow_the_path_the_app_is_served_under(client):
    """Template links are built once per script root (`webapp/demo/links.py`): behind two prefixes in turn, each
    page links within its own."""
    for root in ("/first", "/second", "", "/first"):
        page = client.get("/", base_url=f"http://localhost{root}").get_data(as_text=True)
        assert f'href="{root}/static/style.css?v=' in page
        assert f'href="{root}/login"' in page and f'href="{root}/"' in page
        assert 'href="/first/' not in page or root == "/first"


def test_pages_link_static_files_by_content_so_browsers_keep_them_for_a_year(webapp):
    """A page view costs no request for its stylesheet or icon once they are cached; a changed file is a new URL.
    The same file without that digest (an old page, a hand-typed URL) is revalidated, as Flask serves it."""
    page = requests.get(webapp.url + "/", timeout=10).text
    for name in ("style.css", "favicon.svg"):
        digest = hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:16]
        (link,) = re.findall(rf'href="(/static/{re.escape(name)}[^"]*)"', page)
        assert link == f"/static/{name}?v={digest}"
        kept = requests.get(webapp.url + link, timeout=10)
        assert kept.content == (STATIC / name).read_bytes()
        assert directives(kept) == {"public", "max-age=31536000", "immutable"}
        for other in (f"/static/{name}", f"/static/{name}?v=0123456789abcdef"):
            revalidated = requests.get(webapp.url + other, timeout=10)
            assert revalidated.status_code == 200 and directives(revalidated) == {"no-cache"}
            assert requests.get(webapp.url + other, headers={"If-None-Match": revalidated.headers["ETag"]},
                                timeout=10).status_code == 304
        # Sent as written (requests would remove the dot segment): another spelling of the file, without the digest.
        connection = http.client.HTTPConnection(*urlsplit(webapp.url).netloc.split(":"), timeout=10)
        connection.request("GET", f"/static/./{name}")
        answer = connection.getresponse()
        assert answer.read() == (STATIC / name).read_bytes() and answer.getheader("Cache-Control") == "no-cache"
        connection.close()


def test_in_debug_mode_static_files_are_always_revalidated(webapp_factory):
    """In debug mode a developer edits the stylesheet without restarting: no URL may be kept."""
    running = webapp_factory()
    running.app.debug = True
    (link,) = re.findall(r'href="(/static/style.css[^"]*)"', requests.get(running.url + "/", timeout=10).text)
    assert directives(requests.get(running.url + link, timeout=10)) == {"no-cache"}
