"""Sessions in the Wagtail admin: list with filters, create/edit with days, a link from trainings.

Permissions are Django model permissions on ``Session`` (see ``lms.roles``):
catalogue managers add, change and delete; registrations managers only view.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django import forms
from django.contrib import messages
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, QuerySet
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
    ObjectList,
)
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import ListingButton

from catalogue.models import Province, Session, TrainingPage
from catalogue.services import cancel_session_registrations, promote_waitlisted
from catalogue.session_rules import needs_seat_refresh, session_change_errors
from lms.models import User
from lms.roles import Role


class SessionAdminForm(WagtailAdminModelForm):
    """Session form: tutors limited to tutors; days within the session; staff rules."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.previous_status = self.instance.status if self.instance.pk else None
        self.previous_capacity = self.instance.capacity if self.instance.pk else None
        if "tutors" in self.fields:
            self.fields["tutors"].queryset = (
                User.objects.filter(role_assignments__role=Role.TUTOR)
                .distinct()
                .order_by("last_name", "first_name")
            )
        if "training" in self.fields:
            self.fields["training"].queryset = TrainingPage.objects.order_by("code")

    def is_valid(self) -> bool:
        # The days formset is validated after the form's own clean().
        valid = super().is_valid()
        starts_on = self.cleaned_data.get("starts_on")
        ends_on = self.cleaned_data.get("ends_on")
        days = self.formsets.get("days")
        if days is None or not (starts_on and ends_on and ends_on >= starts_on):
            return valid
        for form in days.forms:
            data = getattr(form, "cleaned_data", None) or {}
            day = data.get("date")
            if data.get("DELETE") or not day or starts_on <= day <= ends_on:
                continue
            form.add_error(
                "date",
                _(
                    "Cette journée doit se situer entre le début et la fin de la "
                    "session (%(start)s – %(end)s)."
                )
                % {
                    "start": starts_on.strftime("%d/%m/%Y"),
                    "end": ends_on.strftime("%d/%m/%Y"),
                },
            )
            valid = False
        return valid

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        probe = Session(
            status=cleaned.get("status") or self.instance.status,
            capacity=cleaned.get("capacity"),
            seats_taken=self.instance.seats_taken or 0,
        )
        for name, message in session_change_errors(probe, self.previous_status):
            if name in self.fields:
                self.add_error(name, message)
            else:
                self.add_error(None, message)
        return cleaned

    def save(self, commit: bool = True) -> Session:
        self.instance.derive_place()
        return super().save(commit=commit)


class MonthFilter(django_filters.ChoiceFilter):
    """Sessions running during a month (``YYYY-MM``), over the next 18 months."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("choices", self.month_choices)
        super().__init__(*args, **kwargs)

    @staticmethod
    def month_choices() -> list[tuple[str, str]]:
        from django.utils.formats import date_format

        first = timezone.localdate().replace(day=1)
        choices = []
        for offset in range(-6, 18):
            year, month = divmod(first.month - 1 + offset, 12)
            day = dt.date(first.year + year, month + 1, 1)
            choices.append((day.strftime("%Y-%m"), date_format(day, "F Y")))
        return choices

    def filter(self, qs: QuerySet, value: str) -> QuerySet:
        if not value:
            return qs
        try:
            start = dt.datetime.strptime(value, "%Y-%m").date()  # noqa: DTZ007
        except ValueError:
            return qs
        year, month = divmod(start.month, 12)
        end = dt.date(start.year + year, month + 1, 1) - dt.timedelta(days=1)
        return qs.filter(starts_on__lte=end, ends_on__gte=start)


class SessionFilterSet(WagtailFilterSet):
    training = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Formation"),
        queryset=lambda request: TrainingPage.objects.order_by("code"),
    )
    status = django_filters.ChoiceFilter(
        label=gettext_lazy("Statut"), choices=Session.Status.choices
    )
    month = MonthFilter(label=gettext_lazy("Mois"))
    province = django_filters.ChoiceFilter(
        label=gettext_lazy("Province"), choices=Province.choices
    )

    class Meta:
        model = Session
        fields = ["training", "status", "province"]


class SessionIndexView(generic.IndexView):
    def get_base_queryset(self) -> QuerySet[Session]:
        return super().get_base_queryset().select_related("training")


class SessionEditView(generic.EditView):
    """After a save that may free seats, promote waitlisted people (and FULL ↔ OPEN)."""

    def save_instance(self) -> Session:
        previous_status = self.form.previous_status
        # seats_taken is not in the form but is saved with the row: take it from
        # the locked row, so that a registration made meanwhile is not undone.
        locked = Session.objects.select_for_update().get(pk=self.form.instance.pk)
        self.form.instance.seats_taken = locked.seats_taken
        session = super().save_instance()
        if (
            session.status == Session.Status.CANCELLED
            and previous_status != Session.Status.CANCELLED
        ):
            cancel_session_registrations(
                session,
                actor=self.request.user,
                note=_("La session a été annulée par l'IFPC."),
            )
            session.refresh_from_db(fields=["seats_taken"])
        elif needs_seat_refresh(session, self.form.previous_capacity, previous_status):
            promote_waitlisted(session)
            session.refresh_from_db(fields=["status", "seats_taken"])
        return session

    def form_valid(self, form: Any) -> HttpResponse:
        try:
            return super().form_valid(form)
        except IntegrityError:
            # Seats were taken while staff edited: the capacity check caught it.
            form.add_error(
                "capacity",
                _(
                    "Des inscriptions ont été acceptées entre-temps : le nombre de "
                    "places est inférieur aux places occupées. Rechargez la page."
                ),
            )
            return self.form_invalid(form)


class SessionDeleteView(generic.DeleteView):
    """Refuse to delete a session that registrations or track steps point to."""

    def form_valid(self, form: Any) -> HttpResponse:
        try:
            with transaction.atomic():
                return super().form_valid(form)
        except ProtectedError:
            messages.error(
                self.request,
                _(
                    "Cette session a des inscriptions ou figure dans un parcours : "
                    "elle ne peut pas être supprimée. Annulez-la plutôt (statut "
                    "« Annulée »)."
                ),
            )
            return HttpResponseRedirect(
                reverse(session_viewset.get_url_name("edit"), args=[self.object.pk])
            )


def _seats(session: Session) -> str:
    return f"{session.seats_taken} / {session.capacity}"


def _training(session: Session) -> str:
    return f"{session.training.code} — {session.training.draft_title}"


class SessionViewSet(ModelViewSet):
    model = Session
    icon = "date"
    menu_label = gettext_lazy("Sessions")
    menu_order = 210
    add_to_admin_menu = True
    index_view_class = SessionIndexView
    edit_view_class = SessionEditView
    delete_view_class = SessionDeleteView
    copy_view_enabled = False
    list_per_page = 50
    ordering = ["starts_on", "code"]
    search_fields = ["code", "training__code", "training__title"]
    filterset_class = SessionFilterSet
    list_display = [
        "code",
        Column("training", label=gettext_lazy("Formation"), accessor=_training),
        Column("starts_on", label=gettext_lazy("Début"), sort_key="starts_on"),
        "ends_on",
        Column("status", label=gettext_lazy("Statut"), accessor="get_status_display"),
        Column("seats", label=gettext_lazy("Places occupées"), accessor=_seats),
        Column(
            "province", label=gettext_lazy("Province"), accessor="get_province_display"
        ),
    ]
    edit_handler = ObjectList(
        [
            FieldRowPanel([FieldPanel("training"), FieldPanel("code")]),
            FieldRowPanel([FieldPanel("starts_on"), FieldPanel("ends_on")]),
            InlinePanel(
                "days",
                heading=gettext_lazy("Journées synchrones"),
                label=gettext_lazy("Journée"),
            ),
            MultiFieldPanel(
                [
                    FieldPanel("is_online"),
                    FieldPanel("establishment"),
                    FieldPanel("venue"),
                    FieldPanel("address"),
                    FieldRowPanel([FieldPanel("postal_code"), FieldPanel("city")]),
                    FieldPanel("notes"),
                ],
                heading=gettext_lazy("Lieu"),
            ),
            MultiFieldPanel(
                [
                    FieldRowPanel([FieldPanel("capacity"), FieldPanel("has_waitlist")]),
                    FieldRowPanel(
                        [
                            FieldPanel("registration_opens_at"),
                            FieldPanel("registration_closes_at"),
                        ]
                    ),
                    FieldPanel("cancellation_deadline"),
                    FieldRowPanel([FieldPanel("status"), FieldPanel("policy")]),
                ],
                heading=gettext_lazy("Inscriptions"),
            ),
            FieldPanel("tutors", widget=forms.CheckboxSelectMultiple),
        ],
        base_form_class=SessionAdminForm,
    )


session_viewset = SessionViewSet("catalogue_sessions", url_prefix="catalogue/sessions")


@hooks.register("register_admin_viewset")
def register_session_viewset() -> SessionViewSet:
    return session_viewset


def sessions_url_for(training: TrainingPage) -> str:
    """The admin sessions list filtered on ``training``."""
    return f"{reverse(session_viewset.get_url_name('index'))}?training={training.pk}"


@hooks.register("register_page_listing_buttons")
def training_sessions_button(
    page: Any, user: Any, next_url: str | None = None
) -> list[ListingButton]:
    """A "Sessions" button on each training in the page explorer."""
    page_class = page.specific_class
    if not (page_class and issubclass(page_class, TrainingPage)) or not user.has_perm(
        "catalogue.view_session"
    ):
        return []
    return [
        ListingButton(
            _("Sessions"),
            sessions_url_for(page),
            icon_name="date",
            priority=60,
            attrs={
                "aria-label": _("Sessions de « %(title)s »") % {"title": page.title}
            },
        )
    ]


@hooks.register("register_page_header_buttons")
def training_sessions_header_button(
    page: Any, user: Any, view_name: str, next_url: str | None = None
) -> list[ListingButton]:
    """The same link in the "more" menu of a training's edit page."""
    return training_sessions_button(page, user, next_url)
