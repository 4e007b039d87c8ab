"""`/login?next=` accepts local paths only, in every decoding a browser might apply."""

import pytest

from webapp.cognito_auth.next_path import safe_next_path


@pytest.mark.parametrize(
    "target",
    ["/", "/weather", "/profile?tab=1", "/search?q=new%20york", "/a/b#frag", "/price?x=100%25"],
)
def test_local_paths_are_kept(target):
    assert safe_next_path(target) == target


@pytest.mark.parametrize(
    "target",
    [
        None, "", "weather", "//evil.example", "///evil.example", "/\\evil.example", "/\\\\evil.example",
        "https://evil.example", "http:/evil.example", "javascript:alert(1)", "/%2F%2Fevil.example",
        "/%2fevil.example", "%2F%2Fevil.example", "/%5Cevil.example", "/%255C%255Cevil.example",
        "/%25252F%25252Fevil.example", "/\t/evil.example", "/\n/evil.example", "/%09/evil.example",
        "/%0d%0aSet-Cookie:x=y", "/x\x7f", "/" + "a" * 3000,
    ],
)
def test_everything_else_is_refused(target):
    assert safe_next_path(target) is None
