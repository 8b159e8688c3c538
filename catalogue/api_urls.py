"""Read API of the catalogue, mounted at ``/api/v1/catalogue/``."""

from django.urls import path  # noqa: F401

from . import api

app_name = "catalogue_api"

urlpatterns: list = [
    # --- search API ---
    path("trainings/", api.training_list, name="training_list"),
    # --- end search API ---
]
