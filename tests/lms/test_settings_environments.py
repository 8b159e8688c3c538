"""The settings package: embedded default, production checks, env readers."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from django.core.exceptions import ImproperlyConfigured
from hypothesis import given
from hypothesis import strategies as st

from lms.settings.env import env_bool, env_int, env_list

BASE_DIR = Path(__file__).resolve().parents[2]

# A throwaway attestation signing key: check --deploy loads it.
_SIGNING_KEY_PEM = (
    ed25519.Ed25519PrivateKey.generate()
    .private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    .decode()
)

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "lms.settings.production",
    "SECRET_KEY": "k" * 20 + "ProductionSecretKeyThatIsLongEnough-7f3a9c2e1b",
    "DATABASE_URL": "postgres://tremplin@db.internal:5432/tremplin",
    "REDIS_URL": "redis://redis.internal:6379/0",
    "ALLOWED_HOSTS": "tremplin.example.be",
    "CSRF_TRUSTED_ORIGINS": "https://tremplin.example.be",
    "AWS_STORAGE_BUCKET_NAME": "tremplin-media",
    "AWS_S3_ENDPOINT_URL": "https://s3.example.be",
    "EMAIL_HOST": "smtp.example.be",
    "CONTENT_ORIGIN": "https://contenu.tremplin-paquets.example",
    "BBB_URL": "https://bbb.example.be/bigbluebutton/",
    "BBB_SECRET": "bbb-shared-secret-for-settings-tests",
    "ATTESTATION_SIGNING_KEYS_PEM": _SIGNING_KEY_PEM,
    "STAFF_SPACE_URL": "https://monespace.example.be/api",
    "STAFF_SPACE_TOKEN": "staff-space-token-for-settings-tests",
}


def run_manage(args, env_overrides, clear_tremplin_env=True):
    env = {
        key: value
        for key, value in os.environ.items()
        if not clear_tremplin_env
        or key
        not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "SECRET_KEY"}
    }
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_in_production():
    """``check --deploy`` reports no issue at all with production variables."""
    result = run_manage(["check", "--deploy", "--fail-level", "DEBUG"], PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_session_and_csrf_cookies_are_secure():
    """In production the session and CSRF cookies are HTTPS-only, host-bound
    (``__Host-``), HttpOnly for the session, SameSite=Lax; HSTS is on; staff
    must use a second factor (OTP middleware installed)."""
    probe = (
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY,"
        " s.SESSION_COOKIE_SAMESITE, s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME,"
        " s.SECURE_HSTS_SECONDS >= 31536000, s.SECURE_SSL_REDIRECT,"
        " 'lms.two_factor.SecondFactorMiddleware' in s.MIDDLEWARE,"
        " bool(s.MFA_REQUIRED_ROLES))"
    )
    result = run_manage(["shell", "--no-imports", "-c", probe], PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == [
        "True",
        "True",
        "True",
        "Lax",
        "__Host-tremplin_session",
        "__Host-tremplin_csrf",
        "True",
        "True",
        "True",
        "True",
    ]


def test_production_refuses_to_start_without_an_https_content_origin():
    """Production refuses to start unless packages have their own HTTPS origin."""
    env = {**PRODUCTION_ENV, "CONTENT_ORIGIN": "http://localhost:8000"}
    result = run_manage(["check"], env)
    assert result.returncode != 0
    assert "CONTENT_ORIGIN" in result.stderr


def test_production_refuses_to_start_without_a_real_bbb_server():
    """Production never falls back to the BBB stand-in of the embedded default."""
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "BBB_URL"}
    result = run_manage(["check"], env)
    assert result.returncode != 0
    assert "BBB_URL" in result.stderr


def test_production_refuses_to_start_without_a_signing_key():
    """Production never signs attestations with a key it generated itself."""
    env = {
        k: v for k, v in PRODUCTION_ENV.items() if k != "ATTESTATION_SIGNING_KEYS_PEM"
    }
    result = run_manage(["check"], env)
    assert result.returncode != 0
    assert "ATTESTATION_SIGNING_KEY" in result.stderr


def test_production_refuses_to_start_without_a_real_staff_space():
    """Production never delivers attestations to the stand-in of the embedded default."""
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "STAFF_SPACE_URL"}
    result = run_manage(["check"], env)
    assert result.returncode != 0
    assert "STAFF_SPACE_URL" in result.stderr


def test_production_refuses_to_start_without_secret_key():
    """Production settings fail loudly when SECRET_KEY is missing."""
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SECRET_KEY"}
    result = run_manage(["check"], env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


PRINT_EMBEDDED = (
    "from django.conf import settings as s; "
    "print(s.DATABASES['default']['ENGINE']); "
    "print(s.CHANNEL_LAYERS['default']['BACKEND']); "
    "print(s.CELERY_TASK_ALWAYS_EAGER, s.CELERY_BROKER_URL); "
    "print(s.CACHES['default']['BACKEND']); "
    "print(s.STORAGES['default']['BACKEND']); print(s.EMAIL_BACKEND)"
)


def test_embedded_default_needs_no_service(tmp_path):
    """With no variable set: SQLite, in-memory layer, in-process tasks, local files."""
    result = run_manage(
        ["shell", "--no-imports", "-c", PRINT_EMBEDDED],
        {
            "DJANGO_SETTINGS_MODULE": "lms.settings.dev",
            "TREMPLIN_VAR_DIR": str(tmp_path),
        },
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:6] == [
        "django.db.backends.sqlite3",
        "channels.layers.InMemoryChannelLayer",
        "True memory://",
        "django.core.cache.backends.locmem.LocMemCache",
        "django.core.files.storage.FileSystemStorage",
        "django.core.mail.backends.console.EmailBackend",
    ]


def test_production_variables_select_real_services():
    """DATABASE_URL, REDIS_URL, the bucket and EMAIL_HOST switch every part."""
    result = run_manage(["shell", "--no-imports", "-c", PRINT_EMBEDDED], PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:6] == [
        "django.db.backends.postgresql",
        "channels_redis.core.RedisChannelLayer",
        "False redis://redis.internal:6379/0",
        "lms.cache.RedisCache",
        "storages.backends.s3.S3Storage",
        "django.core.mail.backends.smtp.EmailBackend",
    ]


@given(st.sampled_from(["1", "true", "TRUE", " yes ", "On"]))
def test_env_bool_reads_true_spellings(value):
    """Every documented spelling of true reads as True."""
    os.environ["TREMPLIN_PROP_BOOL"] = value
    try:
        assert env_bool("TREMPLIN_PROP_BOOL") is True
    finally:
        del os.environ["TREMPLIN_PROP_BOOL"]


@given(
    st.text(min_size=1).filter(
        lambda s: (
            s.strip().lower()
            not in {"1", "true", "yes", "on", "0", "false", "no", "off", ""}
            and "\x00" not in s
        )
    )
)
def test_env_bool_refuses_anything_else(value):
    """A value that is not a boolean spelling fails loudly instead of guessing."""
    os.environ["TREMPLIN_PROP_BOOL"] = value
    try:
        with pytest.raises(ImproperlyConfigured):
            env_bool("TREMPLIN_PROP_BOOL")
    finally:
        del os.environ["TREMPLIN_PROP_BOOL"]


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_env_int_round_trips(number):
    """Any integer written to the environment reads back unchanged."""
    os.environ["TREMPLIN_PROP_INT"] = str(number)
    try:
        assert env_int("TREMPLIN_PROP_INT", 0) == number
    finally:
        del os.environ["TREMPLIN_PROP_INT"]


@given(st.lists(st.from_regex(r"[a-z0-9.\-]{1,20}", fullmatch=True), max_size=6))
def test_env_list_round_trips(items):
    """A comma-separated list reads back as the same items, blanks dropped."""
    os.environ["TREMPLIN_PROP_LIST"] = " , ".join(items) + ","
    try:
        assert env_list("TREMPLIN_PROP_LIST") == items
    finally:
        del os.environ["TREMPLIN_PROP_LIST"]
