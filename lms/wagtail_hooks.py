"""Wagtail admin extensions of the platform core (imported so Wagtail finds them)."""

from . import audit_views as _audit_views  # noqa: F401
from . import erasure_views as _erasure_views  # noqa: F401, E402
from . import two_factor_views as _two_factor_views  # noqa: F401, E402
