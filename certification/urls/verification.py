"""URLs of the verification part: public status lists and verification pages,
the attestation page and its downloads."""

from django.urls import path

from ..views import published, verification

urlpatterns = [
    path(
        "status-lists/<int:number>/",
        published.status_list_credential,
        name="status_list",
    ),
    path("verify/", verification.verify_token, name="verify_token"),
    path("verify/api/", verification.verify_api, name="verify_api"),
    path("verify/<uuid:uuid>/", verification.verify_page, name="verify"),
    path("verify/<uuid:uuid>.json", verification.verify_json, name="verify_json"),
    path(
        "attestations/<uuid:uuid>/",
        verification.attestation_detail,
        name="attestation_detail",
    ),
    path(
        "attestations/<uuid:uuid>/pdf/",
        verification.attestation_pdf,
        name="attestation_pdf",
    ),
    path(
        "attestations/<uuid:uuid>/credential/",
        verification.attestation_credential,
        name="attestation_credential",
    ),
    path(
        "attestations/<uuid:uuid>/revoke/",
        verification.attestation_revoke,
        name="attestation_revoke",
    ),
]
