"""Amazon Cognito Hosted UI sign-in for any Flask app, tokens kept on the server.

    from webapp.cognito_auth import CognitoAuth, UserApiClient, current_user, login_required

    auth = CognitoAuth(app)                    # or CognitoAuth() + auth.init_app(app) in a factory

    @app.get("/orders")
    @login_required                            # or login_required(groups=["admins"]), login_required(api=True)
    def orders():
        return orders_api.get("/orders").json()    # UserApiClient: the user's token, refreshed, 401 -> retry once

`access_token()` is the session's access token, refreshed single-flight when due. Errors are `AuthError`
subclasses, rendered as `cognito_auth/error.html` (override it, or `cognito_auth/layout.html` to use your own
layout) or as JSON. Settings: the `COGNITO_*`, `SESSION_*`, `TOKEN_REFRESH_MARGIN`, `HTTP_TIMEOUT`, `APP_BASE_URL`
and `SECRET_KEY` variables, from `app.config` or the environment (README, "Configuration").
"""

from webapp.cognito_auth.access import current_user, login_required
from webapp.cognito_auth.errors import (
    AccessDenied,
    ApiSignInRejected,
    ApiTimeout,
    ApiUnavailable,
    AuthError,
    GlobalSignOutRefused,
    SessionStoreUnavailable,
    SignInFailed,
    SignInRequired,
    TokenServiceUnavailable,
)
from webapp.cognito_auth.extension import CognitoAuth
from webapp.cognito_auth.sessions import CurrentUser
from webapp.cognito_auth.settings import CognitoAuthSettings
from webapp.cognito_auth.tokens import access_token
from webapp.cognito_auth.user_api import UserApiClient

__all__ = [
    "AccessDenied", "ApiSignInRejected", "ApiTimeout", "ApiUnavailable", "AuthError", "CognitoAuth",
    "CognitoAuthSettings", "CurrentUser", "GlobalSignOutRefused", "SessionStoreUnavailable", "SignInFailed",
    "SignInRequired", "TokenServiceUnavailable", "UserApiClient", "access_token", "current_user", "login_required",
]
