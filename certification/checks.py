"""System checks of ``certification``: the signing keys must load.

A deploy check (``manage.py check --deploy``), so the normal test run, which
generates its own development key, is not affected.
"""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.utils.translation import gettext as _

from .keys import SigningKeyMissing, signing_keys


@checks.register(checks.Tags.security, deploy=True)
def check_signing_keys(
    app_configs: Any = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """Error ``certification.E001`` when the attestation signing keys cannot be loaded."""
    try:
        signing_keys()
    except SigningKeyMissing as error:
        return [
            checks.Error(
                _("Les attestations ne peuvent pas être signées : %(error)s")
                % {"error": error},
                hint=_(
                    "Configurez ATTESTATION_SIGNING_KEY_FILES (fichiers PEM lisibles, "
                    "Ed25519 ou EC P-256 ; la clé qui signe en premier) ou "
                    "ATTESTATION_SIGNING_KEYS_PEM."
                ),
                id="certification.E001",
            )
        ]
    return []
