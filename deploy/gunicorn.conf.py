"""gunicorn settings for production: the web app and the weather API each run under their own gunicorn.

    gunicorn -c deploy/gunicorn.conf.py 'webapp:create_app()'
    BIND=127.0.0.1:8001 gunicorn -c deploy/gunicorn.conf.py 'webapp.weather_api:create_app()'

Threads, not processes, carry the concurrency: every request waits on I/O (the session store, Cognito, the
weather API), and one process per core keeps the JWKS cache and the API client's connection pool shared.
Several web app workers or hosts need SESSION_REDIS_URL (the embedded session store serves one process).
"""

import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
# The embedded session store and its refresh lock serve one process: more workers need SESSION_REDIS_URL.
workers = int(os.environ.get("WEB_CONCURRENCY", "2" if os.environ.get("SESSION_REDIS_URL") else "1"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
timeout = 30
# Keep-alive lets the web app's pooled client reuse connections to the API (and a proxy reuse them to us).
keepalive = 5
# Headers such as X-Forwarded-Proto are trusted only from the proxy in front of us.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

accesslog = "-"
# %(U)s is the path WITHOUT the query string: /callback's query carries the authorization code and state,
# which must not reach a log line. Never switch this to %(r)s or %(q)s.
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'

# gunicorn 27 otherwise opens a control socket in $HOME/.gunicorn, which a service account may not have.
control_socket_disable = True
