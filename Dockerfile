# The web app and the weather API in one image, each under gunicorn with deploy/gunicorn.conf.py:
#   docker build -t cognito-weather .
#   docker run --env-file web.env -p 8000:8000 cognito-weather                                  # the web app
#   docker run --env-file api.env -p 8001:8000 cognito-weather 'webapp.weather_api:create_app()'  # the API
# Configured only through the environment variables of the README's configuration tables. The `dev` stage adds
# the local Cognito for compose.yaml; the default (last) stage, `runtime`, is the one to deploy.

ARG BASE=python:3.12-slim

FROM ${BASE} AS build
# Behind a TLS-inspecting proxy, pip needs the proxy's CA bundle: hand it over as the build secret `ca` and name
# it here, `--secret id=ca,src=BUNDLE --build-arg PIP_CERT=/run/secrets/ca` (docs/deployment.md says more).
ARG PIP_CERT
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore
WORKDIR /src
COPY . .
# pip stays in a venv of its own (/opt/pip): the app's venv holds the app and its dependencies, at the versions
# of constraints.txt, and nothing else. The wheel carries the local Cognito for its `local` extra; a production
# install leaves it out, so it is deleted here.
RUN --mount=type=secret,id=ca \
    python3 -m venv /opt/pip \
 && /opt/pip/bin/pip wheel --no-deps --wheel-dir /dist . \
 && python3 -m venv --without-pip /opt/venv \
 && /opt/pip/bin/pip --python /opt/venv/bin/python install -c constraints.txt /dist/*.whl \
 && rm -r /opt/venv/lib/python3*/site-packages/local_cognito

# The local Cognito (`python -m local_cognito`, the `local` extra) for compose.yaml, which says how it runs; its
# state goes in /pool. A developer tool: never deploy this stage.
FROM build AS dev
ARG PIP_CERT
RUN --mount=type=secret,id=ca \
    python3 -m venv --without-pip /opt/dev \
 && /opt/pip/bin/pip --python /opt/dev/bin/python install -c constraints.txt "$(echo /dist/*.whl)[local]" \
 && install -d -o 10001 -g 10001 /pool
ENV PATH=/opt/dev/bin:$PATH
USER 10001:10001
WORKDIR /pool

FROM ${BASE} AS runtime
RUN groupadd --gid 10001 webapp \
 && useradd --uid 10001 --gid 10001 --create-home --home-dir /var/lib/webapp --shell /usr/sbin/nologin webapp
COPY --from=build /opt/venv /opt/venv
COPY deploy/gunicorn.conf.py /etc/webapp/gunicorn.conf.py
# Containers listen on every interface; the embedded session store (one process, no SESSION_REDIS_URL) lives in
# the service account's home.
ENV PATH=/opt/venv/bin:$PATH BIND=0.0.0.0:8000 SESSION_DIR=/var/lib/webapp/sessions
USER 10001:10001
WORKDIR /var/lib/webapp
EXPOSE 8000
HEALTHCHECK --timeout=5s --start-period=10s CMD ["python", "-c", "import os, urllib.request; \
    urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ['BIND'].rsplit(':', 1)[1], timeout=4)"]
# The command names the app: the web app by default, 'webapp.weather_api:create_app()' for the weather API.
ENTRYPOINT ["gunicorn", "--config", "/etc/webapp/gunicorn.conf.py"]
CMD ["webapp:create_app()"]
