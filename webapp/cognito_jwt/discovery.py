"""OpenID Connect discovery for a Cognito user pool, with the checks Authlib leaves out: the document's `issuer`
must equal the configured issuer exactly (OIDC Discovery 1.0 §4.3, RFC 8414 §3.3), or a document served from the
wrong place could name another pool whose tokens we would accept; every endpoint we send a user, a code or a token
to must be https (or http on loopback), and the web app's must be on the configured Hosted UI domain.

`LazyMetadata` fetches on first use (an app must start while Cognito is unreachable), keeps a good document, and
remembers a failure for a short while so an outage costs one fetch per interval.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

import requests

from webapp.bounded_http import DocumentFetchError, bounded_session, fetch_json
from webapp.environment import endpoint_problem

#: What the weather API needs from the document.
API_ENDPOINTS = ("jwks_uri",)
#: What the web app needs: everything it sends a browser or a token to (Cognito lists all of them when the pool
#: has a domain; `end_session_endpoint` is Cognito's `/logout`).
WEB_APP_ENDPOINTS = (
    "jwks_uri",
    "authorization_endpoint",
    "token_endpoint",
    "userinfo_endpoint",
    "revocation_endpoint",
    "end_session_endpoint",
)
#: The web app's endpoints that live on the Hosted UI domain (the JWKS lives under the issuer).
HOSTED_UI_ENDPOINTS = WEB_APP_ENDPOINTS[1:]
MAX_DOCUMENT_BYTES = 256 * 1024


class DiscoveryError(Exception):
    """The discovery document is unusable; the message says why (it never holds a token)."""


class DiscoveryFetchError(DiscoveryError):
    """The document could not be fetched, or is not a JSON object."""


class IssuerMismatchError(DiscoveryError):
    """The document's `issuer` is not the configured issuer."""


class InsecureEndpointError(DiscoveryError):
    """A required endpoint is missing, not an absolute URL, plain http off loopback, or off the Hosted UI domain."""


def origin(url: str) -> tuple[str, str, int | None] | None:
    """(scheme, host, port) with default ports filled in; None for a URL that does not parse."""
    try:
        parts = urlsplit(url)
        port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    except ValueError:
        return None
    return parts.scheme, (parts.hostname or "").lower(), port


def check_metadata(document: Any, issuer: str, required: Sequence[str]) -> dict[str, Any]:
    """The document if its issuer is exactly `issuer` and every `required` endpoint is present and acceptable by
    the same rule as the URLs in our own settings (`endpoint_problem`)."""
    if not isinstance(document, dict):
        raise DiscoveryFetchError("the discovery document is not a JSON object")
    if document.get("issuer") != issuer:
        raise IssuerMismatchError(f"the discovery document's issuer is not {issuer}")
    for name in required:
        value = document.get(name)
        problem = endpoint_problem(value) if isinstance(value, str) and value else "is missing"
        if problem:
            raise InsecureEndpointError(f"the discovery document's {name} {problem}")
    return document


def check_on_domain(document: dict[str, Any], domain: str) -> None:
    """The Hosted UI endpoints must share the scheme, host and port of `domain` (the configured Hosted UI domain):
    a document that sent users to sign in elsewhere would hand their passwords and codes to someone else."""
    for name in HOSTED_UI_ENDPOINTS:
        value = document.get(name)
        if not isinstance(value, str) or origin(value) != origin(domain):
            raise InsecureEndpointError(f"{name} is not on the Hosted UI domain {domain}")


def fetch_metadata(
    metadata_url: str,
    issuer: str,
    *,
    required: Sequence[str] = API_ENDPOINTS,
    session: requests.Session | None = None,
    timeout: float = 5.0,
) -> dict[str, Any]:
    """Fetch the discovery document and check it (`check_metadata`)."""
    try:
        document = fetch_json(session or bounded_session(MAX_DOCUMENT_BYTES), metadata_url, timeout=timeout)
    except DocumentFetchError as error:
        raise DiscoveryFetchError(str(error)) from None
    return check_metadata(document, issuer, required)


class LazyMetadata:
    """The discovery document, fetched on first `get()` and then kept.

    One fetch in flight at a time (other threads wait for its result); a failure is remembered for
    `retry_interval` seconds, during which `get()` raises it again at once instead of making every request
    wait for a timeout while Cognito is down.
    """

    def __init__(
        self,
        metadata_url: str,
        issuer: str,
        *,
        required: Sequence[str] = API_ENDPOINTS,
        session: requests.Session | None = None,
        timeout: float = 5.0,
        retry_interval: float = 5.0,
    ):
        session = session or bounded_session(MAX_DOCUMENT_BYTES)
        self._fetch = functools.partial(fetch_metadata, metadata_url, issuer, required=required, session=session,
                                        timeout=timeout)
        self.retry_interval = retry_interval
        self._metadata: dict[str, Any] | None = None
        self._failure: tuple[float, type[DiscoveryError], str] | None = None
        self._lock = threading.Lock()

    def get(self) -> dict[str, Any]:
        if self._metadata is not None:
            return self._metadata
        with self._lock:
            if self._metadata is None:
                if self._failure and time.monotonic() - self._failure[0] < self.retry_interval:
                    _, error_class, message = self._failure
                    raise error_class(message)  # a fresh instance: re-raising one would grow its traceback forever
                try:
                    self._metadata = self._fetch()
                except DiscoveryError as error:
                    self._failure = (time.monotonic(), type(error), str(error))
                    raise
            return self._metadata
