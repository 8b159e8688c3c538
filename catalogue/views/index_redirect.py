"""``/catalogue/``: a stable address that leads to the live catalogue index page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render

from ..models import CatalogueIndexPage


def index_redirect(request: HttpRequest) -> HttpResponse:
    """Redirect to the live catalogue index, or say in French that it is not open."""
    index = CatalogueIndexPage.objects.live().first()
    url = index.get_url(request) if index is not None else None
    if not url:
        return render(request, "catalogue/index_missing.html", status=404)
    query = request.META.get("QUERY_STRING", "")
    return HttpResponseRedirect(f"{url}?{query}" if query else url)
