"""Reference rows the catalogue needs: vocabularies, DigCompEdu, the site root.

Migrations create them; ``ensure_reference_rows`` and ``site_root`` put them back
where a database was emptied (a flushed test database, a demo reset).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Locale, Page, Site

from lms import digcompedu
from lms.models import Competence, CompetenceArea, Framework, ProficiencyLevel

from .models.taxonomy import Audience, AudienceFunction, EducationLevel, Level


def seed_vocabularies(level_model: Any, audience_model: Any) -> None:
    """Create the level and audience lookup rows (models passed by migrations)."""
    for position, code in enumerate(Level.values):
        level_model.objects.update_or_create(code=code, defaults={"position": position})
    for position, code in enumerate(Audience.values):
        audience_model.objects.update_or_create(
            code=code, defaults={"position": position}
        )


def ensure_reference_rows() -> None:
    """Vocabularies and DigCompEdu rows, restored when missing."""
    if EducationLevel.objects.count() != len(Level.values) or (
        AudienceFunction.objects.count() != len(Audience.values)
    ):
        seed_vocabularies(EducationLevel, AudienceFunction)
    if Competence.objects.count() != len(digcompedu.competences()) or (
        not ProficiencyLevel.objects.exists()
    ):
        digcompedu.load_framework(
            CompetenceArea, Competence, Framework, ProficiencyLevel
        )


def site_root() -> Page:
    """The default site's root page (the tree is rebuilt if it was emptied)."""
    site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
    if site is not None:
        return site.root_page
    language = get_supported_content_language_variant(settings.LANGUAGE_CODE)
    locale, _created = Locale.objects.get_or_create(language_code=language)
    tree_root = Page.get_first_root_node()
    if tree_root is None:
        tree_root = Page.add_root(
            instance=Page(title="Racine", slug="root", locale=locale, live=True)
        )
    # Same slug as Wagtail's initial home page, so the site root path stays "/home/".
    home = tree_root.add_child(
        instance=Page(title="Tremplin", slug="home", locale=locale, live=True)
    )
    Site.objects.create(
        hostname="localhost", port=80, root_page=home, is_default_site=True
    )
    return home
