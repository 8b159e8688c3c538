"""Absolute URLs on the content origin, reversed from anywhere (platform or content)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from django.urls import reverse

from courses.middleware import content_origin

CONTENT_URLCONF = "courses.content_urls"


def content_path(viewname: str, **kwargs: Any) -> str:
    """Path of a ``content:`` route, e.g. ``content_path("content:scorm_wrapper", ...)``."""
    return reverse(viewname, urlconf=CONTENT_URLCONF, kwargs=kwargs)


def content_url(viewname: str, **kwargs: Any) -> str:
    """Absolute URL of a ``content:`` route on ``settings.CONTENT_ORIGIN``."""
    return content_origin() + content_path(viewname, **kwargs)


def launch_fragment(**values: str) -> str:
    """A URL fragment (``t=…&a=…``) carrying launch data the server must not see.

    Browsers never send the fragment in requests or Referer headers, so the attempt
    token stays out of access logs and proxies.
    """
    return urlencode(values, quote_via=quote)
