"""A hung or failing dependency costs only the pages that need it, and only for a while: after three calls in a
row that got no answer, its circuit opens and pages answer at once (the same 502/503/504 pages) instead of each
waiting for a timeout; after a pause one trial call goes through again. And all of a request's calls together
wait at most HTTP_TIMEOUT."""

from __future__ import annotations

import logging

import requests

from tests.cognito_auth.conftest import Flow, scripted_sign_in, token_response
from tests.cognito_auth.scripted_idp import TOKEN_PATH
from tests.demo.weather_doubles import ScriptedApi
from tests.idp import past_half_life
from tests.servers import HungServer

FORECAST = '[{"date": "2030-01-02", "temperatureC": 3, "temperatureF": 37, "summary": "Chilly"}]'

PAUSE = 10  # the breakers' pause, in seconds of the app's clock


def test_a_hung_session_store_is_waited_on_three_times_then_answered_at_once(scripted_webapp, hosted, caplog):
    caplog.set_level(logging.INFO)
    hung = HungServer()
    try:
        running = scripted_webapp(session_redis_url=f"redis://127.0.0.1:{hung.port}/0", http_timeout=0.3)
        statuses = [requests.get(running.url + "/login", allow_redirects=False, timeout=10).status_code
                    for _ in range(5)]
        assert statuses == [503] * 5
        assert len(hung.connections) == 3  # the last two were answered without asking the store
        # The log: one line per failed request, one warning that says what is down, no traceback.
        assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == [
            "the session store is failing: not calling it for 10 s"]
        assert not [r for r in caplog.records if r.exc_info]
        assert len([r for r in caplog.records if "SessionStoreUnavailable" in r.getMessage()]) == 5
        running.clock.offset += PAUSE + 1  # half-open: one trial goes through
        assert requests.get(running.url + "/login", allow_redirects=False, timeout=10).status_code == 503
        assert len(hung.connections) == 4
    finally:
        hung.stop()


def test_a_hung_token_endpoint_stops_being_called_and_comes_back_after_the_pause(scripted_webapp, hosted):
    running = scripted_webapp()  # http_timeout 1 s
    hosted.delay = 1.5
    for _ in range(4):
        flow = Flow.start(requests.Session(), running.url)
        assert flow.callback().status_code == 503
    assert len(hosted.recorded(TOKEN_PATH)) == 3  # the fourth sign-in failed at once
    hosted.delay = 0.0
    running.clock.offset += PAUSE + 1
    http = requests.Session()
    assert scripted_sign_in(http, running.url, hosted).status_code == 302  # the trial call closes the circuit
    assert http.get(running.url + "/profile").status_code == 200


def test_a_requests_calls_share_one_timeout(scripted_webapp, hosted):
    """The weather page refreshes a due token, then calls the API. Each call alone fits HTTP_TIMEOUT (2 s); the two
    together do not, and the page answers when the request's time is up instead of waiting for the API."""
    api = ScriptedApi()
    try:
        running = scripted_webapp(token_refresh_margin=10**6, weather_api_url=api.url, http_timeout=2.0)
        http = requests.Session()
        # Due at every use (each page refreshes first), from one authentication (the same auth_time throughout).
        tokens = dict(sub="budget", access=past_half_life(), id={"auth_time": 1_700_000_000})
        scripted_sign_in(http, running.url, hosted, **tokens)
        api.answer(200, FORECAST)
        api.delay = 1.0
        hosted.answer_tokens(token_response(hosted.idp, None, **tokens))
        assert http.get(running.url + "/weather").status_code == 200  # a quick refresh, then the API in 1 s
        hosted.delay = 1.4
        hosted.answer_tokens(token_response(hosted.idp, None, **tokens))
        page = http.get(running.url + "/weather")
        assert page.status_code == 504 and "taking too long" in page.text
        assert len(api.cookies_received) == 2  # the API was called, with what was left of the 2 s
    finally:
        api.stop()
