"""Forms of the shared core."""

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import throttling


class EmailAuthenticationForm(AuthenticationForm):
    """Login form that asks for the e-mail address, with French messages."""

    username = forms.EmailField(
        label=_("Adresse e-mail"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    error_messages = {
        "invalid_login": _(
            "Adresse e-mail ou mot de passe incorrect. Les deux champs tiennent "
            "compte des majuscules."
        ),
        "inactive": _("Ce compte est désactivé."),
        "locked": _(
            "Trop de tentatives de connexion infructueuses. Réessayez dans "
            "%(minutes)s minute(s) ou réinitialisez votre mot de passe."
        ),
    }

    def clean(self) -> dict[str, Any]:
        """Refuse while the account or address is locked; count failures
        (``lms.throttling``)."""
        email = str(self.data.get("username", ""))
        lock = throttling.current_lock(email, self.request)
        if lock is not None:
            raise self._locked(lock)
        try:
            cleaned = super().clean()
        except ValidationError:
            lock = throttling.record_failure(email, self.request)
            if lock is not None:
                raise self._locked(lock) from None
            raise
        throttling.record_success(email)
        return cleaned

    def _locked(self, lock: throttling.Lock) -> ValidationError:
        return ValidationError(
            self.error_messages["locked"],
            code="locked",
            params={"minutes": lock.minutes},
        )
