"""Schemathesis against the live API: requests generated from the API's own /openapi.json, sent with a token.

Checks: no 5xx for any generated input (positive and negative data), and every response matches the document's
schema for its status. (Schemathesis' pytest plugin, `from_fixture`, reads a private pytest attribute that
pytest 9 removed, so the Hypothesis strategy is driven directly.)
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

CHECKS = [not_a_server_error, response_schema_conformance]


@pytest.fixture(scope="module")
def api_schema(api):
    return schemathesis.openapi.from_url(f"{api.url}/openapi.json")


def run_generated_cases(api_schema, mode: GenerationMode, authorization: str, max_examples: int) -> None:
    @given(case=api_schema.as_strategy(generation_mode=mode))
    @settings(max_examples=max_examples, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def check(case):
        case.call_and_validate(headers={"Authorization": authorization}, checks=CHECKS)

    check()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["positive", "negative"])
def test_responses_with_a_valid_token_conform(api_schema, fake_idp, mode):
    run_generated_cases(api_schema, mode, f"Bearer {fake_idp.access_token()}", 60)


def test_responses_with_a_token_lacking_the_scope_conform(api_schema, fake_idp):
    run_generated_cases(api_schema, GenerationMode.POSITIVE, f"Bearer {fake_idp.access_token(scope='openid')}", 30)


def test_responses_with_an_invalid_token_conform(api_schema):
    run_generated_cases(api_schema, GenerationMode.POSITIVE, "Bearer not-a-token", 30)
