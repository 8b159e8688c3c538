"""When no database connection comes free in time the site says so (503 with
Retry-After, in French) instead of a bare server error."""

from __future__ import annotations

import pytest
from django.db import OperationalError
from psycopg_pool import PoolTimeout

from tests.factories.catalogue import catalogue_index

pytestmark = pytest.mark.django_db


def _no_connection(*args, **kwargs):
    try:
        raise PoolTimeout("couldn't get a connection after 10.00 sec")
    except PoolTimeout as timeout:
        raise OperationalError(str(timeout)) from timeout


def test_api_answers_503_json_with_retry_after(client, monkeypatch):
    monkeypatch.setattr("catalogue.api.search_catalogue", _no_connection)
    response = client.get("/api/v1/catalogue/trainings/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Cache-Control"] == "no-store"
    assert "rien n'a été enregistré" in response.json()["error"]


def test_pages_answer_503_in_french(client, monkeypatch):
    monkeypatch.setattr(
        "catalogue.views.catalogue_index.search_catalogue", _no_connection
    )
    response = client.get(catalogue_index().url)
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    body = response.content.decode()
    assert "<h1>Service surchargé</h1>" in body
    assert "Réessayez dans quelques secondes" in body


def test_other_database_errors_stay_server_errors(client, monkeypatch):
    def broken(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr("catalogue.api.search_catalogue", broken)
    client.raise_request_exception = False
    response = client.get("/api/v1/catalogue/trainings/")
    assert response.status_code == 500
