"""Tend settings: one module, read from the environment, failing closed in production.

Development (`TEND_DEBUG=1`, which `make run` sets) generates a secret key and encryption keys
into the data directory on first start. Production (`TEND_DEBUG` unset) refuses to start
without SECRET_KEY, ALLOWED_HOSTS and TEND_ENCRYPTION_KEYS. Under pytest, throwaway keys are used.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured

from tend.lib.env import env_bool, env_int, env_list, env_str, generated_secret

BASE_DIR = Path(__file__).resolve().parent.parent.parent
TESTING = "PYTEST_VERSION" in os.environ and not os.environ.get("TEND_SETTINGS_UNDER_TEST")
DEBUG = env_bool("TEND_DEBUG", default=False)
DATA_DIR = Path(env_str("TEND_DATA_DIR", default=str(BASE_DIR / "var"))).resolve()
DEV = DEBUG or TESTING


def _required(name: str, value: str | list[str] | None) -> str | list[str]:
    if not value:
        raise ImproperlyConfigured(
            f"{name} is not set. Tend refuses to start in production without it: "
            f"set {name} (or {name}_FILE) in the environment, or set TEND_DEBUG=1 for development."
        )
    return value


if TESTING:
    SECRET_KEY = "test-only-secret-key-not-for-production-use-0123456789abcdef"
    TEND_ENCRYPTION_KEYS = env_list("TEND_ENCRYPTION_KEYS") or [
        "p0GdKdXHrJ2Y2Zr6Kf0mS7pGkE3f1X0mM2m7nO3q8yQ=",
    ]
elif DEBUG:
    SECRET_KEY = env_str("SECRET_KEY") or generated_secret(DATA_DIR / "secret_key", "django")
    TEND_ENCRYPTION_KEYS = env_list("TEND_ENCRYPTION_KEYS") or [
        generated_secret(DATA_DIR / "encryption_key", "fernet")
    ]
else:
    SECRET_KEY = _required("SECRET_KEY", env_str("SECRET_KEY"))  # type: ignore[assignment]
    TEND_ENCRYPTION_KEYS = _required(  # type: ignore[assignment]
        "TEND_ENCRYPTION_KEYS", env_list("TEND_ENCRYPTION_KEYS")
    )

if DEV:
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS") or ["127.0.0.1", "localhost", "testserver", "[::1]"]
else:
    ALLOWED_HOSTS = _required("ALLOWED_HOSTS", env_list("ALLOWED_HOSTS"))  # type: ignore[assignment]
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "django_htmx",
    "simple_history",
    "django_tasks",
    "django_tasks_db",
    "django_rq",
    "django_tasks_rq",
    "tend.core",
    "tend.accounts",
    "tend.practices",
    "tend.clients",
    "tend.scheduling",
    "tend.billing",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "tend.accounts.middleware.IdleTimeoutMiddleware",
    "tend.practices.middleware.CurrentPracticeMiddleware",
    "tend.accounts.middleware.MFAGateMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tend.urls"
# `{{ form }}` renders label, widget, errors and help per field (templates/forms/).
FORM_RENDERER = "tend.core.renderers.TendFormRenderer"
WSGI_APPLICATION = "tend.wsgi.application"
AUTH_USER_MODEL = "accounts.User"

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
                "csp.context_processors.nonce",
                "tend.practices.context_processors.practice",
                "tend.accounts.context_processors.mfa",
            ],
        },
    }
]

# Database: SQLite in the data directory unless DATABASE_URL says otherwise.
_default_db = f"sqlite:///{DATA_DIR / 'tend.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", default=_default_db), conn_max_age=env_int("DB_CONN_MAX_AGE", 60)
    )
}
if TESTING and os.environ.get("TEND_TEST_DATABASE_URL"):
    DATABASES["default"] = dj_database_url.parse(os.environ["TEND_TEST_DATABASE_URL"])
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Background work: the django-tasks API; the database backend by default, RQ when Redis is set.
REDIS_URL = env_str("REDIS_URL")
RQ_QUEUES = {"default": {"URL": REDIS_URL or "redis://127.0.0.1:6379/0", "DEFAULT_TIMEOUT": 600}}
if REDIS_URL:
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
if TESTING and not os.environ.get("TEND_TEST_TASKS_BACKEND"):
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# Authentication
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "practices:today"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 60 * 60)
OTP_TOTP_ISSUER = "Tend"

AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 30) / 60  # hours
# Lock the account, not the address: a whole office shares one address behind its router.
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_USERNAME_FORM_FIELD = "email"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "tend.accounts.views.locked_out"
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = False
TEND_PROXY_COUNT = env_int("TEND_PROXY_COUNT", 0)  # trusted proxies in front of Tend
AXES_IPWARE_PROXY_COUNT = TEND_PROXY_COUNT or None

# Sessions: idle logoff (HIPAA automatic logoff); the practice may shorten it.
SESSION_COOKIE_AGE = env_int("SESSION_MAX_AGE", 12 * 60 * 60)
TEND_IDLE_TIMEOUT_MINUTES = env_int("TEND_IDLE_TIMEOUT_MINUTES", 15)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # HTMX reads the token from the meta tag, not the cookie

# Security headers
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if not DEV:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
SILENCED_SYSTEM_CHECKS = [
    "axes.W006",  # lockout is by account on purpose (see AXES_LOCKOUT_PARAMETERS)
    *([] if env_bool("SECURE_HSTS_PRELOAD") else ["security.W021"]),
]

# NONCE is django-csp 4's placeholder; a literal "'nonce'" would reach the browser as an invalid
# source (Chromium logs it and ignores it).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'", NONCE],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Email
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    default=(
        "django.core.mail.backends.console.EmailBackend"
        if DEV
        else "django.core.mail.backends.smtp.EmailBackend"
    ),
)
EMAIL_HOST = env_str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=True)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", default="Tend <no-reply@localhost>")
TEND_BASE_URL = env_str("TEND_BASE_URL", default="http://127.0.0.1:8000")
# Text messages (appointment reminders): the console backend prints that a text went out,
# without its body; a vendor backend is a class with send(to, body) (tend.scheduling.sms).
TEND_SMS_BACKEND = env_str(
    "TEND_SMS_BACKEND",
    default=(
        "tend.scheduling.sms.LocmemBackend" if TESTING else "tend.scheduling.sms.ConsoleBackend"
    ),
)

# Static files
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", default=str(DATA_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEV
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = DATA_DIR / "media"

# Chart documents: encrypted at rest under the data directory, never served inline as HTML.
TEND_DOCUMENTS_DIR = DATA_DIR / "documents"
TEND_MAX_UPLOAD_MB = env_int("TEND_MAX_UPLOAD_MB", 20)
# Uploads up to the limit stay in memory, so plaintext never lands in a temporary file;
# form fields (not files) stay under Django's usual 2.5 MB.
FILE_UPLOAD_MAX_MEMORY_SIZE = TEND_MAX_UPLOAD_MB * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
WHITENOISE_USE_FINDERS = DEV

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# Logging: never request bodies or PHI; errors go to stderr without local variables.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        "axes": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}
