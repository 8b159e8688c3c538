"""Production settings: every service from the environment, HTTPS everywhere.

Required: SECRET_KEY, DATABASE_URL, REDIS_URL, ALLOWED_HOSTS, CONTENT_ORIGIN,
BBB_URL, BBB_SECRET, ATTESTATION_SIGNING_KEY_FILES (or _KEYS_PEM), STAFF_SPACE_URL,
STAFF_SPACE_TOKEN. See README.md.
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import ALLOWED_HOSTS, DATABASE_URL, DATABASES, REDIS_URL
from .env import env_bool, env_int, env_secret, env_str

DEBUG = False
SECRET_KEY = env_secret("SECRET_KEY")
if not DATABASE_URL:
    raise ImproperlyConfigured("DATABASE_URL must be set in production")
if not REDIS_URL:
    raise ImproperlyConfigured("REDIS_URL must be set in production")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set in production")
# Packages must be isolated on their own HTTPS site (see DESIGN.md).
if not env_str("CONTENT_ORIGIN").startswith("https://"):
    raise ImproperlyConfigured(
        "CONTENT_ORIGIN must be set to an https:// origin on another site in production"
    )
# Live classes run on a real BigBlueButton (or Scalelite), never on the stand-in.
if not env_str("BBB_URL").startswith("https://"):
    raise ImproperlyConfigured("BBB_URL must be set to an https:// BigBlueButton API")
BBB_SECRET = env_secret("BBB_SECRET")
BBB_IS_SIMULATOR = False
# Attestations are signed with configured keys only, and go to the real staff space.
ATTESTATION_GENERATE_DEV_KEY = False
if not (
    env_str("ATTESTATION_SIGNING_KEY_FILES") or env_str("ATTESTATION_SIGNING_KEYS_PEM")
):
    raise ImproperlyConfigured(
        "ATTESTATION_SIGNING_KEY_FILES or ATTESTATION_SIGNING_KEYS_PEM must be set"
        " in production (the keys that sign attestations)"
    )
if not env_str("STAFF_SPACE_URL").startswith("https://"):
    raise ImproperlyConfigured("STAFF_SPACE_URL must be set to an https:// endpoint")
STAFF_SPACE_TOKEN = env_secret("STAFF_SPACE_TOKEN")

# A connection pool per process (psycopg_pool): under ASGI every request runs in
# a thread of its own, so connections are borrowed from the pool and returned at
# the end of the request instead of being opened each time (or piling up).
if env_bool("DATABASE_POOL", True) and DATABASES["default"]["ENGINE"].endswith(
    "postgresql"
):
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"]["pool"] = {
        "min_size": env_int("DATABASE_POOL_MIN_SIZE", 2),
        "max_size": env_int("DATABASE_POOL_MAX_SIZE", 16),
        "timeout": env_int("DATABASE_POOL_TIMEOUT", 10),
    }

SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
if env_bool("BEHIND_TLS_PROXY", True):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-tremplin_session"
CSRF_COOKIE_NAME = "__Host-tremplin_csrf"
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage",
}
ALLOW_DEMO_DATA = env_bool("ALLOW_DEMO_DATA", False)
