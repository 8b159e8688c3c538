"""URLs of the verification part: public status lists and verification pages."""

from django.urls import path

from ..views import published, verification

urlpatterns = [
    path(
        "status-lists/<int:number>/",
        published.status_list_credential,
        name="status_list",
    ),
    path("verify/<uuid:uuid>/", verification.verify_page, name="verify"),
]
