"""Read API of the catalogue, mounted at ``/api/v1/catalogue/``."""

from django.urls import path  # noqa: F401

app_name = "catalogue_api"

urlpatterns: list = [
    # --- search API ---
    # --- end search API ---
]
