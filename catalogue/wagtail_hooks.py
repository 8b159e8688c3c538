"""Wagtail admin extensions of the catalogue (IFPC staff work at /cms/).

Each area registers its hooks in its own module under ``catalogue/admin_views/``;
this module only imports them so Wagtail discovers them.
"""

# --- sessions admin, import/export ---
from .admin_views import importing as _importing  # noqa: E402, F401

# --- end sessions admin, import/export ---
# --- registrations queue, registrant exports ---
from .admin_views import registrations as _registrations  # noqa: E402, F401
from .admin_views import sessions as _sessions  # noqa: E402, F401

# --- end registrations queue ---
# --- workflow, page permissions ---
# --- end workflow ---
