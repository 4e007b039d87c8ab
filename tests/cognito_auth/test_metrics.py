"""What the extension counts for Prometheus, after real requests: outcomes by our own codes, never a caller's text,
a user id, an email or a token in a label."""

from __future__ import annotations

import re

import requests
from prometheus_client import REGISTRY

from tests.cognito_auth.conftest import Flow, scripted_sign_in, token_response
from tests.idp import past_half_life


def count(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def labels_of(prefix: str) -> set[str]:
    return {value for metric in REGISTRY.collect() if metric.name.startswith(prefix)
            for sample in metric.samples for value in sample.labels.values()}


def test_sign_ins_refreshes_sign_outs_and_timeouts_are_counted_by_outcome(scripted_webapp, hosted):
    running = scripted_webapp(session_idle_timeout=60, token_refresh_margin=10**6)
    before = {key: count(*key[:1], **dict(key[1:])) for key in [
        ("cognito_auth_sign_ins_total", ("outcome", "ok")), ("cognito_auth_sign_ins_total", ("outcome", "invalid_request")),
        ("cognito_auth_refreshes_total", ("outcome", "ok")), ("cognito_auth_refreshes_total", ("outcome", "rejected")),
        ("cognito_auth_sign_outs_total", ("kind", "here")), ("cognito_auth_sessions_timed_out_total", ("timeout", "idle")),
    ]}

    def delta(name, label, value):
        return count(name, **{label: value}) - before[(name, (label, value))]

    http = requests.Session()
    identity = dict(sub="counted-user", id={"email": "counted@example.com", "auth_time": 1_700_000_000},
                    access=past_half_life())
    scripted_sign_in(http, running.url, hosted, **identity)
    hosted.answer_tokens(token_response(hosted.idp, None, **identity))
    assert http.get(running.url + "/profile").status_code == 200  # a refresh that works
    hosted.answer_tokens({"error": "invalid_grant"}, status=400)
    assert http.get(running.url + "/profile", allow_redirects=False).status_code == 401  # one refused
    forged = Flow.start(requests.Session(), running.url).callback(error="<script>made-up-code</script>")
    assert forged.status_code == 400
    scripted_sign_in(http, running.url, hosted, **identity)
    token = re.search(r'name="csrf_token" value="([^"]+)"', http.get(running.url + "/profile").text).group(1)
    http.post(running.url + "/logout", data={"csrf_token": token}, allow_redirects=False)
    idle = requests.Session()
    scripted_sign_in(idle, running.url, hosted, sub="idle-user")
    running.clock.offset += 61
    idle.get(running.url + "/")

    assert delta("cognito_auth_sign_ins_total", "outcome", "ok") == 3
    assert delta("cognito_auth_sign_ins_total", "outcome", "invalid_request") == 1  # the class, not the text
    assert (delta("cognito_auth_refreshes_total", "outcome", "ok"),
            delta("cognito_auth_refreshes_total", "outcome", "rejected")) == (1, 1)
    assert delta("cognito_auth_sign_outs_total", "kind", "here") == 1
    assert delta("cognito_auth_sessions_timed_out_total", "timeout", "idle") == 1
    assert count("cognito_auth_cognito_request_seconds_count", endpoint="token") >= 5
    labels = labels_of("cognito_auth_")
    assert not [value for value in labels if "made-up" in value or "script" in value]
    assert not {"counted-user", "idle-user", "counted@example.com"} & labels
    assert not [value for value in labels if value.startswith("eyJ") or len(value) > 64]
