"""Cognito Hosted UI sign-in for Flask, done properly: the product package.

    cognito_auth/   the Flask extension any app can use (`CognitoAuth(app)`)
    demo/           the demo web app, its first consumer (home, profile, weather page)
    cognito_jwt/    the Cognito JWT verifier (aws-jwt-verify's shape), used by the extension and the API
    weather_api/    the protected weather API (resource server)
    client/         the command-line client (client credentials and password flows)

`create_app` is the demo web app's factory, so that `flask --app webapp run` and `gunicorn 'webapp:create_app()'`
serve it.
"""

from __future__ import annotations

from typing import Any


def create_app(*args: Any, **kwargs: Any):
    """The demo web app (`webapp.demo.create_app`), imported when asked for: the CLI and the API share this
    package and have no use for the web app's imports."""
    from webapp.demo import create_app as create_demo

    return create_demo(*args, **kwargs)
