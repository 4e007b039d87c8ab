"""`/oauth2/userInfo`: the signed-in user's attributes for a live access token that carries `openid`.

Cognito answers with strings only (`"email_verified": "true"`), adds `username`, and refuses revoked and
globally signed-out tokens even though their signatures still verify (reference §1.4).
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request

from local_cognito.token_issuer import InvalidAccessToken, readable_attributes

bp = Blueprint("userinfo", __name__)


def bearer_error(status: int, error: str, description: str) -> Response:
    response = jsonify({"error": error, "error_description": description})
    response.status_code = status
    response.headers["WWW-Authenticate"] = f'Bearer error="{error}", error_description="{description}"'
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.route("/oauth2/userInfo", methods=["GET", "POST"])
def user_info() -> Response:
    pool = current_app.extensions["local_cognito"]
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return bearer_error(400, "invalid_request", "Bearer token is missing")
    try:
        claims = pool.tokens.verify_access_token(token.strip())
    except InvalidAccessToken as error:
        return bearer_error(401, "invalid_token", str(error))
    if "openid" not in str(claims.get("scope", "")).split():
        return bearer_error(401, "invalid_token", "Access token does not contain openid scope")
    user = pool.store.active_user(str(claims.get("sub")))
    client = pool.store.client(str(claims.get("client_id")))
    if user is None or client is None:
        return bearer_error(401, "invalid_token", "User does not exist.")
    info = {"sub": user.sub, **readable_attributes(user, client), "username": user.username}
    response = jsonify(info)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
