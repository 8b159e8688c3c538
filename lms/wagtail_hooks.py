"""Wagtail admin extensions of the platform core (imported so Wagtail finds them)."""

from . import audit_views as _audit_views  # noqa: F401
