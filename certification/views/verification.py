"""Verification pages. Owned by the verification part."""

from django.http import Http404, HttpRequest, HttpResponse


def verify_page(request: HttpRequest, uuid) -> HttpResponse:
    raise Http404
