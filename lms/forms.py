"""Forms of the shared core."""

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from . import throttling
from .oidc.services import local_login_allowed


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
        "use_oidc": _(
            "Ce compte est relié à Mon Espace : utilisez le bouton « Se connecter "
            "avec Mon Espace »."
        ),
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

    def confirm_login_allowed(self, user: Any) -> None:
        """Accounts linked to Mon Espace sign in there unless their role keeps a
        local password (``lms.oidc.services.local_login_allowed``)."""
        super().confirm_login_allowed(user)
        if not local_login_allowed(user):
            raise ValidationError(self.error_messages["use_oidc"], code="use_oidc")

    def _locked(self, lock: throttling.Lock) -> ValidationError:
        return ValidationError(
            self.error_messages["locked"],
            code="locked",
            params={"minutes": lock.minutes},
        )


class QueuedPasswordResetForm(PasswordResetForm):
    """Password reset whose e-mail leaves through a Celery task after the
    response: the request does the same work for a known address as for an
    unknown one, so neither the page nor its timing tells whether an account
    exists."""

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        from django.template import loader

        from .tasks import send_email

        subject = "".join(
            loader.render_to_string(subject_template_name, context).splitlines()
        )
        body = loader.render_to_string(email_template_name, context)
        html = (
            loader.render_to_string(html_email_template_name, context)
            if html_email_template_name
            else ""
        )
        transaction.on_commit(
            lambda: send_email.delay(subject, body, to_email, html=html)
        )
