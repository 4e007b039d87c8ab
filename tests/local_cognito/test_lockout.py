"""Lockout after repeated wrong passwords (reference §7.1), in the JSON API and the Hosted UI alike: the fifth
failure locks the user out for 1 s, each further one twice as long (at most 15 minutes); during a lockout even
the right password is answered "Password attempts exceeded"; afterwards it works again."""

from __future__ import annotations

import pytest

from tests.local_cognito.accounts_support import PASSWORD, confirmed_user, password_sign_in, raises_api_error
from tests.local_cognito.conftest import Browser, make_code_flow, query
from local_cognito.lockout import lockout_seconds

WRONG = "Wrong-Passw0rd!"
EXCEEDED = "Password attempts exceeded"
INCORRECT = "Incorrect username or password."


def fail(idp, cli: str, email: str, times: int) -> None:
    for _ in range(times):
        with raises_api_error("NotAuthorizedException", INCORRECT):
            password_sign_in(idp, cli, email, WRONG)


def test_the_documented_back_off():
    assert [lockout_seconds(n) for n in range(1, 17)] == [0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900,
                                                          900]


def test_the_fifth_wrong_password_locks_out_even_the_right_one(api_pool, idp, cli):
    email = confirmed_user(api_pool, "locked")
    fail(idp, cli, email, 5)
    with raises_api_error("NotAuthorizedException", EXCEEDED):
        password_sign_in(idp, cli, email)
    with api_pool.clock.moved(1.5):
        assert password_sign_in(idp, cli, email)["AuthenticationResult"]


def test_the_lockout_grows_and_attempts_during_it_do_not_count(api_pool, idp, cli):
    email = confirmed_user(api_pool, "growing")
    fail(idp, cli, email, 5)
    waited = 0.0
    for failures in range(6, 10):  # each wrong password after a lockout doubles the next one
        for _ in range(3):  # refused unheard, and not counted
            with raises_api_error("NotAuthorizedException", EXCEEDED):
                password_sign_in(idp, cli, email, WRONG)
        waited += lockout_seconds(failures - 1) + 0.5
        with api_pool.clock.moved(waited):
            fail(idp, cli, email, 1)
    with api_pool.clock.moved(waited + lockout_seconds(9) - 1):
        with raises_api_error("NotAuthorizedException", EXCEEDED):
            password_sign_in(idp, cli, email)
    with api_pool.clock.moved(waited + lockout_seconds(9) + 0.5):
        assert password_sign_in(idp, cli, email)["AuthenticationResult"]
        fail(idp, cli, email, 4)  # a success forgot the failures: four more are free again
        assert password_sign_in(idp, cli, email)["AuthenticationResult"]


def test_fifteen_quiet_minutes_forget_the_failures(api_pool, idp, cli):
    email = confirmed_user(api_pool, "quiet")
    fail(idp, cli, email, 4)
    with api_pool.clock.moved(15 * 60 + 1):
        fail(idp, cli, email, 4)  # counted from zero again: no lockout yet
        assert password_sign_in(idp, cli, email)["AuthenticationResult"]


def test_every_password_flow_shares_the_count(api_pool, idp, cli):
    from tests.local_cognito.test_srp import srp

    email = confirmed_user(api_pool, "shared-count")
    token = password_sign_in(idp, cli, email)["AuthenticationResult"]["AccessToken"]
    fail(idp, cli, email, 3)
    with raises_api_error("NotAuthorizedException", INCORRECT):
        srp(api_pool, idp, email, WRONG).authenticate_user()
    with raises_api_error("NotAuthorizedException", INCORRECT):  # the fifth failure
        idp.change_password(AccessToken=token, PreviousPassword=WRONG, ProposedPassword="N3w-Passw0rd!")
    with raises_api_error("NotAuthorizedException", EXCEEDED):
        srp(api_pool, idp, email).authenticate_user()
    with raises_api_error("NotAuthorizedException", EXCEEDED):
        idp.change_password(AccessToken=token, PreviousPassword=PASSWORD, ProposedPassword="N3w-Passw0rd!")


@pytest.mark.parametrize("lang", [None, "fr"])
def test_the_hosted_ui_says_so_next_to_the_password(local_cognito, endpoints, lang):
    email = confirmed_user(local_cognito, "hosted-locked")
    flow = make_code_flow(local_cognito, endpoints, scope="openid")
    url, _ = flow.authorization_url(**({"lang": lang} if lang else {}))
    browser = Browser(local_cognito.url)
    for _ in range(5):
        page = browser.follow_to_login(url)
        answer = browser.submit(page, username=email, password=WRONG).text
        assert ("Nom d'utilisateur ou mot de passe incorrect." if lang else INCORRECT) in answer.replace("&#39;", "'")
    page = browser.follow_to_login(url)
    refused = browser.submit(page, username=email, password=PASSWORD)
    assert refused.status_code == 400
    assert ("Nombre de tentatives de mot de passe dépassé" if lang else EXCEEDED) in refused.text
    with local_cognito.clock.moved(1.5):
        assert "code" in query(browser.sign_in(url, email, PASSWORD))
