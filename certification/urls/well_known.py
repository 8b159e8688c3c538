"""Published keys at the site root: ``/.well-known/jwks.json`` and ``did.json``."""

from django.urls import path

from ..views import published

urlpatterns = [
    path("jwks.json", published.jwks, name="well_known_jwks"),
    path("did.json", published.did_document, name="well_known_did"),
]
