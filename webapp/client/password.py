"""A user's tokens from Cognito's JSON API (`webapp.cognito_json_api`): `InitiateAuth` with USER_PASSWORD_AUTH, then
REFRESH_TOKEN_AUTH, at the issuer's origin (these operations take no AWS credentials).

Hand-written, because no library does it: SECRET_HASH, the NEW_PASSWORD_REQUIRED challenge, and the choice
between refreshing and asking for the password again. The password comes from `Terminal` and is never stored.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from joserfc import jws
from joserfc.errors import JoseError

from webapp import cognito_json_api
from webapp.bounded_http import bounded_session
from webapp.client.errors import CommandError, SignInError, UnreachableError, UsageError, printable
from webapp.client.settings import PasswordClient
from webapp.client.terminal import Terminal
from webapp.client.token_cache import CachedToken, TokenCache

#: Cognito's messages for these are already the one clear line a person needs ("Incorrect username or
#: password.", "User is not confirmed.", "Password did not conform with policy: …").
SELF_EXPLANATORY = {
    "NotAuthorizedException",
    "UserNotConfirmedException",
    "PasswordResetRequiredException",
    "InvalidPasswordException",
    "UserNotFoundException",
    "TooManyRequestsException",
    "LimitExceededException",
}
#: The API model's minimum lengths of what the command sends, which Cognito never issues shorter: such a value is
#: refused before sending (botocore did it for us before).
MIN_LENGTHS = {"ClientId": 1, "ClientSecret": 24, "Session": 20}
# Cognito's answers here: three JWTs at most, a few kilobytes each; anything near this is not Cognito.
MAX_ANSWER_BYTES = 256 * 1024


def secret_hash(username: str, client_id: str, client_secret: str) -> str:
    """Base64(HMAC-SHA256(key=client secret, message=username + client id)), as Cognito defines SECRET_HASH."""
    digest = hmac.new(client_secret.encode(), (username + client_id).encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def token_username(access_token: str) -> str | None:
    """The access token's `username` claim, read without verifying the signature.

    Only SECRET_HASH on refresh needs it (Cognito hashes its own name for the user, not the e-mail address typed
    at sign-in), and Cognito checks that hash itself: nothing is trusted on the strength of this value.
    """
    try:
        claims = json.loads(jws.extract_compact(access_token.encode()).payload)
    except (JoseError, ValueError, RecursionError):
        return None
    username = claims.get("username") if isinstance(claims, dict) else None
    return username if isinstance(username, str) else None


class PasswordTokens:
    """A user's tokens for the cli app client: cached, refreshed with the refresh token, and only when that fails
    obtained again with the password."""

    #: Real Cognito puts only `aws.cognito.signin.user.admin` in InitiateAuth access tokens; the pool adds API
    #: scopes only through a pre token generation trigger.
    insufficient_scope_hint = (
        "Password sign-in tokens carry the API's scope only when the user pool adds it (a pre token generation "
        "trigger): see \"Password sign-in and the API's scope\" in the README."
    )

    def __init__(
        self,
        client: PasswordClient,
        username: str,
        cache: TokenCache,
        prompter: Terminal,
        *,
        timeout: float,
    ):
        self.client = client
        self.username = username
        self.cache = cache
        self.prompter = prompter
        self.timeout = timeout
        self.key = f"user_password|{client.issuer.issuer}|{client.client_id}|{username}"
        self.http = bounded_session(MAX_ANSWER_BYTES, base_url=client.issuer.api_endpoint)

    def token(self) -> CachedToken:
        return self.cache.get(self.key, self._obtain)

    def reject(self, token: CachedToken) -> None:
        """The API refused the access token: the next `token()` refreshes it."""
        self.cache.expire(self.key, token)

    def forget(self) -> None:
        """Sign out on this machine: drop the cached tokens and revoke the refresh token (RevokeToken), which also
        revokes the access tokens issued from it."""
        token = self.cache.remove(self.key)
        if token is not None and token.refresh_token:
            params = {"Token": token.refresh_token, "ClientId": self.client.client_id}
            if self.client.client_secret:
                params["ClientSecret"] = self.client.client_secret
            try:
                self._call("RevokeToken", **params)
            except CommandError as error:
                raise CommandError(
                    f"The cached tokens are removed, but the refresh token was not revoked: {error}"
                ) from None

    # --- obtaining tokens -------------------------------------------------------------------------------------

    def _obtain(self, stale: CachedToken | None) -> CachedToken:
        if stale is not None and stale.refresh_token:
            try:
                return self._refresh(stale)
            except SignInError as error:
                if error.code != "NotAuthorizedException":
                    raise
                self.prompter.notice(f"Your saved sign-in for {self.username} no longer works; sign in again.")
        return self._sign_in()

    def _sign_in(self) -> CachedToken:
        password = self.prompter.password(f"Password for {self.username}: ")
        response = self._call(
            "InitiateAuth",
            AuthFlow="USER_PASSWORD_AUTH",
            ClientId=self.client.client_id,
            AuthParameters=self._with_secret_hash({"USERNAME": self.username, "PASSWORD": password}, self.username),
        )
        if response.get("ChallengeName"):
            response = self._answer_challenge(response)
        return self._tokens(response.get("AuthenticationResult"), refresh_token=None)

    def _answer_challenge(self, response: dict) -> dict:
        """NEW_PASSWORD_REQUIRED (a user an administrator created with a temporary password) is answered with a
        new password; other challenges (MFA, custom) need a client this command is not."""
        challenge = str(response["ChallengeName"])
        if challenge != "NEW_PASSWORD_REQUIRED":
            raise SignInError(
                f"Cognito asks for {printable(challenge)}, which this command cannot answer: sign in with the "
                "Hosted UI instead.",
                challenge,
            )
        parameters = string_map(response.get("ChallengeParameters"))
        required = required_attributes(parameters.get("requiredAttributes"))
        if required:
            names = ", ".join(printable(name.removeprefix("userAttributes.")) for name in required)
            raise SignInError(
                f"Cognito needs these attributes before the password can be set: {names}. Set them in the Hosted "
                "UI, or ask an administrator.",
                challenge,
            )
        # Cognito's name for the user (USER_ID_FOR_SRP) is what the answer and its SECRET_HASH must use.
        username = parameters.get("USER_ID_FOR_SRP") or self.username
        new_password = self.prompter.new_password(f"A new password is required for {self.username}. New password: ")
        response = self._call(
            "RespondToAuthChallenge",
            ClientId=self.client.client_id,
            ChallengeName=challenge,
            Session=response.get("Session", ""),
            ChallengeResponses=self._with_secret_hash({"USERNAME": username, "NEW_PASSWORD": new_password}, username),
        )
        if response.get("ChallengeName"):
            return self._answer_challenge(response)
        return response

    def _refresh(self, stale: CachedToken) -> CachedToken:
        assert stale.refresh_token is not None
        parameters = {"REFRESH_TOKEN": stale.refresh_token}
        response = self._call(
            "InitiateAuth",
            AuthFlow="REFRESH_TOKEN_AUTH",
            ClientId=self.client.client_id,
            AuthParameters=self._with_secret_hash(parameters, stale.username or self.username),
        )
        # Without refresh token rotation Cognito sends no new refresh token: the old one stays in use.
        return self._tokens(response.get("AuthenticationResult"), refresh_token=stale.refresh_token)

    def _with_secret_hash(self, parameters: dict[str, str], username: str) -> dict[str, str]:
        if self.client.client_secret:
            parameters["SECRET_HASH"] = secret_hash(username, self.client.client_id, self.client.client_secret)
        return parameters

    def _tokens(self, result: Any, *, refresh_token: str | None) -> CachedToken:
        """The cache entry for an AuthenticationResult, or an error if Cognito sent none that can be used."""
        if not isinstance(result, dict):
            raise UnreachableError("Cognito answered without tokens.")
        access_token, expires_in = result.get("AccessToken"), result.get("ExpiresIn")
        if not isinstance(access_token, str) or not isinstance(expires_in, int) or expires_in <= 0:
            raise UnreachableError("Cognito answered without a usable access token.")
        new_refresh_token = result.get("RefreshToken")
        return CachedToken(
            access_token=access_token,
            expires_at=self.cache.clock() + expires_in,
            refresh_token=new_refresh_token if isinstance(new_refresh_token, str) else refresh_token,
            username=token_username(access_token) if self.client.client_secret else None,
        )

    def _call(self, operation: str, **params: Any) -> dict:
        """One JSON API call; Cognito's errors become `SignInError` with its `__type` as the code."""
        refused = [name for name, least in MIN_LENGTHS.items()
                   if name in params and not (isinstance(params[name], str) and len(params[name]) >= least)]
        if refused:
            # A client id or secret of a shape Cognito never issues, or a value the server handed us (a Session
            # too short to be Cognito's). Only the names are shown: the values may be secret.
            raise UsageError(
                f"Cognito would refuse this {operation} request ({', '.join(refused)} not valid): check CLI_CLIENT_ID "
                "and CLI_CLIENT_SECRET."
            )
        endpoint = self.client.issuer.api_endpoint
        try:
            return cognito_json_api.call(self.http, endpoint, operation, params, timeout=self.timeout)
        except cognito_json_api.CognitoError as error:
            raise cognito_error(error.code, error.message) from None
        except cognito_json_api.NoAnswer as failure:
            if str(failure) == "invalid_response":
                raise UnreachableError(f"{endpoint} does not answer like Cognito's JSON API ({operation}).") from None
            raise UnreachableError(f"Cannot reach Cognito at {endpoint} ({printable(str(failure))}).") from None


def string_map(value: Any) -> dict[str, str]:
    """The strings of a map of strings in Cognito's answer (ChallengeParameters); anything else is not Cognito's."""
    return {key: item for key, item in value.items() if isinstance(item, str)} if isinstance(value, dict) else {}


def required_attributes(raw: Any) -> list[str]:
    """The attribute names of a NEW_PASSWORD_REQUIRED challenge (a JSON array in a string)."""
    try:
        names = json.loads(raw or "[]")
    except (ValueError, RecursionError):
        return ["(unreadable list)"]
    return [str(name) for name in names] if isinstance(names, list) else []


def cognito_error(code: str, message: str) -> SignInError:
    code, message = printable(code or "UnknownError"), printable(message)
    if code in SELF_EXPLANATORY and message:
        return SignInError(message, code)
    if code == "ResourceNotFoundException":
        return SignInError("Cognito does not know the cli app client: check CLI_CLIENT_ID and the user pool.", code)
    return SignInError(f"Cognito refused the request ({code}{': ' + message if message else ''}).", code)
