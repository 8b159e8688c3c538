"""GET /healthz reports each part's real state."""

import pytest

pytestmark = pytest.mark.django_db

CLOSED_PORT = "redis://127.0.0.1:1/0"


def test_healthz_all_ok_on_real_services(client):
    """With PostgreSQL and Redis up, every part reports ok."""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "cache": "ok",
        "channel_layer": "ok",
        "broker": "ok",
    }
    assert "no-cache" in response["Cache-Control"]


def test_healthz_reports_unreachable_redis(client, settings):
    """Pointing Redis at a closed port reports errors and answers 503."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CLOSED_PORT,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [CLOSED_PORT]},
        }
    }
    settings.CELERY_BROKER_URL = CLOSED_PORT
    settings.HEALTHCHECK_TIMEOUT_SECONDS = 1
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "error",
        "database": "ok",
        "cache": "error",
        "channel_layer": "error",
        "broker": "error",
    }
