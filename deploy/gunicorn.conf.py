"""gunicorn settings for production: the web app and the weather API each run under their own gunicorn.

    gunicorn -c deploy/gunicorn.conf.py 'webapp:create_app()'
    BIND=127.0.0.1:8001 gunicorn -c deploy/gunicorn.conf.py 'webapp.weather_api:create_app()'

Threads, not processes, carry the concurrency: every request waits on I/O (the session store, Cognito, the
weather API), and one process per core keeps the JWKS cache and the API client's connection pool shared.
Several web app workers or hosts need SESSION_REDIS_URL (the embedded session store serves one process).
"""

import os
import tempfile

bind = os.environ.get("BIND", "127.0.0.1:8000")
# The embedded session store and its refresh lock serve one process: more workers need SESSION_REDIS_URL.
workers = int(os.environ.get("WEB_CONCURRENCY", "2" if os.environ.get("SESSION_REDIS_URL") else "1"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
# The app is built once, before the workers fork, which then share its libraries' memory: a worker's private memory
# is about half of what it is without (docs/benchmarks.md, figure 7a). Connections, threads and Prometheus files
# are opened by each worker on first use. A HUP then rereads these settings but not the code: restart to deploy.
preload_app = True
timeout = 30
# Keep-alive lets the web app's pooled client reuse connections to the API (and a proxy reuse them to us).
keepalive = 5
# Headers such as X-Forwarded-Proto are trusted only from the proxy in front of us.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# gunicorn 27 otherwise opens a control socket in $HOME/.gunicorn, which a service account may not have.
control_socket_disable = True

# --- logs: one line per request, never a query string (/callback's carries the authorization code) -----------

LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
if LOG_FORMAT not in ("text", "json"):
    raise SystemExit(f"LOG_FORMAT must be text or json, got {LOG_FORMAT!r}")
accesslog = "-"
# %(U)s is the path WITHOUT the query string. Never switch this to %(r)s or %(q)s. The last field is the
# request's id (webapp.request_log), which the web app also sends on to the API it calls.
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms %({x-request-id}o)s'


def _handler(stream: str) -> dict:
    return {"class": "logging.StreamHandler", "stream": stream, "formatter": LOG_FORMAT,
            "filters": ["no_query_strings", "request_id"]}


logconfig_dict = {
    "root": {"level": "INFO", "handlers": ["stdout"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": ["stdout"], "propagate": False},
    },
    # gunicorn's error log quotes the line of a malformed request (`Invalid request from ip=...: Invalid HTTP
    # request line: 'GET /callback?code=...'`): its query string is cut before the record is written.
    "filters": {"no_query_strings": {"()": "webapp.request_log.NoQueryStrings"},
                "request_id": {"()": "webapp.request_log.RequestIdFilter"}},
    "handlers": {"stdout": _handler("ext://sys.stdout"), "stderr": _handler("ext://sys.stderr")},
    "formatters": {"text": {"format": "%(asctime)s [%(process)d] [%(levelname)s] [%(request_id)s] %(message)s"},
                   "json": {"()": "webapp.request_log.JsonFormatter"}},
}

# --- metrics: Prometheus on a port of their own, off unless METRICS_PORT is set -------------------------------

if os.environ.get("METRICS_PORT"):
    # prometheus-client's multiprocess mode: each worker writes its values to files here, the master serves the sum.
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="prometheus-")

    def when_ready(server):
        from prometheus_client import CollectorRegistry, start_http_server
        from prometheus_client.multiprocess import MultiProcessCollector

        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        start_http_server(int(os.environ["METRICS_PORT"]), addr=os.environ.get("METRICS_ADDR", "127.0.0.1"),
                          registry=registry)

    def child_exit(server, worker):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
