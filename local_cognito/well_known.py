"""OIDC discovery under the issuer: `/{pool_id}/.well-known/openid-configuration` and `jwks.json`.

The discovery document has exactly the members Cognito's has (reference §2.1): clients must not rely on
`grant_types_supported`, `code_challenge_methods_supported` and the like, because the real one omits them.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify

bp = Blueprint("well_known", __name__)


def _pool(pool_id: str):
    pool = current_app.extensions["local_cognito"]
    if pool_id != pool.pool_id:
        abort(404)
    return pool


@bp.get("/<pool_id>/.well-known/openid-configuration")
def openid_configuration(pool_id: str):
    pool = _pool(pool_id)
    domain = pool.base_url
    response = jsonify({
        "authorization_endpoint": f"{domain}/oauth2/authorize",
        "end_session_endpoint": f"{domain}/logout",
        "id_token_signing_alg_values_supported": ["RS256"],
        "issuer": pool.issuer,
        "jwks_uri": f"{pool.issuer}/.well-known/jwks.json",
        "response_types_supported": ["code", "token"],
        "revocation_endpoint": f"{domain}/oauth2/revoke",
        "scopes_supported": ["openid", "email", "phone", "profile"],
        "subject_types_supported": ["public"],
        "token_endpoint": f"{domain}/oauth2/token",
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "userinfo_endpoint": f"{domain}/oauth2/userInfo",
    })
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.get("/<pool_id>/.well-known/jwks.json")
def jwks(pool_id: str):
    response = jsonify(_pool(pool_id).keys.jwks())
    # Short enough that a verifier that caches it sees a rotation soon; verifiers refetch on unknown kids anyway.
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
