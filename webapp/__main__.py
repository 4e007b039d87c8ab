"""`python -m webapp` (what `make run` runs): the whole system on loopback, for development and demos.

Without `COGNITO_*` settings it starts the local Cognito (from `deploy/cognito.yaml`), the weather API and the web
app in one process, wired to each other, and prints the URL and the demo user's credentials; with
`COGNITO_USER_POOL_ID` or `COGNITO_ISSUER` set, only the web app and the API, against that pool. Ports come from
`--web-port`, `--api-port`, `--cognito-port` or WEB_PORT, API_PORT, COGNITO_PORT (5000, 5001, 9229). State lives
in `--state-dir` (default `.state`: the local pool in `cognito/`, sessions in `webapp-sessions/`, where the web app
run alone finds them too), so a restart keeps it. Production runs each app under gunicorn instead.
"""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import socket
import sys
import threading
from pathlib import Path

from werkzeug.serving import WSGIRequestHandler, make_server

from webapp.demo import create_app as create_web_app
from webapp.demo.settings import WebSettings
from webapp.environment import ConfigError
from webapp.weather_api import create_app as create_api
from webapp.weather_api.settings import ApiSettings

#: Each server's name, and the environment variable, option and default that choose its port.
PORTS = {"web app": ("WEB_PORT", "--web-port", 5000), "weather API": ("API_PORT", "--api-port", 5001),
         "local Cognito": ("COGNITO_PORT", "--cognito-port", 9229)}


class RequestLogHandler(WSGIRequestHandler):
    """Werkzeug's request log under the server's name and port (`served_by`), without query strings: callback
    URLs carry authorization codes."""

    served_by: logging.Logger

    def log_request(self, code="-", size="-"):
        self.served_by.info("%s %s %s", self.command, self.path.split("?", 1)[0], code)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m webapp", description=__doc__.split("\n")[0])
    parser.add_argument("--state-dir", default=".state", help="where local state is kept (default: .state)")
    for name, (variable, option, default) in PORTS.items():
        parser.add_argument(option, type=int, default=os.environ.get(variable, default),
                            help=f"the {name}'s port (default: {variable}, else {default})")
    return parser.parse_args(argv)


def persistent_secret(path: Path) -> str:
    """A SECRET_KEY made once and kept (owner-only) so that restarts keep people signed in."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as file:
            file.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def listen(ports: dict[str, int]) -> dict[str, socket.socket] | None:
    """A listening socket on 127.0.0.1 for each server, or None once every taken port is named with the way to
    choose others. All are bound before anything starts (Werkzeug would exit at the first taken port, with advice
    that names no way to change it)."""
    bound, taken = {}, []
    for name, port in ports.items():
        try:
            bound[name] = socket.create_server(("127.0.0.1", port))
        except OSError as error:
            taken.append((name, port, os.strerror(error.errno)))
    if not taken:
        return bound
    for listener in bound.values():
        listener.close()
    lines = ["Cannot start: a port the demo needs is not free."]
    lines += [f"  port {port} ({name}): {reason}" for name, port, reason in taken]
    lines += ["Stop what holds it (another `make run`?), or choose other ports with WEB_PORT, API_PORT and "
              "COGNITO_PORT, e.g.",
              "  " + " ".join(f"{PORTS[name][0]}={port + 10}" for name, port, _ in taken) + " make run",
              "  python -m webapp " + " ".join(f"{PORTS[name][1]} {port + 10}" for name, port, _ in taken)]
    print("\n".join(lines), file=sys.stderr)
    return None


def local_environment(state_dir: Path, web_port: int, cognito_port: int) -> tuple[dict[str, str], object]:
    """Settings for the web app and the API from a local Cognito in `state_dir`, and that Cognito's app, whose web
    client's callback and sign-out URLs name the web app's port (the template's WebAppBaseUrl)."""
    from local_cognito import create_app as create_cognito  # the launcher and tests only

    cognito = create_cognito(state_dir=state_dir / "cognito", base_url=f"http://localhost:{cognito_port}",
                             parameters={"WebAppBaseUrl": f"http://localhost:{web_port}"})
    return dict(cognito.extensions["local_cognito"].environment()), cognito


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    state_dir = Path(args.state_dir).resolve()
    real_pool = bool(os.environ.get("COGNITO_USER_POOL_ID") or os.environ.get("COGNITO_ISSUER"))
    ports = {"web app": args.web_port, "weather API": args.api_port}
    if not real_pool:
        ports["local Cognito"] = args.cognito_port
    listeners = listen(ports)
    if listeners is None:
        return 1
    env: dict[str, str] = {}
    apps = {}
    if real_pool:
        env["SECRET_KEY"] = persistent_secret(state_dir / "secret_key")
    else:
        env, apps["local Cognito"] = local_environment(state_dir, args.web_port, args.cognito_port)
    env.update(
        APP_BASE_URL=f"http://localhost:{args.web_port}",
        WEATHER_API_URL=f"http://localhost:{args.api_port}",
        SESSION_DIR=str(state_dir / "webapp-sessions"),
    )
    # Your own settings win, except that a local pool's COGNITO_* must describe the pool this launcher runs.
    env.update({k: v for k, v in os.environ.items() if real_pool or not k.startswith("COGNITO_")})
    env.setdefault("WEATHER_API_CLIENT_IDS", env.get("COGNITO_CLIENT_ID", ""))
    try:
        apps["weather API"] = create_api(ApiSettings.from_env(env))
        apps["web app"] = create_web_app(WebSettings.from_env(env))
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    return serve({name: (ports[name], listeners[name], app) for name, app in apps.items()}, env, real_pool)


def serve(servers: dict, env: dict[str, str], real_pool: bool) -> int:
    """Run every server in a thread of this process until Ctrl-C, each logging its requests as `name :port`."""
    running = []
    for name, (port, listener, app) in servers.items():
        handler = type("RequestLog", (RequestLogHandler,), {"served_by": logging.getLogger(f"{name} :{port}")})
        running.append(make_server("127.0.0.1", port, app, threaded=True, request_handler=handler,
                                   fd=listener.fileno()))
        listener.close()  # the server holds its own duplicate of the socket
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


def print_banner(servers: dict, env: dict[str, str], real_pool: bool) -> None:
    lines = ["", f"  Open {env['APP_BASE_URL']} in your browser.", ""]
    if not real_pool:
        lines += [f"  Demo user:  {env['DEMO_USER_EMAIL']}", f"  Password:   {env['DEMO_USER_PASSWORD']}", ""]
    lines += [f"  {name:<14} http://localhost:{port}" for name, (port, _, _) in servers.items()]
    lines += ["", "  Press Ctrl-C to stop.", ""]
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    sys.exit(main())
