"""The public pages render and carry the security headers."""


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
