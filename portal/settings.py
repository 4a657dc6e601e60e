"""Settings, read from the environment.

Every value has an embedded default that needs no server (SQLite under ``var/``, a filesystem
Celery broker, e-mails written to ``var/mail/``), so a fresh clone starts with one command.
Set ``DATABASE_URL`` and ``REDIS_URL`` to run the same code on PostgreSQL and Redis.
"""

import secrets
from pathlib import Path

import environ
from csp import constants as csp
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("VAR_DIR", default=str(BASE_DIR / "var"))).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)

env = environ.Env()

# The local settings of a development checkout: `make run` writes ``var/local.env`` (DEBUG and
# SITE_URL), so every other command run in the checkout (`manage.py changepassword`,
# `staff_otp`, `axes_reset`, ...) starts with the same settings as the portal it serves. A
# variable set in the environment wins over the file (``overwrite=False``), so a deployment
# that sets its variables is not affected; one without the file reads nothing from it.
LOCAL_ENV_FILE = VAR_DIR / "local.env"
if LOCAL_ENV_FILE.is_file():
    environ.Env.read_env(str(LOCAL_ENV_FILE), overwrite=False)


def _env_secret(name: str) -> str | None:
    """A secret from ``NAME`` or from the file named by ``NAME_FILE`` (Docker secrets)."""
    path = env.str(f"{name}_FILE", default="")
    if path:
        return Path(path).read_text().strip()
    return env.str(name, default="") or None


_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    """A boolean from the environment; anything but a clear yes or no stops start-up."""
    raw = env.str(name, default=str(default)).strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean: use true or false.")


DEBUG = env_bool("DEBUG", default=False)

SECRET_KEY = _env_secret("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY (or SECRET_KEY_FILE) in the environment; "
            "only a DEBUG=true development run generates one by itself."
        )
    # A development key, kept under var/ so logins and signed links survive a restart.
    key_file = VAR_DIR / "dev-secret-key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    SECRET_KEY = key_file.read_text().strip()

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The public base URL used in e-mailed links (confirmation, status page).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    # Staff logins: a second factor (TOTP app or backup codes) and a lockout after failures.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    # Content-Security-Policy with a nonce per response (settings CONTENT_SECURITY_POLICY).
    "csp",
    "requests_app",
    "reports",
    "staff",
    # The configuration's system checks (portal/checks.py); no models.
    "portal.apps.PortalConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "portal.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): whether this session passed the second factor.
    "django_otp.middleware.OTPMiddleware",
    # A body larger than the page could need is refused (413) before it is read.
    "portal.middleware.RequestBodyLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",
    # Last: turns a login refused for a locked-out user into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share the file: wait for the lock instead of failing at once.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
    # The reports' covering indexes carry columns for PostgreSQL's index-only scans; SQLite
    # builds them without those, which is all the embedded default needs. Not a warning for
    # whoever runs the demo.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")

# The cache holds the submission rate limits, so it must be shared by every web process.
# While Redis is unreachable it falls back to a cache of each process (portal/cache.py), so
# a Redis outage costs no submission; the connection attempt is bounded to a second.
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "portal.cache.FallbackRedisCache",
                          "LOCATION": REDIS_URL,
                          "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                          "LOCATION": str(VAR_DIR / "cache")}}

# Staff logins (the admin is the only login; see staff/auth.py and portal/urls.py).
# django-axes first: it refuses a locked-out username+address before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Locked after 5 failures (a wrong password, or a wrong code after the right password) of one
# username from one address, for 1 hour; a successful login resets the count. The attempts are
# rows in the database (axes' default handler), so every web process sees them.
# `manage.py axes_reset` (or axes_reset_username NAME) unlocks at once.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 1  # hour
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
# The lockout page: 429 Too Many Requests (axes' default code) with our template.
AXES_LOCKOUT_CALLABLE = "staff.auth.lockout_response"
# The client's address, the same one the intake's rate limit reads (TRUSTED_PROXY_COUNT).
AXES_CLIENT_IP_CALLABLE = "requests_app.client_address.client_ip"
# Both factors: the admin site is django-otp's OTPAdminSite (portal/urls.py). The issuer is
# the name authenticator apps show; the admin never shows secret keys or backup codes.
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Rights portal")
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Languages: Norwegian Bokmål, Danish, English, chosen by URL prefix. Django's code for Bokmål
# is "nb" (not "no").
LANGUAGE_CODE = "en"
LANGUAGES = [("nb", _("Norwegian Bokmål")), ("da", _("Danish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Europe/Oslo"

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
PRIVATE_FILES_DIR = Path(env.str("PRIVATE_FILES_DIR", default=str(VAR_DIR / "private")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Requesters' attachments: outside the web root, with no URL; served by a staff view.
    "private": {
        "BACKEND": "requests_app.storage.PrivateStorage",
        "OPTIONS": {"location": str(PRIVATE_FILES_DIR)},
    },
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_BACKEND",
            default="django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# E-mail: by default written to files under var/mail/ where a developer can read them.
# EMAIL_URL examples: smtp+tls://user:password@smtp.example.com:587, consolemail://
if env.str("EMAIL_URL", default=""):
    vars().update(env.email("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(VAR_DIR / "mail")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Rights portal <no-reply@localhost>")
# In the demo the confirmation link is also printed on the web server's console.
PRINT_CONFIRMATION_LINKS = env_bool("PRINT_CONFIRMATION_LINKS", default=DEBUG)

# Celery: Redis when REDIS_URL is set; otherwise kombu's filesystem transport under var/,
# which needs no server (one host only, at-most-once: the outbox table is what guarantees
# that every e-mail goes out).
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    # A message a worker took but never acknowledged (the worker died: tasks are acked late)
    # goes back to the queue after this many seconds.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("BROKER_VISIBILITY_TIMEOUT", default=3600),
        # Publishing does not retry a broker that is down: the outbox and the reminder sweep
        # queue the work again later, and a request waiting on retries took about 6 s
        # (measured with Redis stopped: 6.0 s with kombu's default retries, 0.35 s without).
        "max_retries": env.int("BROKER_PUBLISH_RETRIES", default=0),
    }
else:
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("out", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    # The transport ignores the host; naming one spares every start a kombu warning.
    CELERY_BROKER_URL = "filesystem://localhost/"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "out"),
        "data_folder_out": str(_broker_dir / "out"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

OUTBOX_DRAIN_SECONDS = env.int("OUTBOX_DRAIN_SECONDS", default=60)
#: How often each privacy mailbox is read (``requests_app.mailbox.fetch``), and how many
#: messages are read from the server in one round trip.
MAILBOX_FETCH_SECONDS = env.int("MAILBOX_FETCH_SECONDS", default=60)
MAILBOX_FETCH_BATCH = env.int("MAILBOX_FETCH_BATCH", default=20)
#: A PEM file of the certificate authorities a mail server's TLS certificate may chain to;
#: empty: the system's (a company's own CA on an internal server needs it).
MAILBOX_CA_FILE = env.str("MAILBOX_CA_FILE", default="")
CELERY_BEAT_SCHEDULE = {
    # Reads the privacy mailboxes: a message sent there is a request from its arrival.
    "sweep-mailboxes": {
        "task": "requests_app.tasks.sweep_mailboxes",
        "schedule": MAILBOX_FETCH_SECONDS,
        "options": {"expires": MAILBOX_FETCH_SECONDS * 0.9},
    },
    # Reminds of e-mail untouched in triage and deletes what was "not a request" in time.
    "mailbox-housekeeping": {
        "task": "requests_app.tasks.mailbox_housekeeping",
        "schedule": env.int("MAILBOX_HOUSEKEEPING_SECONDS", default=3600),
        "options": {"expires": 3000},
    },
    # Sends what could not be queued when it was written (broker down, worker lost).
    "drain-outbox": {
        "task": "requests_app.tasks.drain_outbox",
        "schedule": OUTBOX_DRAIN_SECONDS,
        "options": {"expires": OUTBOX_DRAIN_SECONDS * 0.9},
    },
    # Finds the requests with a reminder or escalation due; expires before the next run so a
    # backlog of sweeps never piles up.
    "sweep-reminders": {
        "task": "requests_app.tasks.sweep_reminders",
        "schedule": env.int("REMINDER_SWEEP_SECONDS", default=900),
        "options": {"expires": env.int("REMINDER_SWEEP_SECONDS", default=900) * 0.9},
    },
    "delete-expired-unconfirmed": {
        "task": "requests_app.tasks.delete_expired_unconfirmed",
        "schedule": env.int("UNCONFIRMED_SWEEP_SECONDS", default=3600),
        "options": {"expires": 3000},
    },
    # Erases personal data past each organisation's retention period (GDPR Art. 5(1)(e)).
    "purge-personal-data": {
        "task": "requests_app.tasks.purge_personal_data",
        "schedule": env.int("PURGE_SECONDS", default=6 * 3600),
        "options": {"expires": 3 * 3600},
    },
    # Deletes download packages whose period has run out (Organisation.package_days).
    "expire-packages": {
        "task": "requests_app.tasks.expire_packages",
        "schedule": env.int("PACKAGE_EXPIRY_SECONDS", default=3600),
        "options": {"expires": 3000},
    },
    # Reminds staff before a restriction ends, so the requester is told first (Art. 18(3)).
    "remind-restrictions-ending": {
        "task": "requests_app.tasks.remind_restrictions_ending",
        "schedule": env.int("RESTRICTION_SWEEP_SECONDS", default=3600),
        "options": {"expires": 3000},
    },
}
# Outcomes and delivery (issue: answering each right).
# Key of the encryption at rest of exports and packages (``crypto``): 32 bytes, base64. Empty:
# derived from SECRET_KEY, so the demo works; production sets its own and keeps it as safely
# as SECRET_KEY (files encrypted under a lost key cannot be read).
FILE_ENCRYPTION_KEY = env.str("FILE_ENCRYPTION_KEY", default="")
# Key of the suppression list's hashes (Art. 21(3)). Empty: derived from SECRET_KEY. Must not
# change once the list has entries, or old entries stop matching.
SUPPRESSION_HASH_KEY = env.str("SUPPRESSION_HASH_KEY", default="")
# Key of the hashes of the eID broker's subject identifiers (``identity.verification``).
# Empty: derived from SECRET_KEY. Changing it only stops old and new hashes matching.
EID_SUBJECT_HASH_KEY = env.str("EID_SUBJECT_HASH_KEY", default="")
# Minutes a package's signed download link works; the status page makes a new one on demand.
PACKAGE_LINK_MINUTES = env.int("PACKAGE_LINK_MINUTES", default=10)
# Largest export file staff may upload (bytes).
EXPORT_MAX_BYTES = env.int("EXPORT_MAX_BYTES", default=2 * 1024 * 1024 * 1024)
# Request bodies. The whole body is capped before it is read by
# portal.middleware.RequestBodyLimitMiddleware (the requester's largest answer with files;
# EXPORT_MAX_BYTES for staff). Within it: the form fields other than files may take 1 MiB
# (the longest form has a dozen fields of at most 5,000 characters), an uploaded file stays in
# memory up to 1 MiB and goes to a temporary file beyond, and a request may carry 10 files
# (an answer takes 5; staff upload one export at a time). Past these Django answers 400.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FILES = 10

# Staff sign-in records (user name, address, browser) are kept this long, then erased.
STAFF_LOGIN_LOG_DAYS = env.int("STAFF_LOGIN_LOG_DAYS", default=90)

# Days an invitation link to become staff works (requests_app.onboarding.invitations).
INVITATION_DAYS = env.int("INVITATION_DAYS", default=7)

# The public intake.
# Days a confirmation link stays valid; unconfirmed requests are deleted after this.
UNCONFIRMED_REQUEST_TTL_DAYS = env.int("UNCONFIRMED_REQUEST_TTL_DAYS", default=3)
# Submissions per IP address (django-ratelimit syntax).
INTAKE_RATE_LIMIT = env.str("INTAKE_RATE_LIMIT", default="20/h")
# A form sent back faster than this after it was shown is treated as a bot's.
INTAKE_MIN_FILL_SECONDS = env.int("INTAKE_MIN_FILL_SECONDS", default=3)
RATELIMIT_VIEW = "requests_app.views.public.rate_limited"
# A refused CSRF check gets the site's 403 page, which says what to do (portal/errors.py).
CSRF_FAILURE_VIEW = "portal.errors.csrf_failure"
# The public form runs once more when its database connection was lost (a PostgreSQL restart
# or fail-over), after this pause; if that fails too it answers 503 with the form kept
# (requests_app/views/resilience.py).
DATABASE_RETRY_WAIT_SECONDS = env.float("DATABASE_RETRY_WAIT_SECONDS", default=1.0)
if not 0 <= DATABASE_RETRY_WAIT_SECONDS <= 10:
    raise ImproperlyConfigured(
        f"DATABASE_RETRY_WAIT_SECONDS={DATABASE_RETRY_WAIT_SECONDS}: use 0 to 10 (the web "
        "worker waits this long within the request).")
# How many reverse proxies of ours stand in front of the portal, each appending to
# X-Forwarded-For. 0: none, the client is REMOTE_ADDR and X-Forwarded-For is ignored (a client
# can write it). N: the client is the N-th entry from the right. Read by
# requests_app/client_address.py for the rate limits and django-axes alike.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured(
        f"TRUSTED_PROXY_COUNT={TRUSTED_PROXY_COUNT} is negative: use 0 (no proxy) or the "
        "number of proxies in front of the portal.")
# django-ratelimit's key="ip" calls this (a dotted path), and masks IPv6 to the /64.
RATELIMIT_IP_META_KEY = "requests_app.client_address.client_ip"

# Security.
SESSION_COOKIE_HTTPONLY = True
# Sessions are the staff's (the public pages keep nothing in one but a passing message). A
# staff session lasts a working day, not Django's two weeks: a session left open on a shared
# or lost computer stops opening requesters' data by the next morning, and the cookie itself
# ends with the browser. Counted from the session's last change (Django renews the expiry
# when the session is saved, e.g. for a message after an action).
STAFF_SESSION_HOURS = env.int("STAFF_SESSION_HOURS", default=10)
if not 1 <= STAFF_SESSION_HOURS <= 24:
    raise ImproperlyConfigured(
        f"STAFF_SESSION_HOURS={STAFF_SESSION_HOURS}: use 1 to 24 (a working day is 8 to 12).")
SESSION_COOKIE_AGE = STAFF_SESSION_HOURS * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
BEHIND_TLS_PROXY = env_bool("BEHIND_TLS_PROXY", default=False)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=BEHIND_TLS_PROXY)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
# Commitments for the whole domain (every subdomain HTTPS only; the browsers' preload list),
# so off unless the operator opts in; `check --deploy` warns (security.W005, W021) while off.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_TLS_PROXY else None
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp 4). Scripts and styles come from our own static files, or
# from an inline element that carries the response's nonce (``nonce="{{ request.csp_nonce }}"``);
# never 'unsafe-inline', so markup injected into a page cannot run or restyle it. Style
# attributes (style="") are refused too: use a class of static/requests_app/*.css. data: images
# are Bootstrap's and the admin's icons. Nothing is loaded from another origin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.SELF],
        "script-src": [csp.SELF, csp.NONCE],
        "style-src": [csp.SELF, csp.NONCE],
        "img-src": [csp.SELF, "data:"],
        "font-src": [csp.SELF],
        "connect-src": [csp.SELF],
        "object-src": [csp.NONE],
        "base-uri": [csp.NONE],
        "form-action": [csp.SELF],
        "frame-ancestors": [csp.NONE],
    },
}
# Browser features no page of the portal uses, denied to every page and frame
# (portal/middleware.py).
PERMISSIONS_POLICY = {feature: [] for feature in (
    "accelerometer", "autoplay", "bluetooth", "camera", "display-capture", "geolocation",
    "gyroscope", "hid", "magnetometer", "microphone", "midi", "payment",
    "publickey-credentials-get", "screen-wake-lock", "serial", "usb", "xr-spatial-tracking",
)}

# One console handler, whose lines never hold a confirmation, status or package token
# (portal/redact.py): Django logs the path of every 4xx ("Bad Request: /nb/status/<token>/").
# Django's own "django" and "django.server" (runserver) loggers lose Django's default handlers,
# which print paths unredacted, and reach it by propagation.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_tokens": {"()": "portal.redact.RedactTokensFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain",
                             "filters": ["redact_tokens"]}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        # No handlers of their own: they propagate to the root's console handler.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": [], "level": "INFO", "propagate": True},
        "requests_app": {"handlers": ["console"], "level": env.str("LOG_LEVEL", "INFO"),
                         "propagate": False},
    },
}
