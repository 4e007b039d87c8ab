"""`USER_SRP_AUTH`: InitiateAuth answers the `PASSWORD_VERIFIER` challenge, RespondToAuthChallenge checks the
client's proof (reference §7.3; the arithmetic is in `srp`).

As in Cognito the challenge carries no `Session`: its `SECRET_BLOCK` is the handle of the exchange, which the
client signs and sends back, and which answers once. `USERNAME` and `USER_ID_FOR_SRP` are the user's Cognito
username (the `sub` in an email pool), the name the client's proof and later `SECRET_HASH`es are computed over.
For a name no account has, the challenge is made up (a salt and verifier derived from the name, so asking twice
gives the same salt) and the proof then fails like a wrong password, unless the client is LEGACY.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import uuid
from typing import Any

from local_cognito import accounts, srp
from local_cognito.account_store import ChallengeSession
from local_cognito.api_errors import InvalidParameter, NotAuthorized, UserNotFound
from local_cognito.clients import AppClient
from local_cognito.json_api import parameter
from local_cognito.store import User

PASSWORD_VERIFIER = "PASSWORD_VERIFIER"
SECRET_BLOCK_BYTES = 1024  # Cognito's are about as long
MAX_SRP_A_DIGITS = 2 * 384 + 2  # a 3072-bit number in hex, with room for padding


def start(pool, client: AppClient, parameters: dict[str, Any]) -> dict[str, Any]:
    """The PASSWORD_VERIFIER challenge for `SRP_A`."""
    if not client.check_explicit_auth_flow("ALLOW_USER_SRP_AUTH"):
        raise InvalidParameter("USER_SRP_AUTH flow not enabled for this client")
    username = parameter(parameters, "USERNAME")
    big_a = public_value(parameter(parameters, "SRP_A"))
    accounts.check_secret_hash(client, parameters.get("SECRET_HASH"), [username])
    user = pool.store.find_user(username)
    if user is None and accounts.legacy_errors(client):
        raise UserNotFound("User does not exist.")
    user_id, salt, verifier = credentials(pool, user, username)
    b, big_b = srp.server_ephemeral(verifier)
    secret_block = base64.b64encode(secrets.token_bytes(SECRET_BLOCK_BYTES)).decode()
    pool.accounts.new_challenge_session(
        ChallengeSession(user.sub if user else None, client.client_id, PASSWORD_VERIFIER,
                         {"A": f"{big_a:x}", "b": f"{b:x}", "B": f"{big_b:x}", "user_id": user_id}),
        client.settings.auth_session_validity * 60, token=secret_block)
    return {"ChallengeName": PASSWORD_VERIFIER, "ChallengeParameters": {
        "SALT": salt, "SRP_B": f"{big_b:x}", "SECRET_BLOCK": secret_block, "USERNAME": user_id,
        "USER_ID_FOR_SRP": user_id}}


def public_value(text: str) -> int:
    """The client's `A`: hex, and not a multiple of N (SRP-6a's safeguard, RFC 5054 §2.5.4)."""
    try:
        value = int(text, 16) if len(text) <= MAX_SRP_A_DIGITS else 0
    except ValueError:
        value = 0
    if value % srp.N == 0:
        raise NotAuthorized("Invalid SRP_A value.")  # [Uncertain] Cognito's wording
    return value


def credentials(pool, user: User | None, username: str) -> tuple[str, str, str]:
    """The user id, salt and verifier the challenge is made of; made up (but stable) for no account."""
    if user is not None and user.srp_salt and user.srp_verifier:
        return user.username, user.srp_salt, user.srp_verifier
    seed = hmac.new(pool.secret_key.encode(), f"srp:{username}".encode(), hashlib.sha256).digest()
    user_id = user.username if user else str(uuid.UUID(bytes=seed[:16], version=4))
    salt = f"{int.from_bytes(seed[16:], 'big') | 1 << 127:x}"
    return user_id, salt, f"{pow(srp.G, int.from_bytes(seed, 'big'), srp.N):x}"


def verify(pool, client: AppClient, responses: dict[str, Any]) -> User:
    """The user whose proof this is (the lockout counting it), or the error a wrong password gets."""
    secret_block = parameter(responses, "PASSWORD_CLAIM_SECRET_BLOCK")
    signature = parameter(responses, "PASSWORD_CLAIM_SIGNATURE")
    timestamp = parameter(responses, "TIMESTAMP")
    username = parameter(responses, "USERNAME")
    session = pool.accounts.challenge_session(secret_block)
    if session is None or session.challenge != PASSWORD_VERIFIER or session.client_id != client.client_id:
        raise NotAuthorized("Invalid session for the user.")
    accounts.check_secret_hash(client, responses.get("SECRET_HASH"), [username])
    if not srp.TIMESTAMP.fullmatch(timestamp):
        raise InvalidParameter("TIMESTAMP format should be EEE MMM d HH:mm:ss z yyyy in english.")
    user = pool.store.user(session.sub) if session.sub else None
    named = pool.store.find_user(username)
    if user is not None and (named is None or named.sub != user.sub):
        raise NotAuthorized("Invalid session for the user.")
    pool.accounts.end_challenge_session(secret_block)

    def proof() -> bool:
        if user is None or not user.srp_verifier:
            return False
        key = srp.session_key(int(session.data["A"], 16), int(session.data["B"], 16), int(session.data["b"], 16),
                              user.srp_verifier)
        try:
            block = base64.b64decode(secret_block, validate=True)
        except (ValueError, binascii.Error):
            return False
        expected = srp.claim_signature(key, pool.pool_id, session.data["user_id"], block, timestamp) if key else ""
        return bool(key) and hmac.compare_digest(expected.encode(), signature.encode())

    return accounts.proven_sign_in(pool, client, user, proof)
