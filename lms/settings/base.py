"""Settings shared by every environment, driven by environment variables.

With no variable set this is the *embedded default*: SQLite, in-memory channel
layer, Celery tasks run in-process, local file storage, console e-mail.
``DATABASE_URL``, ``REDIS_URL``, ``AWS_STORAGE_BUCKET_NAME`` and ``EMAIL_HOST``
switch each part to its production service. Every variable is listed in README.md.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.utils.csp import CSP

from .env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("TREMPLIN_VAR_DIR") or BASE_DIR / "var")

SECRET_KEY = env_str("SECRET_KEY") or "embedded-default-not-secret-" + "x" * 40
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "daphne",
    # Tremplin, lowest layer first (see DESIGN.md).
    "lms",
    "themes",
    "courses",
    "catalogue",
    "tutoring",
    "live",
    "certification",
    "indicators",
    # Wagtail.
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    # Django and third parties.
    "lms.apps.TremplinAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "channels",
    "django_celery_beat",
    "storages",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "courses.middleware.ContentOriginMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "lms.middleware.AdminContentSecurityPolicyMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "lms.two_factor.SecondFactorMiddleware",
    "lms.middleware.PreferredLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "lms.middleware.OverloadMiddleware",  # last: sees view exceptions first
]

ROOT_URLCONF = "lms.urls"
WSGI_APPLICATION = None
ASGI_APPLICATION = "lms.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "lms.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            # 0: under ASGI every request runs in a new thread, and a persistent
            # connection per thread would pile up until PostgreSQL refuses
            # clients. Production pools connections (``DATABASE_POOL``).
            conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
            conn_health_checks=True,
        )
    }
    DATABASES["default"].setdefault("OPTIONS", {})
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"]["OPTIONS"].setdefault(
            "connect_timeout", env_int("DATABASE_CONNECT_TIMEOUT", 5)
        )
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "tremplin.sqlite3",
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache, channel layer, Celery broker ---------------------------------
REDIS_URL = env_str("REDIS_URL")
REDIS_TIMEOUT_SECONDS = env_int("REDIS_TIMEOUT_SECONDS", 3)
CACHE_URL = env_str("CACHE_URL") or REDIS_URL
CHANNEL_LAYER_URL = env_str("CHANNEL_LAYER_URL") or REDIS_URL

if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "lms.cache.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "tremplin",
            "OPTIONS": {
                "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
                "socket_timeout": REDIS_TIMEOUT_SECONDS,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# "default" (Redis lists) carries point-to-point and per-user messages. "rooms"
# (Redis pub/sub) carries broadcasts to big rooms (chat, tutor dashboards): each
# process subscribes once per room and fans out to its own sockets, instead of
# one Redis message per socket.
if CHANNEL_LAYER_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [CHANNEL_LAYER_URL], "prefix": "tremplin"},
        },
        "rooms": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [CHANNEL_LAYER_URL], "prefix": "tremplin-rooms"},
        },
    }
else:
    CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels.layers.InMemoryChannelLayer"},
        "rooms": {"BACKEND": "channels.layers.InMemoryChannelLayer"},
    }

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL") or REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND") or REDIS_URL or None
# Without a broker the embedded default runs tasks in-process, synchronously.
CELERY_TASK_ALWAYS_EAGER = env_bool(
    "CELERY_TASK_ALWAYS_EAGER", CELERY_BROKER_URL == "memory://"
)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Deliveries to outside systems wait on the network: their own queue, so they
# never queue behind CPU-bound work (thousands of PDFs at a session close).
# Workers consume both: `celery -A lms worker -Q celery,delivery` (see README).
CELERY_TASK_ROUTES = {"certification.tasks.deliver_due": {"queue": "delivery"}}
CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_TIMEOUT_SECONDS
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_TIMEZONE = "Europe/Brussels"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# --- Accounts and authentication ------------------------------------------------
AUTH_USER_MODEL = "lms.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "lms:dashboard"
LOGOUT_REDIRECT_URL = "home"
PASSWORD_RESET_TIMEOUT = 3 * 3600
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sign-in throttling (lms.throttling): failures counted per account and per
# address over the window; past the limit, locked for LOGIN_LOCKOUT_SECONDS.
LOGIN_FAILURE_WINDOW_SECONDS = env_int("LOGIN_FAILURE_WINDOW_SECONDS", 900)
LOGIN_MAX_FAILURES_PER_ACCOUNT = env_int("LOGIN_MAX_FAILURES_PER_ACCOUNT", 5)
LOGIN_MAX_FAILURES_PER_ADDRESS = env_int("LOGIN_MAX_FAILURES_PER_ADDRESS", 50)
LOGIN_LOCKOUT_SECONDS = env_int("LOGIN_LOCKOUT_SECONDS", 900)
# Sign-in with Mon Espace (OpenID Connect, lms.oidc): off while OIDC_ISSUER is
# empty. Discovery from the issuer's /.well-known/openid-configuration, cached.
OIDC_ISSUER = env_str("OIDC_ISSUER")
OIDC_CLIENT_ID = env_str("OIDC_CLIENT_ID")
OIDC_CLIENT_SECRET = env_str("OIDC_CLIENT_SECRET")
OIDC_SCOPES = env_str("OIDC_SCOPES") or "openid email profile"
OIDC_TIMEOUT_SECONDS = env_int("OIDC_TIMEOUT_SECONDS", 5)
OIDC_DISCOVERY_CACHE_SECONDS = env_int("OIDC_DISCOVERY_CACHE_SECONDS", 3600)
OIDC_USE_USERINFO = env_bool("OIDC_USE_USERINFO", True)
# Claim names: staff number, e-mail, functions (a list or space-separated
# string) and FASE numbers of the person's establishments.
OIDC_CLAIM_MATRICULE = env_str("OIDC_CLAIM_MATRICULE") or "matricule"
OIDC_CLAIM_EMAIL = env_str("OIDC_CLAIM_EMAIL") or "email"
OIDC_CLAIM_FUNCTIONS = env_str("OIDC_CLAIM_FUNCTIONS") or "fonctions"
OIDC_CLAIM_FASE = env_str("OIDC_CLAIM_FASE") or "fase"
# JSON object {claim value: Tremplin role}; the roles named here are managed by
# the identity provider (granted and revoked at each sign-in), the others never.
OIDC_ROLE_RULES = env_str("OIDC_ROLE_RULES") or (
    '{"enseignant": "teacher", "directeur": "school_director", "ctp": "ctp",'
    ' "dco": "dco", "formateur_interne": "internal_trainer"}'
)
# While OIDC is on, people linked to Mon Espace keep a local password only if
# they hold one of these roles (tutors and IFPC staff without portal accounts).
OIDC_LOCAL_LOGIN_ROLES = env_list(
    "OIDC_LOCAL_LOGIN_ROLES",
    ["tutor", "catalogue_manager", "registrations_manager", "administrator"],
)
# Retention (GDPR), in days; 0 keeps forever (lms/retention.py, daily beat task).
RETENTION_AUDIT_JOURNAL_DAYS = env_int("RETENTION_AUDIT_JOURNAL_DAYS", 5 * 365)
RETENTION_ADMIN_HISTORY_DAYS = env_int("RETENTION_ADMIN_HISTORY_DAYS", 2 * 365)
RETENTION_TECHNICAL_LOG_DAYS = env_int("RETENTION_TECHNICAL_LOG_DAYS", 365)
RETENTION_CHAT_DAYS = env_int("RETENTION_CHAT_DAYS", 365)
RETENTION_INACTIVE_ACCOUNT_DAYS = env_int("RETENTION_INACTIVE_ACCOUNT_DAYS", 3 * 365)
RETENTION_INACTIVE_WARNING_DAYS = env_int("RETENTION_INACTIVE_WARNING_DAYS", 30)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
CSRF_COOKIE_SAMESITE = "Lax"
# Second factor (lms.two_factor): TOTP + backup codes, required of these roles
# (and of is_staff/is_superuser accounts) when they sign in with a password.
MFA_REQUIRED_ROLES = env_list(
    "MFA_REQUIRED_ROLES",
    ["catalogue_manager", "registrations_manager", "administrator"],
)
MFA_BACKUP_CODE_COUNT = 10
OTP_TOTP_ISSUER = "Tremplin"

# --- Internationalisation: French first -----------------------------------------
LANGUAGE_CODE = "fr-be"
LANGUAGES = [("fr-be", "Français"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "tremplin_language"
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
TIME_ZONE = "Europe/Brussels"
USE_I18N = True
USE_TZ = True
WAGTAIL_I18N_ENABLED = False
WAGTAIL_CONTENT_LANGUAGES = [("fr-be", "Français")]
WAGTAILADMIN_PERMITTED_LANGUAGES = [("fr", "Français"), ("en", "English")]

# --- Static files and storage ---------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = env_str("MEDIA_URL") or "/media/"
MEDIA_ROOT = VAR_DIR / "media"

AWS_STORAGE_BUCKET_NAME = env_str("AWS_STORAGE_BUCKET_NAME")
if AWS_STORAGE_BUCKET_NAME:
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env_str("AWS_S3_ENDPOINT_URL") or None,
            "region_name": env_str("AWS_S3_REGION_NAME") or None,
            "custom_domain": env_str("AWS_S3_CUSTOM_DOMAIN") or None,
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
    },
}

# --- E-mail ---------------------------------------------------------------------
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL") or "Tremplin <noreply@tremplin.test>"
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_HOST = env_str("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
    EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# --- Security headers (hardened further in production) --------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
# Wagtail's and Django's admin interfaces rely on inline styles and scripts.
ADMIN_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:", "blob:"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF, "data:"],
    "frame-src": [CSP.SELF],
    "frame-ancestors": [CSP.SELF],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
ADMIN_PATH_PREFIXES = ("/cms/", "/django-admin/")

# --- Wagtail --------------------------------------------------------------------
WAGTAIL_SITE_NAME = "Tremplin"
WAGTAILADMIN_BASE_URL = env_str("SITE_URL") or "http://127.0.0.1:8000"
SITE_URL = WAGTAILADMIN_BASE_URL
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "odt", "pptx", "odp", "xlsx", "ods", "txt"]
WAGTAIL_PASSWORD_RESET_ENABLED = False
WAGTAIL_ENABLE_UPDATE_CHECK = False
# Catalogue moderation: a peer's approval publishes (see catalogue.workflow_finish).
WAGTAIL_FINISH_WORKFLOW_ACTION = "catalogue.workflow_finish.publish_workflow_state"

# --- Logging --------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL") or "INFO"},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "daphne": {"level": "WARNING"},
        # httpx logs every request URL at INFO: BBB API URLs carry checksums.
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
        # WeasyPrint logs several INFO lines per PDF (thousands at a session close).
        "weasyprint": {"level": "WARNING"},
    },
}

# --- Tremplin tunables ----------------------------------------------------------
HEALTHCHECK_TIMEOUT_SECONDS = env_int("HEALTHCHECK_TIMEOUT_SECONDS", 3)
DEMO_PASSWORD = env_str("DEMO_PASSWORD") or "Tremplin-demo-2026"
ALLOW_DEMO_DATA = env_bool("ALLOW_DEMO_DATA", True)

# --- Courses: packages, content origin, tracking --------------------------------
# Packages run third-party JavaScript: they are served from this separate origin,
# which never receives the session cookie (see DESIGN.md, "Content isolation").
# The embedded default uses "localhost" while the platform is on 127.0.0.1: two
# different sites for the browser, one process for us.
CONTENT_ORIGIN = env_str("CONTENT_ORIGIN") or "http://localhost:8000"
_content_hostname = urlsplit(CONTENT_ORIGIN).hostname or ""
if _content_hostname and _content_hostname not in ALLOWED_HOSTS:
    ALLOWED_HOSTS.append(_content_hostname)
PACKAGE_MAX_UPLOAD_BYTES = env_int("PACKAGE_MAX_UPLOAD_BYTES", 500 * 1024 * 1024)
PACKAGE_MAX_FILES = env_int("PACKAGE_MAX_FILES", 10_000)
PACKAGE_MAX_UNCOMPRESSED_BYTES = env_int(
    "PACKAGE_MAX_UNCOMPRESSED_BYTES", 2 * 1024 * 1024 * 1024
)
PACKAGE_MAX_COMPRESSION_RATIO = env_int("PACKAGE_MAX_COMPRESSION_RATIO", 200)
ATTEMPT_TOKEN_MAX_AGE_SECONDS = env_int("ATTEMPT_TOKEN_MAX_AGE_SECONDS", 8 * 3600)
LRS_URL = env_str("LRS_URL")
LRS_USERNAME = env_str("LRS_USERNAME")
LRS_PASSWORD = env_str("LRS_PASSWORD")
# Tracking API (courses.tracking.api): body cap, per-attempt rate limit, late data.
# A full CMI dump with 64,000 characters of suspend data, JSON-escaped (up to 6
# bytes a character), must fit: a refused commit is refused again every time.
TRACKING_MAX_BODY_BYTES = env_int("TRACKING_MAX_BODY_BYTES", 1024 * 1024)
TRACKING_RATE_LIMIT_REQUESTS = env_int("TRACKING_RATE_LIMIT_REQUESTS", 40)
TRACKING_RATE_LIMIT_WINDOW_SECONDS = env_int("TRACKING_RATE_LIMIT_WINDOW_SECONDS", 10)
# Commits still accepted this long after an attempt was closed (late score data).
TRACKING_LATE_COMMIT_SECONDS = env_int("TRACKING_LATE_COMMIT_SECONDS", 600)
# Threads (each with one persistent DB connection) per process for tracking API
# work; 0 runs it where Django runs synchronous code (tests in a transaction).
TRACKING_DB_THREADS = env_int("TRACKING_DB_THREADS", 4)
# Public read-only GET paths served by Django's synchronous handler on a small
# thread pool per process (lms.asgi_sync.SyncLane) instead of a thread per request.
# One thread measured best (bench/catalogue_search.py): more threads of one
# process only take turns on the GIL, and each switch costs CPU.
SYNC_LANE_PATHS = ("/api/v1/catalogue/",)
SYNC_LANE_THREADS = env_int("SYNC_LANE_THREADS", 1)
LRS_TIMEOUT_SECONDS = env_int("LRS_TIMEOUT_SECONDS", 10)
LRS_MAX_RETRIES = env_int("LRS_MAX_RETRIES", 8)
# Files staff attach to "file" activities, and work learners hand in.
COURSE_FILE_MAX_UPLOAD_BYTES = env_int(
    "COURSE_FILE_MAX_UPLOAD_BYTES", 100 * 1024 * 1024
)
SUBMISSION_MAX_UPLOAD_BYTES = env_int("SUBMISSION_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)
# --- Catalogue: import of trainings and sessions (CSV/XLSX) ----------------------
# Bigger uploads are refused before being read; rows past the cap are refused too.
CATALOGUE_IMPORT_MAX_BYTES = env_int("CATALOGUE_IMPORT_MAX_BYTES", 5 * 1024 * 1024)
CATALOGUE_IMPORT_MAX_ROWS = env_int("CATALOGUE_IMPORT_MAX_ROWS", 20_000)
# --- Live: BigBlueButton virtual classes ------------------------------------------
# One server (or a Scalelite endpoint): BBB_URL + BBB_SECRET. Several servers:
# comma-separated lists of equal length in both. Without BBB_URL the embedded
# default talks to the BBB stand-in (`python -m live.bbb_standin`) on port 8090
# and the interface says it is a simulator.
BBB_URL = env_str("BBB_URL") or "http://127.0.0.1:8090/bigbluebutton/"
BBB_SECRET = env_str("BBB_SECRET") or "tremplin-simulateur-bbb-secret"
BBB_CHECKSUM_ALGORITHM = env_str("BBB_CHECKSUM_ALGORITHM") or "sha1"
BBB_IS_SIMULATOR = env_bool("BBB_IS_SIMULATOR", not env_str("BBB_URL"))
BBB_TIMEOUT_SECONDS = env_int("BBB_TIMEOUT_SECONDS", 5)
# Joining opens this many minutes before the start and closes at the planned end.
LIVE_JOIN_OPENS_MINUTES_BEFORE = env_int("LIVE_JOIN_OPENS_MINUTES_BEFORE", 15)
# A learner attending at least this share of a class is "present" (else partial).
LIVE_PRESENT_MIN_PERCENT = env_int("LIVE_PRESENT_MIN_PERCENT", 75)
# getMeetingInfo polling of running classes (seconds; the beat interval).
LIVE_POLL_INTERVAL_SECONDS = env_int("LIVE_POLL_INTERVAL_SECONDS", 60)
# QR check-in codes for in-person days: validity of one displayed code.
LIVE_CHECKIN_TOKEN_SECONDS = env_int("LIVE_CHECKIN_TOKEN_SECONDS", 90)
LIVE_JUSTIFICATION_MAX_BYTES = env_int("LIVE_JUSTIFICATION_MAX_BYTES", 10 * 1024 * 1024)
# --- Certification: attestations and delivery to the staff space -------------------
# Signing keys (PEM, Ed25519 or P-256): files (comma list) or the PEM text itself.
# The first key signs; the others only verify what they signed (rotation).
ATTESTATION_SIGNING_KEY_FILES = env_list("ATTESTATION_SIGNING_KEY_FILES")
ATTESTATION_SIGNING_KEYS_PEM = env_str("ATTESTATION_SIGNING_KEYS_PEM")
# Without a configured key the embedded default makes one under VAR_DIR/keys/.
ATTESTATION_GENERATE_DEV_KEY = env_bool("ATTESTATION_GENERATE_DEV_KEY", True)
ATTESTATION_ISSUER_NAME = (
    env_str("ATTESTATION_ISSUER_NAME")
    or "IFPC — Institut de la formation en cours de carrière"
)
ATTESTATION_ISSUER_URL = env_str("ATTESTATION_ISSUER_URL") or "https://www.ifpc-fwb.be"
# Sessions ended this many days ago are closed automatically (attestations
# issued) if IFPC staff have not closed them; 0 turns it off.
ATTESTATION_AUTO_CLOSE_DAYS = env_int("ATTESTATION_AUTO_CLOSE_DAYS", 7)
# A revocation reaches the published status list within this delay.
ATTESTATION_STATUS_LIST_CACHE_SECONDS = env_int(
    "ATTESTATION_STATUS_LIST_CACHE_SECONDS", 300
)
# Staff space ("Mon Espace"): without STAFF_SPACE_URL the embedded default
# delivers to the stand-in (`python -m certification.staff_space_standin`) on :8091.
STAFF_SPACE_URL = env_str("STAFF_SPACE_URL") or "http://127.0.0.1:8091"
STAFF_SPACE_TOKEN = env_str("STAFF_SPACE_TOKEN") or "tremplin-simulateur-espace"
STAFF_SPACE_TIMEOUT_SECONDS = env_int("STAFF_SPACE_TIMEOUT_SECONDS", 10)
# Retries: exponential from the base, capped, with full jitter, for this long.
STAFF_SPACE_RETRY_BASE_SECONDS = env_int("STAFF_SPACE_RETRY_BASE_SECONDS", 30)
STAFF_SPACE_RETRY_MAX_SECONDS = env_int("STAFF_SPACE_RETRY_MAX_SECONDS", 3600)
STAFF_SPACE_GIVE_UP_HOURS = env_int("STAFF_SPACE_GIVE_UP_HOURS", 48)
# Requests in flight per delivery task, and rows a task takes at once.
STAFF_SPACE_CONCURRENCY = env_int("STAFF_SPACE_CONCURRENCY", 16)
STAFF_SPACE_BATCH_SIZE = env_int("STAFF_SPACE_BATCH_SIZE", 200)
# A taken row is taken again after this (a worker killed mid-delivery).
STAFF_SPACE_LEASE_SECONDS = env_int("STAFF_SPACE_LEASE_SECONDS", 300)
# --- Self-test ---------------------------------------------------------------------
# A pretest item is calibrated once it has this many answers (spec B10).
SELFTEST_CALIBRATION_MIN_RESPONSES = env_int("SELFTEST_CALIBRATION_MIN_RESPONSES", 300)
SELFTEST_IMPORT_MAX_BYTES = env_int("SELFTEST_IMPORT_MAX_BYTES", 5 * 1024 * 1024)
# Exposure ceiling (spec B1): administrations counted over the sittings of this
# many days, rolled up by a beat task; a process re-reads the counters this often.
SELFTEST_EXPOSURE_WINDOW_DAYS = env_int("SELFTEST_EXPOSURE_WINDOW_DAYS", 90)
SELFTEST_EXPOSURE_CACHE_SECONDS = env_int("SELFTEST_EXPOSURE_CACHE_SECONDS", 60)
