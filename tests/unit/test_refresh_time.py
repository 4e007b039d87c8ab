"""When the web app refreshes an access token: a margin before expiry, never before half the token's lifetime."""

from __future__ import annotations

import pytest

from webapp.cognito_auth.oidc_client import refresh_time

ISSUED = 1_700_000_000


@pytest.mark.parametrize(
    ("lifetime", "margin", "expected"),
    [
        (3600, 300, 3300),  # margin under half the lifetime: exp - margin
        (3600, 1800, 1800),  # margin exactly half: the same either way
        (300, 300, 150),  # Cognito's shortest access tokens with the default margin: half-way, not at once
        (300, 10**6, 150),  # any margin beyond the lifetime: half-way
        (301, 300, 151),  # an odd lifetime: never earlier than half-way
    ],
)
def test_refresh_time(lifetime, margin, expected):
    assert refresh_time(ISSUED, ISSUED + lifetime, margin) == ISSUED + expected


def test_an_iat_after_exp_never_puts_the_refresh_after_expiry():
    # The verifier's leeway lets `iat` sit a few seconds after `exp`; the token must still be due by its expiry.
    assert refresh_time(ISSUED + 4, ISSUED + 2, 300) == ISSUED + 2
