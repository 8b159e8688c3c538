"""Wagtail admin extensions of the catalogue (IFPC staff work at /cms/).

Each area registers its hooks in its own module under ``catalogue/admin_views/``;
this module only imports them so Wagtail discovers them.
"""

# --- sessions admin, import/export ---
# --- end sessions admin, import/export ---
# --- registrations queue, registrant exports ---
# --- end registrations queue ---
# --- workflow, page permissions ---
# --- end workflow ---
