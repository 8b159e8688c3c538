"""The functions (roles) a person can hold in Tremplin and what each may do.

A user may hold several roles. Each role is mirrored by a Django group named
``role:<value>`` that carries the model permissions listed here, so that the
Wagtail and Django admin interfaces, which speak in permissions, agree with
Tremplin's own role checks. Later apps add permissions by extending
``ROLE_PERMISSIONS``; groups are re-synchronised after every ``migrate``.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    TEACHER = "teacher", _("Enseignant·e")
    TUTOR = "tutor", _("Tuteur·rice")
    CATALOGUE_MANAGER = "catalogue_manager", _("Gestionnaire du catalogue (IFPC)")
    REGISTRATIONS_MANAGER = (
        "registrations_manager",
        _("Gestionnaire des inscriptions (IFPC)"),
    )
    CTP = "ctp", _("Conseiller·ère techno-pédagogique (CTP)")
    DCO = "dco", _("Délégué·e au contrat d'objectifs (DCO)")
    INTERNAL_TRAINER = "internal_trainer", _("Formateur·rice interne")
    SCHOOL_DIRECTOR = "school_director", _("Directeur·rice d'établissement")
    ADMINISTRATOR = "administrator", _("Administrateur·rice")


#: Roles given to IFPC staff, who work in the Wagtail admin at /cms/.
IFPC_STAFF_ROLES = frozenset(
    {Role.CATALOGUE_MANAGER, Role.REGISTRATIONS_MANAGER, Role.ADMINISTRATOR}
)

#: Roles that must be tied to an establishment.
ESTABLISHMENT_SCOPED_ROLES = frozenset({Role.SCHOOL_DIRECTOR})

#: Django permissions ("app_label.codename") carried by each role's group.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.TEACHER: [],
    Role.TUTOR: [],
    Role.CATALOGUE_MANAGER: [
        "wagtailadmin.access_admin",
        "catalogue.add_session",
        "catalogue.change_session",
        "catalogue.delete_session",
        "catalogue.view_session",
        "catalogue.view_registration",
        "wagtailimages.add_image",
        "wagtailimages.change_image",
        "wagtailimages.choose_image",
        # The self-test's item bank (Wagtail snippets).
        *(
            f"certification.{action}_{model}"
            for model in ("item", "itemfamily", "blueprint")
            for action in ("add", "change", "delete", "view")
        ),
    ],
    Role.REGISTRATIONS_MANAGER: [
        "wagtailadmin.access_admin",
        "catalogue.view_session",
        "catalogue.view_registration",
        "catalogue.change_registration",
    ],
    Role.CTP: [],
    Role.DCO: [],
    Role.INTERNAL_TRAINER: [],
    Role.SCHOOL_DIRECTOR: [],
    Role.ADMINISTRATOR: ["wagtailadmin.access_admin"],
}


def group_name(role: str) -> str:
    """Name of the Django group that mirrors ``role``."""
    return f"role:{role}"
