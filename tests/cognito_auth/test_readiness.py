"""Liveness and readiness are different questions: `/healthz` says the process answers, `/readyz` whether it can
serve signed-in pages now (the session store answers; Cognito's discovery document and keys are loaded or
loadable), so a load balancer sends no one to an instance that would answer 503."""

from __future__ import annotations

import requests

from tests.servers import HungServer


def test_ready_when_the_store_and_cognito_answer(scripted_webapp, hosted):
    running = scripted_webapp()
    answer = requests.get(running.url + "/readyz", timeout=10)
    assert (answer.status_code, answer.json()) == (200, {"status": "ready"})


def test_not_ready_while_the_session_store_is_hung_though_still_alive(scripted_webapp, hosted):
    hung = HungServer()
    try:
        running = scripted_webapp(session_redis_url=f"redis://127.0.0.1:{hung.port}/0", http_timeout=0.3)
        assert requests.get(running.url + "/healthz", timeout=10).status_code == 200
        answer = requests.get(running.url + "/readyz", timeout=10)
        assert answer.status_code == 503
        assert answer.json() == {"status": "unavailable", "problems": ["the session store is unreachable"]}
    finally:
        hung.stop()


def test_not_ready_while_cognito_cannot_be_reached(scripted_webapp, hosted):
    hosted.idp.respond(hosted.idp.metadata_path, {"error": "down"}, status=503)
    running = scripted_webapp()
    answer = requests.get(running.url + "/readyz", timeout=10)
    assert answer.status_code == 503 and answer.json()["problems"] == ["Cognito's discovery document is unavailable"]
