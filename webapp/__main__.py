"""`python -m webapp` (what `make run` runs): the whole system on loopback, for development and demos.

Without `COGNITO_*` settings it starts the local Cognito (from `deploy/cognito.yaml`), the weather API and the web
app in one process, wired to each other, and prints the URL and the demo user's credentials; with
`COGNITO_USER_POOL_ID` or `COGNITO_ISSUER` set, only the web app and the API, against that pool. State lives in
`--state-dir` (default `.state`), so a restart keeps it. Production runs each app under gunicorn instead.
"""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import sys
import threading
from pathlib import Path

from werkzeug.serving import WSGIRequestHandler, make_server

from webapp.demo import create_app as create_web_app
from webapp.demo.settings import WebSettings
from webapp.environment import ConfigError
from webapp.weather_api import create_app as create_api
from webapp.weather_api.settings import ApiSettings

#: The ports the template's callback and logout URLs name (deploy/cognito.yaml): http://localhost:5000/...
WEB_PORT, API_PORT, COGNITO_PORT = 5000, 5001, 9229

log = logging.getLogger("webapp.launcher")


class RequestLogHandler(WSGIRequestHandler):
    """Werkzeug's request log, without query strings: callback URLs carry authorization codes."""

    def log_request(self, code="-", size="-"):
        path = self.path.split("?", 1)[0]
        log.info("%s %s %s", self.command, path, code)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m webapp", description=__doc__.split("\n")[0])
    parser.add_argument("--state-dir", default=".state", help="where local state is kept (default: .state)")
    return parser.parse_args(argv)


def persistent_secret(path: Path) -> str:
    """A SECRET_KEY made once and kept (owner-only) so that restarts keep people signed in."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as file:
            file.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def local_environment(state_dir: Path) -> tuple[dict[str, str], object]:
    """Settings for the web app and the API from a local Cognito in `state_dir`, and that Cognito's app."""
    from local_cognito import create_app as create_cognito  # the launcher and tests only
    from local_cognito import outbox

    cognito = create_cognito(state_dir=state_dir / "cognito", base_url=f"http://localhost:{COGNITO_PORT}")
    outbox.init_console_logging()  # sign-up and password-reset codes appear on this console
    env = dict(cognito.extensions["local_cognito"].environment())
    return env, cognito


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    state_dir = Path(args.state_dir).resolve()
    real_pool = bool(os.environ.get("COGNITO_USER_POOL_ID") or os.environ.get("COGNITO_ISSUER"))
    env: dict[str, str] = {}
    servers = []
    if not real_pool:
        env, cognito = local_environment(state_dir)
        servers.append(("local Cognito", COGNITO_PORT, cognito))
    env.update(
        APP_BASE_URL=f"http://localhost:{WEB_PORT}",
        WEATHER_API_URL=f"http://localhost:{API_PORT}",
        SESSION_DIR=str(state_dir / "sessions"),
        SECRET_KEY=persistent_secret(state_dir / "secret_key"),
    )
    # Your own settings win, except that a local pool's COGNITO_* must describe the pool this launcher runs.
    env.update({k: v for k, v in os.environ.items() if real_pool or not k.startswith("COGNITO_")})
    env.setdefault("WEATHER_API_CLIENT_IDS", env.get("COGNITO_CLIENT_ID", ""))
    try:
        servers.append(("weather API", API_PORT, create_api(ApiSettings.from_env(env))))
        servers.append(("web app", WEB_PORT, create_web_app(WebSettings.from_env(env))))
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    return serve(servers, env, real_pool)


def serve(servers: list, env: dict[str, str], real_pool: bool) -> int:
    """Run every server in a thread of this process until Ctrl-C."""
    try:
        running = [make_server("127.0.0.1", port, app, threaded=True, request_handler=RequestLogHandler)
                   for _, port, app in servers]
    except OSError as error:
        print(f"Cannot listen on a port the demo needs ({error}). Is `make run` already running?", file=sys.stderr)
        return 1
    for server in running:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    print_banner(servers, env, real_pool)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        print("\nStopping.")
    for server in running:
        server.shutdown()
    return 0


def print_banner(servers: list, env: dict[str, str], real_pool: bool) -> None:
    lines = ["", f"  Open {env['APP_BASE_URL']} in your browser.", ""]
    if not real_pool:
        lines += [f"  Demo user:  {env['DEMO_USER_EMAIL']}", f"  Password:   {env['DEMO_USER_PASSWORD']}", ""]
    lines += [f"  {name:<14} http://localhost:{port}" for name, port, _ in servers]
    lines += ["", "  Press Ctrl-C to stop.", ""]
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    sys.exit(main())
