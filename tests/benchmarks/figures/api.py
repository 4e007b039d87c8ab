"""Figure 3: what the weather API's token check costs, per request and per verification.

3a: `GET /weatherforecast` with a valid access token ÷ the same view in the same process without the check
(`/bench/open/weatherforecast`, see `ceilings.weather_api_with_open_twin`); both requests carry the same
Authorization header, so only the checking differs.
3b: µs per verification of that token by the project's verifier (JWKS preloaded) ÷ raw RS256 with cryptography.
"""

from __future__ import annotations

import requests

from tests.benchmarks.bench import Bench
from tests.benchmarks.measure import Target
from tests.benchmarks.report import Row, ratio_row
from tests.benchmarks.verification import TokenSource, compare_verification
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
    project_us, raw_us, ratio = compare_verification(source)
    return [
        ratio_row("3a. API with token check ÷ same view without", result.app_per_second, result.ceiling_per_second,
                  result.ratio, "req/s", 0.85),
        Row("3b. µs per token verification ÷ raw RS256 (cryptography)", f"{project_us:.1f} µs", f"{raw_us:.1f} µs",
            f"{ratio:.2f}", "≤ 1.50", ratio <= 1.50),
    ]
