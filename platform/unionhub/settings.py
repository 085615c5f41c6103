"""UnionHub settings. Everything deployment-specific comes from environment variables (see README)."""

import os
import sys
import warnings
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

REPO_ROOT = Path(__file__).resolve().parents[2]
# The four top-level code folders are source roots (never packages: `platform` and `graphql` would shadow
# the standard library and graphql-core). Whatever entry point loads settings first gets all four on the path.
for _source_root in ("platform", "tenants", "graphql", "workers"):
    _path = str(REPO_ROOT / _source_root)
    if _path not in sys.path:
        sys.path.insert(0, _path)

from unionhub.startup_checks import enforce_production_settings  # noqa: E402


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def database_from_url(url: str) -> dict:
    """Parse postgres://user:pass@host:port/name?options into a Django DATABASES entry."""
    parsed = urlparse(url)
    if parsed.scheme not in {"postgres", "postgresql"}:
        raise ValueError("DATABASE_URL must be a postgres:// URL; UnionHub runs on PostgreSQL only")
    query = {key: values[-1] for key, values in parse_qs(parsed.query).items()}
    host = unquote(parsed.hostname or "") or query.pop("host", "")
    return {
        "ENGINE": "django_tenants.postgresql_backend",
        "NAME": unquote(parsed.path.lstrip("/")) or "unionhub",
        "USER": unquote(parsed.username or ""),
        "PASSWORD": unquote(parsed.password or ""),
        "HOST": host,
        "PORT": str(parsed.port or ""),
        "OPTIONS": query,
        "CONN_MAX_AGE": int(os.environ.get("DATABASE_CONN_MAX_AGE", "0")),
    }


DEBUG = env_bool("DJANGO_DEBUG", False)
# With DEBUG off, start-up stops here while a secret is missing or a published placeholder (docs/security.md).
# The test run sets its own random secrets before these settings load (tests/settings.py).
enforce_production_settings(os.environ, debug=DEBUG)
# The fallback key exists in development (DJANGO_DEBUG=1) only; with DEBUG off the check above needs a real one.
SECRET_KEY = (
    os.environ.get("DJANGO_SECRET_KEY") or "dev-only-insecure-key-set-DJANGO_SECRET_KEY-in-production"
)

# Tenancy: the public host serves federations; each grassroots union is <slug>.<base domain>.
UNIONHUB_BASE_DOMAIN = os.environ.get("UNIONHUB_BASE_DOMAIN", "unionhub.localhost")
UNIONHUB_PUBLIC_HOSTS = [UNIONHUB_BASE_DOMAIN] + [
    host.strip()
    for host in os.environ.get("UNIONHUB_EXTRA_PUBLIC_HOSTS", "localhost,127.0.0.1").split(",")
    if host.strip()
]
ALLOWED_HOSTS = [UNIONHUB_BASE_DOMAIN, f".{UNIONHUB_BASE_DOMAIN}", *UNIONHUB_PUBLIC_HOSTS]
ALLOWED_HOSTS += [h.strip() for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if h.strip()]

SHARED_APPS = [
    # Before django_tenants so our `migrate` (federations/management/commands/migrate.py) wins; django_tenants
    # still precedes django.contrib.admin, whose templates it overrides.
    "federations",
    "django_tenants",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.admin",
    "graphene_django",
    "accounts",
    "audit",
    "files",
    "imports",
    "operations",
    "people",
    "rollup",
    "transfers",
    "drives",
    "web",
    "assessment",
    "modelworkers",
    "modelworker_care",
    "reporting",
]
TENANT_APPS = [
    "django.contrib.contenttypes",
    "organisation",
    "membership",
    "recruitment",
    "selfassessment",
]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "federations.Union"
TENANT_DOMAIN_MODEL = "federations.Domain"
PUBLIC_SCHEMA_NAME = "public"
# New unions are created from this template schema (see federations/schema_template.py), never by migrating.
UNIONHUB_TEMPLATE_SCHEMA = "union_template"
SHOW_PUBLIC_IF_NO_TENANT_FOUND = False
DATABASE_ROUTERS = ("django_tenants.routers.TenantSyncRouter",)

MIDDLEWARE = [
    # First, so every response (even "unknown host") carries X-Request-ID and every log line its id.
    "audit.middleware.RequestIdMiddleware",
    # Static files (admin, web UI) from the app itself on every host, so a closed network needs no proxy setup.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "federations.middleware.UnionHostMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.BearerTokenMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "unionhub.urls_tenant"
PUBLIC_SCHEMA_URLCONF = "unionhub.urls_public"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [REPO_ROOT / "platform" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "web.context_processors.navigation",
            ],
        },
    },
]

WSGI_APPLICATION = "unionhub.wsgi.application"

DATABASES = {
    "default": database_from_url(
        os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/unionhub"
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Test-only switches (the TRUNCATE flag for test flushes, a fast hasher, the test client's host) live in
# tests/settings.py, never here.

AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
SESSION_COOKIE_HTTPONLY = True
# One login across the tree: set UNIONHUB_SESSION_COOKIE_DOMAIN to the base domain with a leading dot (e.g.
# ".unionhub.example.cn") and the session cookie is sent to the public host and every <slug>.<base> union host,
# so signing in once works everywhere (sessions live in the public schema). Unset (default) = host-only cookie,
# one login per host; needed for localhost/testserver, where browsers refuse domain cookies. Access is still
# decided per request by role grants, so a shared session gives no union more than the user's roles allow.
# The CSRF cookie stays host-only on purpose: each host checks its own token.
UNIONHUB_SESSION_COOKIE_DOMAIN = os.environ.get("UNIONHUB_SESSION_COOKIE_DOMAIN", "").strip() or None
SESSION_COOKIE_DOMAIN = UNIONHUB_SESSION_COOKIE_DOMAIN
CSRF_COOKIE_HTTPONLY = False
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [REPO_ROOT / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = REPO_ROOT / "staticfiles"
# Development and tests serve static files through the finders; only deployments run collectstatic.
warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)

# Files (platform/files): any S3-compatible store when UNIONHUB_S3_BUCKET is set, else MEDIA_ROOT on local disk.
# Credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (or the instance role via boto3's chain).
MEDIA_ROOT = Path(os.environ.get("UNIONHUB_MEDIA_ROOT") or REPO_ROOT / ".data" / "media")
UNIONHUB_S3_BUCKET = os.environ.get("UNIONHUB_S3_BUCKET", "").strip()
if UNIONHUB_S3_BUCKET:
    _s3_endpoint = os.environ.get("UNIONHUB_S3_ENDPOINT_URL", "").strip() or None
    _s3_style = os.environ.get("UNIONHUB_S3_ADDRESSING_STYLE") or ("path" if _s3_endpoint else None)
    _files_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": UNIONHUB_S3_BUCKET,
            "endpoint_url": _s3_endpoint,
            "region_name": os.environ.get("UNIONHUB_S3_REGION", "").strip() or None,
            "location": os.environ.get("UNIONHUB_S3_PREFIX", "").strip(),
            # MinIO and most S3-compatible servers want path-style addressing.
            "addressing_style": _s3_style,
            "signature_version": "s3v4",
            "file_overwrite": True,  # deterministic keys: a retry replaces its own object
            "default_acl": None,  # private objects; downloads only through short-lived presigned URLs
            "querystring_auth": True,
            "querystring_expire": 300,
        },
    }
else:
    _files_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT, "allow_overwrite": True},
    }
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "unionhub": _files_storage,
}
# Upload size limits in bytes per area ("imports", "evidence", ...); areas not listed use "default".
UNIONHUB_FILE_MAX_BYTES = {"default": int(os.environ.get("UNIONHUB_FILE_MAX_MB", "20")) * 1024 * 1024}

# GraphQL
GRAPHENE = {
    "SCHEMA": "api.schema.schema",
    "RELAY_CONNECTION_MAX_LIMIT": 100,
}
UNIONHUB_GRAPHQL = {
    "MAX_DEPTH": int(os.environ.get("GRAPHQL_MAX_DEPTH", "10")),
    "MAX_ALIASES": int(os.environ.get("GRAPHQL_MAX_ALIASES", "15")),
    "MAX_COST": int(os.environ.get("GRAPHQL_MAX_COST", "5000")),
    # Fields in one document (every field, __typename too, fragments counted once), checked right after parsing:
    # the standard rules grow with the square of this. The web client's largest query has well under 100.
    "MAX_FIELDS": int(os.environ.get("GRAPHQL_MAX_FIELDS", "300")),
    # Anonymous callers (no session, no valid token): documents up to this many characters, and this many requests
    # per client address and window (0 = no limit), refused before parsing (counters: unionhub.ratelimit).
    "ANONYMOUS_MAX_CHARS": int(os.environ.get("GRAPHQL_ANONYMOUS_MAX_CHARS", "5000")),
    "ANONYMOUS_RATE_PER_ADDRESS": int(os.environ.get("GRAPHQL_ANONYMOUS_RATE_PER_ADDRESS", "120")),
    "ANONYMOUS_RATE_WINDOW": int(os.environ.get("GRAPHQL_ANONYMOUS_RATE_WINDOW", "60")),
    # Introspection and GraphiQL follow DEBUG unless forced.
    "INTROSPECTION": env_bool("GRAPHQL_INTROSPECTION", DEBUG),
    "GRAPHIQL": env_bool("GRAPHQL_GRAPHIQL", DEBUG),
}

# Celery (workers/jobs): Redis broker by default; RabbitMQ URLs work too.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or None
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery's Django fix-up closes the database connection around every task unless this is set, whatever
# CONN_MAX_AGE says (a 1,000-union fan-out then opens 1,000 connections). With persistent connections configured,
# workers keep theirs; jobs.celery_app closes it when unusable or older than CONN_MAX_AGE, as Django does per request.
CELERY_DB_REUSE_MAX = 1_000_000 if DATABASES["default"]["CONN_MAX_AGE"] else None
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_TASK_DEFAULT_QUEUE", "unionhub")
CELERY_BEAT_SCHEDULE: dict = {
    # Safety net for fan-outs over unions: resumes runs whose messages were lost or whose workers died.
    "fanout-sweep": {"task": "jobs.fanout.fanout_sweep", "schedule": 300.0},
    # Tasks whose send after commit failed (broker down) or never happened (process died): operations.outbox.
    "outbox-sweep": {"task": "jobs.outbox.outbox_sweep", "schedule": 60.0},
    # Model workers: terms end the day after their last day (00:10 Beijing time = 16:10 UTC, beat runs in UTC);
    # reminders at 08:30 Beijing time. Both idempotent: a repeated or overlapping run changes and sends nothing.
    "modelworker-terms-end": {
        "task": "jobs.modelworker_care.modelworker_terms_end",
        "schedule": crontab(hour=16, minute=10),
    },
    "modelworker-reminders": {
        "task": "jobs.modelworker_care.modelworker_reminders_send",
        "schedule": crontab(hour=0, minute=30),
    },
    # Statistical reports: deadline reminders at 09:00 Beijing time (each sent once: claimed on a unique key);
    # delivery of county reports to the higher-level union every minute (scheduling and attempts are idempotent).
    "reporting-reminders": {
        "task": "jobs.reporting.reminders_send_task",
        "schedule": crontab(hour=1, minute=0),
    },
    "reporting-deliveries": {"task": "jobs.reporting.deliveries_dispatch_task", "schedule": 60.0},
    # 视为自动退会: proposals (never the withdrawal itself: an officer confirms) at 01:00 Beijing time.
    "membership-withdrawal-proposals": {
        "task": "jobs.membership.withdrawal_proposals_start",
        "schedule": crontab(hour=17, minute=0),
    },
    # 职工之家 titles: those whose validity ran out end at 00:20 Beijing time (idempotent, as the term end above).
    "assessment-titles-expire": {
        "task": "jobs.assessment.titles_expire",
        "schedule": crontab(hour=16, minute=20),
    },
    # Rejected import rows (they hold identity numbers) older than the retention period, at 03:30 Beijing time.
    "import-rejections-purge": {
        "task": "jobs.imports.rejections_purge_task",
        "schedule": crontab(hour=19, minute=30),
    },
}
# Text messages (one-time codes of the member appraisal): a dotted class path, see unionhub/sms.py.
UNIONHUB_SMS_BACKEND = os.environ.get("UNIONHUB_SMS_BACKEND", "unionhub.sms.ConsoleSmsBackend")
# Days an import's rejected rows (and so its error file) are kept; docs/security.md.
UNIONHUB_IMPORT_REJECTION_RETENTION_DAYS = int(
    os.environ.get("UNIONHUB_IMPORT_REJECTION_RETENTION_DAYS", "30")
)

# Cache: Redis when UNIONHUB_CACHE_URL is set (shared by all web processes, needed for the joining-link rate limits
# to hold across processes), else per-process memory (development, tests).
UNIONHUB_CACHE_URL = os.environ.get("UNIONHUB_CACHE_URL", "").strip()
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": UNIONHUB_CACHE_URL}
    if UNIONHUB_CACHE_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "unionhub"}
}
# Public joining links (drives): fixed-window limits on submissions, per link and client address, per link, per
# client address (counters in the cache above).
UNIONHUB_JOIN_RATE_LIMITS = {
    "window_seconds": int(os.environ.get("UNIONHUB_JOIN_RATE_WINDOW", "60")),
    "per_link_address": int(os.environ.get("UNIONHUB_JOIN_RATE_PER_LINK_ADDRESS", "10")),
    "per_link": int(os.environ.get("UNIONHUB_JOIN_RATE_PER_LINK", "600")),
    "per_address": int(os.environ.get("UNIONHUB_JOIN_RATE_PER_ADDRESS", "30")),
}
# Sign-in (web login and admin, accounts.login): failed attempts per user name and address, per user name, per
# address, in fixed windows; once full, sign-in is refused until the window ends.
UNIONHUB_LOGIN_RATE_LIMITS = {
    "window_seconds": int(os.environ.get("UNIONHUB_LOGIN_RATE_WINDOW", "300")),
    "per_user_address": int(os.environ.get("UNIONHUB_LOGIN_RATE_PER_USER_ADDRESS", "5")),
    "per_user": int(os.environ.get("UNIONHUB_LOGIN_RATE_PER_USER", "20")),
    "per_address": int(os.environ.get("UNIONHUB_LOGIN_RATE_PER_ADDRESS", "50")),
}
# Password change (accounts.login): wrong old passwords per account in a fixed window; once full, refused (429)
# before the old password is checked, so a signed-in browser left open cannot be used to guess the password.
UNIONHUB_PASSWORD_CHANGE_RATE_LIMITS = {
    "window_seconds": int(os.environ.get("UNIONHUB_PASSWORD_CHANGE_RATE_WINDOW", "900")),
    "per_user": int(os.environ.get("UNIONHUB_PASSWORD_CHANGE_RATE_PER_USER", "5")),
}
# Member appraisal (会员评家): below this many responses the answer counts and area averages are withheld from every
# viewer (one response's answers would be the averages); the scoring gate still uses the real counts.
UNIONHUB_APPRAISAL_MIN_RESPONSES = int(os.environ.get("UNIONHUB_APPRAISAL_MIN_RESPONSES", "5"))
# Reverse proxies in front of the app that append to X-Forwarded-For (audit.middleware.client_ip, used by the audit
# log and the joining rate limits). 0 = trust REMOTE_ADDR only; never more than the proxies really there.
UNIONHUB_TRUSTED_PROXY_COUNT = int(os.environ.get("UNIONHUB_TRUSTED_PROXY_COUNT", "0"))

# Outgoing mail (report deliveries to the higher-level union, deadline and model-worker reminders): SMTP.
EMAIL_HOST = os.environ.get("UNIONHUB_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("UNIONHUB_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("UNIONHUB_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("UNIONHUB_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("UNIONHUB_EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 10  # seconds: a hung SMTP server must not hold a delivery's row lock for long
DEFAULT_FROM_EMAIL = os.environ.get("UNIONHUB_EMAIL_FROM", f"UnionHub <noreply@{UNIONHUB_BASE_DOMAIN}>")

# Secrets for personal data: HMAC key for identity-number lookups, encryption keys (rotation: first encrypts).
# Both are required with DEBUG off (start-up check above); the SECRET_KEY fallbacks serve development only.
UNIONHUB_PII_HMAC_KEY = os.environ.get("UNIONHUB_PII_HMAC_KEY") or SECRET_KEY
# Fernet keys (comma-separated) for identity numbers at rest: the first encrypts, all decrypt (rotation). Unset:
# a key derived from SECRET_KEY (development only). Generate: python -c "from cryptography.fernet import Fernet;
# print(Fernet.generate_key().decode())"
UNIONHUB_PII_ENCRYPTION_KEYS = [
    key.strip() for key in os.environ.get("UNIONHUB_PII_ENCRYPTION_KEYS", "").split(",") if key.strip()
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Filters sit on the handler so they see records from every logger; personal data is masked before output.
    "filters": {
        "request_context": {"()": "audit.logs.RequestContextFilter"},
        "redact": {"()": "audit.logs.RedactPersonalDataFilter"},
        "access_paths": {"()": "audit.logs.AccessLogFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s %(tenant)s] %(message)s"},
        "json": {"()": "audit.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_context", "redact"],
            # LOG_FORMAT=plain for a readable console in development; JSON lines otherwise.
            "formatter": "plain" if os.environ.get("LOG_FORMAT", "json") == "plain" else "json",
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # runserver's access lines: path only (no query strings), through the console handler's redaction, instead
        # of Django's own handler, which printed the whole URL. Gunicorn's: infra/gunicorn.conf.py.
        "django.server": {
            "handlers": ["console"],
            "filters": ["access_paths"],
            "level": "INFO",
            "propagate": False,
        },
    },
}
