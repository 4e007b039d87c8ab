"""Cognito Hosted UI sign-in for Flask, done properly: the product. `cognito_auth/` is the extension any app can
use, `demo/` the demo web app, `cognito_jwt/` the verifier, `weather_api/` the protected API, `client/` the CLI,
`forecast.py` what the API serves and its callers read.
`create_app` is the demo's factory (`flask --app webapp run`, `gunicorn 'webapp:create_app()'`).
"""

from __future__ import annotations

from typing import Any


def create_app(*args: Any, **kwargs: Any):
    """The demo web app (`webapp.demo.create_app`), imported when asked for: the CLI and the API share this
    package and have no use for the web app's imports."""
    from webapp.demo import create_app as create_demo

    return create_demo(*args, **kwargs)
