"""Forms of the cohort management pages (tutors, groups, enrolments, CSV import)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from lms.roles import Role

from .enrolment_import import MAX_BYTES
from .models import Cohort, CohortGroup


def tutor_candidates(cohort: Cohort) -> QuerySet[Any]:
    """People who may be chosen as tutors: holders of the tutor role, plus the
    cohort's current tutors (IFPC staff may tutor too)."""
    User = get_user_model()
    return (
        User.objects.filter(
            Q(role_assignments__role=Role.TUTOR)
            | Q(tutored_cohort_links__cohort=cohort),
            is_active=True,
        )
        .distinct()
        .order_by("last_name", "first_name", "email")
    )


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        name = obj.get_full_name()
        return f"{name} ({obj.email})" if name else obj.email


class PeopleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        name = obj.get_full_name()
        return f"{name} ({obj.email})" if name else obj.email


class TutorsForm(forms.Form):
    tutors = PeopleChoiceField(
        label=_("Tuteur·rices de la cohorte"),
        queryset=get_user_model().objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    lead = PersonChoiceField(
        label=_("Tuteur·rice principal·e"),
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label=_("— Aucun·e —"),
        help_text=_("Doit faire partie des tuteur·rices cochés."),
    )

    def __init__(self, *args: Any, cohort: Cohort, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        candidates = tutor_candidates(cohort)
        self.fields["tutors"].queryset = candidates
        self.fields["lead"].queryset = candidates

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        lead, tutors = data.get("lead"), data.get("tutors")
        if lead is not None and tutors is not None and lead not in tutors:
            self.add_error(
                "lead", _("Le tuteur principal doit faire partie des tuteurs cochés.")
            )
        return data


class GroupCreateForm(forms.Form):
    name = forms.CharField(label=_("Nom du groupe"), max_length=120)
    tutor = PersonChoiceField(
        label=_("Tuteur·rice du groupe"),
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label=_("— Aucun·e —"),
    )

    def __init__(self, *args: Any, cohort: Cohort, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tutor"].queryset = tutor_candidates(cohort)
        self.fields["name"].widget.attrs["id"] = "id_group_name"
        self.fields["tutor"].widget.attrs["id"] = "id_group_tutor"


class EnrolForm(forms.Form):
    email = forms.EmailField(label=_("Adresse e-mail du compte"), max_length=254)
    group = forms.ModelChoiceField(
        label=_("Groupe"),
        queryset=CohortGroup.objects.none(),
        required=False,
        empty_label=_("— Sans groupe —"),
    )

    def __init__(self, *args: Any, cohort: Cohort, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = cohort.groups.order_by("name")
        self.fields["email"].widget.attrs.update(
            {"id": "id_enrol_email", "autocomplete": "off"}
        )
        self.fields["group"].widget.attrs["id"] = "id_enrol_group"

    def clean_email(self) -> Any:
        User = get_user_model()
        email = self.cleaned_data["email"].strip()
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            raise forms.ValidationError(
                _("Aucun compte n'utilise cette adresse e-mail.")
            )
        if not user.is_active:
            raise forms.ValidationError(_("Ce compte est désactivé."))
        return user


class AssignGroupForm(forms.Form):
    enrolment = forms.IntegerField(widget=forms.HiddenInput)
    group = forms.ModelChoiceField(
        label=_("Groupe"),
        queryset=CohortGroup.objects.none(),
        required=False,
        empty_label=_("— Sans groupe —"),
    )

    def __init__(self, *args: Any, cohort: Cohort, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = cohort.groups.order_by("name")


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Fichier CSV"),
        help_text=_(
            "Une colonne « email » (obligatoire) et une colonne « groupe » "
            "(facultative, nom d'un groupe existant). Séparateur « ; » ou « , », "
            "encodage UTF-8, 2 Mo et 20 000 lignes au maximum."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                _("Le fichier dépasse la taille maximale de 2 Mo.")
            )
        return upload
