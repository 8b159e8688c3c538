"""E-mails built from templates, in the recipient's language: one way for every app.

A message named ``<prefix>`` is rendered from ``<prefix>_subject.txt`` (unless a
subject is given), ``<prefix>_body.txt`` and ``<prefix>_body.html`` inside
``translation.override(language)``; it is marked ``Auto-Submitted`` so that
auto-responders stay quiet.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation


def absolute_url(path: str) -> str:
    """An absolute link for an e-mail (paths are prefixed with ``SITE_URL``;
    absolute URLs and empty strings are kept)."""
    if not path or path.startswith(("http://", "https://")):
        return path
    return settings.SITE_URL.rstrip("/") + path


def templated_email(
    prefix: str,
    context: dict[str, Any],
    *,
    to: str,
    language: str,
    subject: str | None = None,
) -> EmailMultiAlternatives:
    """The text + HTML e-mail rendered from the ``prefix`` templates (not sent)."""
    with translation.override(language):
        if subject is None:
            subject = render_to_string(f"{prefix}_subject.txt", context)
        text = render_to_string(f"{prefix}_body.txt", context)
        html = render_to_string(f"{prefix}_body.html", context)
    return rendered_email(subject, text, html, to=to)


def rendered_email(
    subject: str, text: str, html: str, *, to: str
) -> EmailMultiAlternatives:
    """The e-mail of already rendered parts (``html`` may be empty), from
    ``DEFAULT_FROM_EMAIL``, marked ``Auto-Submitted``."""
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={"Auto-Submitted": "auto-generated"},
    )
    if html:
        message.attach_alternative(html, "text/html")
    return message
