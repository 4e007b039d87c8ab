"""`python -m webapp`: the whole local system on loopback (being built: the local Cognito lands in issue 3)."""

from __future__ import annotations

import os
import secrets

from webapp import create_app
from webapp.config import WebSettings


def main() -> None:
    env = {
        "COGNITO_ISSUER": "http://localhost:9229/us-east-1_LocalPool",
        "COGNITO_CLIENT_ID": "local",
        "COGNITO_DOMAIN": "http://localhost:9229",
        "SECRET_KEY": secrets.token_urlsafe(32),
        **os.environ,
    }
    app = create_app(WebSettings.from_env(env))
    print("Open http://localhost:5000")
    app.run(host="127.0.0.1", port=5000)


if __name__ == "__main__":
    main()
