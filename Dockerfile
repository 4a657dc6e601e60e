# The rights portal: one image for the web server, the Celery worker and Celery beat.
# See docs/docker.md. Build: docker build -t rights-portal .

# ---- build stage: locked dependencies, compiled translations, collected static files ----
FROM python:3.11-slim AS build

ENV PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    UV_PYTHON=/usr/local/bin/python3.11 \
    UV_PYTHON_DOWNLOADS=never \
    UV_LINK_MODE=copy \
    UV_COMPILE_BYTECODE=1

# The same uv the Makefile pins; babel (the lock's version) only compiles the .po files here,
# it is a dev dependency and stays out of the runtime image.
RUN pip install uv==0.13.9 babel==2.18.0

WORKDIR /app

# Dependencies first, so that a code change does not reinstall them.
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project

COPY . .

# Compile translations (what `make messages` does; skipped for a catalogue marked fuzzy),
# then collect the static files for whitenoise's CompressedManifestStaticFilesStorage
# (the default when DEBUG is off). The SECRET_KEY here is a throwaway that exists only for
# this command: it is not kept in the image, which refuses to start without a real one.
ARG COLLECTSTATIC_THROWAWAY=collectstatic-only-throwaway-value-never-used-at-runtime
RUN pybabel compile -d locale -D django \
 && SECRET_KEY="$COLLECTSTATIC_THROWAWAY" DEBUG=false VAR_DIR=/tmp/build-var \
    /app/.venv/bin/python manage.py collectstatic --noinput \
 && rm -rf /tmp/build-var

# ---- runtime stage ----
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/app/.venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=portal.settings \
    VAR_DIR=/app/var

RUN groupadd --system --gid 10001 portal \
 && useradd --system --uid 10001 --gid portal --home-dir /app --no-create-home \
      --shell /usr/sbin/nologin portal

WORKDIR /app
COPY --from=build /app /app

# var/ holds what the portal writes (Celery beat's schedule, file e-mails, the SQLite
# fallback). It is created and owned by the app user before it is declared a volume, so a
# new named volume starts with that ownership.
RUN mkdir -p /app/var && chown portal:portal /app/var
VOLUME ["/app/var"]

USER portal
EXPOSE 8000

# /healthz answers "ok". The Host header is taken from ALLOWED_HOSTS (a request for
# "localhost" would be refused when it is not listed); X-Forwarded-Proto keeps
# SECURE_SSL_REDIRECT from redirecting the probe when BEHIND_TLS_PROXY is on.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; h = next((x.strip().lstrip('.') for x in os.environ.get('ALLOWED_HOSTS', '').split(',') if x.strip() and x.strip() != '*'), 'localhost'); r = urllib.request.urlopen(urllib.request.Request('http://127.0.0.1:8000/healthz', headers={'Host': h, 'X-Forwarded-Proto': 'https'}), timeout=4); raise SystemExit(0 if r.status == 200 and r.read().strip() == b'ok' else 1)"]

# Bind address, workers and the access log (tokens redacted) come from gunicorn.conf.py.
CMD ["gunicorn", "portal.wsgi:application", "--config", "gunicorn.conf.py"]
