"""`python -m webapp` (what `make run` runs): the whole system on loopback, for development and demos.

Without `COGNITO_*` settings it starts the local Cognito (from `deploy/cognito.yaml`), the weather API and the web
app, wired to each other, and prints the URL and the demo user's credentials; with
`COGNITO_USER_POOL_ID` or `COGNITO_ISSUER` set, only the web app and the API, against that pool. Ports come from
`--web-port`, `--api-port`, `--cognito-port` or WEB_PORT, API_PORT, COGNITO_PORT (5000, 5001, 9229). State lives
in `--state-dir` (default `.state`: the local pool in `cognito/`, sessions in `webapp-sessions/`, where the web app
run alone finds them too, compiled templates in `template-cache/`), so a restart keeps it. Production runs each app
under gunicorn instead.

The web app and the API are served by threads of this process; the local Cognito by a process of its own, forked
once every port is bound, that loads its pool while this one imports and builds the apps (on two cores the start
takes the longer of the two, not their sum), and that exits when this one does.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import secrets
import socket
import sys
import threading
from pathlib import Path

# What both processes use, loaded once before the local Cognito's process forks off (`fork_local_cognito`).
from flask import Flask
from jinja2 import FileSystemBytecodeCache
from werkzeug.serving import WSGIRequestHandler, make_server

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


def fork_local_cognito(state_dir: Path, web_port: int, port: int, listeners: dict[str, socket.socket]) -> int:
    """Start the local Cognito in a child process serving its listener (taken from `listeners`); return the pipe
    that brings its settings for the web app and the API (`read_environment`). A browser sent there before it
    serves waits in the listener's queue."""
    # The libraries both processes use, loaded once (besides Flask and Werkzeug, above); each then loads the rest of
    # its own in parallel with the other.
    import authlib.oauth2  # noqa: F401
    import joserfc.jwk  # noqa: F401
    import joserfc.jwt  # noqa: F401

    listener = listeners.pop("local Cognito")
    settings_read, settings_write = os.pipe()
    alive_read, alive_write = os.pipe()
    if os.fork() == 0:
        status = 1
        try:
            for fd in (settings_read, alive_write, *(other.detach() for other in listeners.values())):
                os.close(fd)  # alive_write closed here too, so end-of-file on alive_read means the parent is gone
            threading.Thread(target=exit_with_parent, args=(alive_read,), daemon=True).start()
            status = run_local_cognito(state_dir, web_port, port, listener, settings_write)
        except KeyboardInterrupt:
            status = 0
        except BaseException:
            logging.getLogger("local Cognito").exception("the local Cognito failed")
        finally:
            os._exit(status)
    os.close(settings_write)
    os.close(alive_read)  # alive_write stays open (unused) for as long as this process lives
    listener.close()
    return settings_read


def exit_with_parent(alive: int) -> None:
    os.read(alive, 1)  # returns (end of file) once the parent has exited, however it ended
    os._exit(0)


def run_local_cognito(state_dir: Path, web_port: int, port: int, listener: socket.socket, settings: int) -> int:
    """The child: load the pool (the web app's callback and sign-out URLs on `web_port`), send the settings it
    gives, serve until stopped."""
    from local_cognito import create_app as create_cognito  # the launcher and tests only
    from local_cognito.template import TemplateError

    try:
        cognito = create_cognito(state_dir=state_dir / "cognito", base_url=f"http://localhost:{port}",
                                 parameters={"WebAppBaseUrl": f"http://localhost:{web_port}"})
    except (OSError, TemplateError) as error:
        print(f"The local Cognito cannot start: {error}", file=sys.stderr)
        return 2
    server = logged_server("local Cognito", port, listener, cognito, state_dir)
    gc.enable()
    with os.fdopen(settings, "w") as pipe:
        json.dump(cognito.extensions["local_cognito"].environment(), pipe)
    server.serve_forever()
    return 0


def read_environment(settings: int) -> dict[str, str] | None:
    """The local Cognito's settings for the web app and the API, or None if it failed to start (it said why)."""
    with os.fdopen(settings) as pipe:
        text = pipe.read()
    return json.loads(text) if text else None


def main(argv: list[str] | None = None) -> int:
    # Start-up allocates objects that live as long as the process: looking for garbage among them took ~10% of
    # the start-up's time, for none. Each process turns collection back on when it starts serving.
    gc.disable()
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
    if real_pool:
        env = {"SECRET_KEY": persistent_secret(state_dir / "secret_key")}
    else:
        cognito_settings = fork_local_cognito(state_dir, args.web_port, args.cognito_port, listeners)
    # Imported only now, while the local Cognito's process loads its pool.
    from webapp.demo import create_app as create_web_app
    from webapp.demo.settings import WebSettings
    from webapp.environment import ConfigError
    from webapp.weather_api import create_app as create_api
    from webapp.weather_api.settings import ApiSettings

    if not real_pool:
        env = read_environment(cognito_settings)
        if env is None:
            return 2
    env.update(
        APP_BASE_URL=f"http://localhost:{args.web_port}",
        WEATHER_API_URL=f"http://localhost:{args.api_port}",
        SESSION_DIR=str(state_dir / "webapp-sessions"),
    )
    # Your own settings win, except that a local pool's COGNITO_* must describe the pool this launcher runs.
    env.update({k: v for k, v in os.environ.items() if real_pool or not k.startswith("COGNITO_")})
    env.setdefault("WEATHER_API_CLIENT_IDS", env.get("COGNITO_CLIENT_ID", ""))
    try:
        apps = {"weather API": create_api(ApiSettings.from_env(env)),
                "web app": create_web_app(WebSettings.from_env(env))}
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    servers = [logged_server(name, ports[name], listeners[name], app, state_dir) for name, app in apps.items()]
    gc.enable()
    return serve(servers, ports, env, real_pool)


def logged_server(name: str, port: int, listener: socket.socket, app: Flask, state_dir: Path):
    """Werkzeug's threaded server for `app` on `listener`, logging its requests as `name :port`. Templates
    compiled once are kept in `state_dir` (the next start's first pages skip compiling them)."""
    cache = state_dir / "template-cache"
    cache.mkdir(parents=True, exist_ok=True)
    app.jinja_env.bytecode_cache = FileSystemBytecodeCache(str(cache))
    handler = type("RequestLog", (RequestLogHandler,), {"served_by": logging.getLogger(f"{name} :{port}")})
    server = make_server("127.0.0.1", port, app, threaded=True, request_handler=handler, fd=listener.fileno())
    listener.close()  # the server holds its own duplicate of the socket
    return server


def serve(servers: list, ports: dict[str, int], env: dict[str, str], real_pool: bool) -> int:
    """Run every server in a thread of this process until Ctrl-C."""
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    print_banner(ports, env, real_pool)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        print("\nStopping.")
    for server in servers:
        server.shutdown()
    return 0


def print_banner(ports: dict[str, int], env: dict[str, str], real_pool: bool) -> None:
    lines = ["", f"  Open {env['APP_BASE_URL']} in your browser.", ""]
    if not real_pool:
        lines += [f"  Demo user:  {env['DEMO_USER_EMAIL']}", f"  Password:   {env['DEMO_USER_PASSWORD']}", ""]
    lines += [f"  {name:<14} http://localhost:{port}" for name, port in ports.items()]
    lines += ["", "  Press Ctrl-C to stop.", ""]
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    sys.exit(main())
