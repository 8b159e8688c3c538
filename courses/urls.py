"""URLs of the platform origin (session cookie) for courses.

Each area keeps its own block; routes follow ``<noun>_<action>`` names.
"""

from django.urls import path

from . import views  # noqa: F401

app_name = "courses"

urlpatterns: list = [
    # --- learner: course page, activity pages, launch (player) ---
    # --- staff: course templates, modules, activities, package upload ---
    # --- reports ---
]
