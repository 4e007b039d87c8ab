"""Figure 3: what the weather API's token check costs, per request and per verification.

3a: `GET /weatherforecast` with a valid access token ÷ the same view in the same process without the check
(`/bench/open/weatherforecast`, see `ceilings.weather_api_with_open_twin`); both requests carry the same
Authorization header, so only the checking differs.
3b: µs per verification of that token by the project's verifier (JWKS preloaded) ÷ raw RS256 with cryptography;
3c–e: the same for PyJWT, joserfc and python-jose, in the same alternating loops (see `verification`).
"""

from __future__ import annotations

from importlib import metadata

import requests

from tests.benchmarks.bench import Bench
from tests.benchmarks.measure import Target
from tests.benchmarks.report import Row, missing_row, ratio_row
from tests.benchmarks.verification import (
    PEERS,
    TokenSource,
    compare_verification,
    installed_peers,
    project_verifier,
    raw_verifier,
)
from tests.benchmarks.wrk import write_requests

SCOPE = "weatherapi/read"


def run(bench: Bench) -> list[Row]:
    cognito, api = bench.cognito, bench.weather_api
    token = cognito.machine_token()
    bearer = {"Authorization": f"Bearer {token}"}
    checked, open_twin = f"{api.url}/weatherforecast", f"{api.url}/bench/open/weatherforecast"
    answers = [requests.get(url, headers=bearer, timeout=10) for url in (checked, open_twin)]
    if [a.status_code for a in answers] != [200, 200] or answers[0].json() != answers[1].json():
        raise RuntimeError(f"the API and its open twin disagree: {[a.status_code for a in answers]}")
    if requests.get(checked, timeout=10).status_code != 401:
        raise RuntimeError("the weather API answered a request without a token")
    headers = write_requests(bench.scratch / "bearer.txt", [bearer])
    result = bench.compare(Target(checked, headers), Target(open_twin, headers))
    source = TokenSource(
        token=token, issuer=cognito.issuer, jwks_uri=f"{cognito.issuer}/.well-known/jwks.json",
        jwks=cognito.jwks(), client_ids=tuple(cognito.env["WEATHER_API_CLIENT_IDS"].split(",")), scope=SCOPE,
    )
    timings, raw_us = compare_verification({"project": project_verifier(source), **installed_peers(source)},
                                           raw_verifier(source))
    ours = timings["project"]
    rows = [
        ratio_row("3a. API with token check ÷ same view without", result.app_per_second, result.ceiling_per_second,
                  result.ratio, "req/s", 0.85),
        Row("3b. µs per token verification ÷ raw RS256 (cryptography)", f"{ours.microseconds:.1f} µs",
            f"{raw_us:.1f} µs", f"{ours.ratio:.2f}", "≤ 1.50", ours.ratio <= 1.50),
    ]
    for letter, (name, _, _) in zip("cde", PEERS):
        figure = f"3{letter}. Peer: {name}"
        if name not in timings:
            rows.append(missing_row(figure, "needs the bench extra"))
            continue
        timing = timings[name]
        rows.append(Row(f"{figure} {metadata.version(name)}, µs per verification of the same token ÷ raw RS256",
                        f"{timing.microseconds:.1f} µs", f"{raw_us:.1f} µs", f"{timing.ratio:.2f}", "report"))
    return rows
