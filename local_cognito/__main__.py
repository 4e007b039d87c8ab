"""`python -m local_cognito`: serve the pool, print its settings, rotate its signing keys, or list the JSON API
operations it emulates.

    python -m local_cognito --port 9229 --state-dir .state/cognito        # serve (loopback only)
    python -m local_cognito --state-dir .state/cognito --parameter-overrides WebAppBaseUrl=http://localhost:8080
    python -m local_cognito env --state-dir .state/cognito --base-url http://localhost:9229
    python -m local_cognito rotate-keys --state-dir .state/cognito
    python -m local_cognito operations                                    # a Markdown table (the README's)

`env` prints `KEY=value` lines for the web app, the weather API and the machine/CLI clients, e.g.
`set -a; eval "$(python -m local_cognito env ...)"; set +a`. The state directory keeps the template parameters it
was last given (`--parameter-overrides`); a command given none uses those.
"""

from __future__ import annotations

import argparse
import shlex
import sys

from local_cognito import DEFAULT_TEMPLATE, create_app, json_api_operations, outbox
from local_cognito.state import LocalCognito
from local_cognito.template import TemplateError


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m local_cognito", description=__doc__.split("\n")[0])
    parser.add_argument("command", nargs="?", choices=["serve", "env", "rotate-keys", "operations"], default="serve")
    parser.add_argument("--state-dir", help="directory holding users, keys and clients (every command but "
                                            "operations)")
    parser.add_argument("--template", default=str(DEFAULT_TEMPLATE), help="CloudFormation template of the pool")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback only)")
    parser.add_argument("--port", type=int, default=9229)
    parser.add_argument("--base-url", help="external URL of this server (default: http://HOST:PORT)")
    parser.add_argument("--region", default="us-east-1", help="region of a new pool's id")
    parser.add_argument("--parameter-overrides", nargs="+", metavar="KEY=VALUE", type=parameter,
                        help="the template's parameters, e.g. WebAppBaseUrl=http://localhost:8080 (default: those "
                             "last given for this state directory, else the template's defaults)")
    return parser.parse_args(argv)


def parameter(text: str) -> tuple[str, str]:
    key, equals, value = text.partition("=")
    if not key or not equals:
        raise argparse.ArgumentTypeError(f"{text!r} is not KEY=VALUE")
    return key, value


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.command == "operations":
        print(json_api_operations().table(), end="")
        return 0
    if not args.state_dir:
        print("error: --state-dir is required", file=sys.stderr)
        return 2
    host = "localhost" if args.host in ("127.0.0.1", "::1") else args.host
    base_url = (args.base_url or f"http://{host}:{args.port}").rstrip("/")
    pool_args = dict(state_dir=args.state_dir, base_url=base_url, template=args.template, region=args.region,
                     parameters=dict(args.parameter_overrides) if args.parameter_overrides else None)
    try:
        if args.command == "serve":
            app = create_app(**pool_args)
            pool = app.extensions["local_cognito"]
            outbox.init_console_logging()
            print(f"Local Cognito for pool {pool.pool_id} at {base_url}")
            print(f"Demo user: {pool.demo_user.email} / {pool.demo_user.password}")
            app.run(host=args.host, port=args.port, threaded=True)
            return 0
        pool = LocalCognito(**pool_args)
    except TemplateError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.command == "env":
        for key, value in pool.environment().items():
            print(f"{key}={shlex.quote(value)}")
    else:
        for kid in pool.keys.rotate():
            print(f"added signing key {kid}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
