"""Amazon Cognito Hosted UI sign-in for any Flask app, tokens kept on the server. The README's "Using it in your
own app" shows a complete app and describes each name below."""

from webapp.cognito_auth.access import current_user, login_required
from webapp.cognito_auth.errors import (
    AccessDenied,
    ApiSignInRejected,
    ApiTimeout,
    ApiUnavailable,
    AuthError,
    CognitoRefused,
    GlobalSignOutRefused,
    SessionStoreUnavailable,
    SignInFailed,
    SignInRequired,
    TokenServiceUnavailable,
)
from webapp.cognito_auth.extension import CognitoAuth, readiness_problems
from webapp.cognito_auth.sessions import CurrentUser
from webapp.cognito_auth.settings import CognitoAuthSettings
from webapp.cognito_auth.tokens import access_token
from webapp.cognito_auth.user_api import UserApiClient, user_pool_call
from webapp.cognito_auth.views import check_csrf

__all__ = [
    "AccessDenied", "ApiSignInRejected", "ApiTimeout", "ApiUnavailable", "AuthError", "CognitoAuth",
    "CognitoAuthSettings", "CognitoRefused", "CurrentUser", "GlobalSignOutRefused", "SessionStoreUnavailable",
    "SignInFailed", "SignInRequired", "TokenServiceUnavailable", "UserApiClient", "access_token", "check_csrf",
    "current_user", "login_required", "readiness_problems", "user_pool_call",
]
