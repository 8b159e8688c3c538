"""App configuration of ``certification``."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificationConfig(AppConfig):
    name = "certification"
    verbose_name = _("Certification")

    def ready(self) -> None:
        from . import permissions  # noqa: F401  (registers the object rules)

        # >>> verification (system checks of the signing keys)
        # <<< verification
        # >>> rules (domain-event handlers: activity completed, attendance recorded)
        # <<< rules
        # >>> portfolio (navigation, dashboard panel, demo attestations)
        # <<< portfolio
        # >>> delivery (staff navigation to the dead-letter list)
        # <<< delivery
