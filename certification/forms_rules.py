"""Forms of the rules part: a completion rule with its requirements, and the
manual issue of an attestation."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import transaction
from django.db.models import QuerySet
from django.forms import inlineformset_factory
from django.utils.translation import gettext_lazy as _

from courses.models import Activity
from lms import audit
from tutoring.models import Cohort, Enrolment

from .models import Attestation, CompletionRule, RuleRequirement

MAX_REASON = 1000


class RuleForm(forms.ModelForm):
    """The conditions of a completion rule (requirements are a formset)."""

    class Meta:
        model = CompletionRule
        fields = [
            "require_required_activities",
            "require_accepted_assignments",
            "min_attendance_percent",
            "deadline",
        ]
        widgets = {
            "deadline": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        }
        help_texts = {
            "min_attendance_percent": _(
                "Part des minutes synchrones prévues (classes virtuelles, présentiel) "
                "à suivre ; 0 pour ne rien exiger."
            ),
        }


class ActivityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Activity) -> str:
        return f"{obj.module.title} — {obj.title}"


class RequirementForm(forms.ModelForm):
    """One activity of the course template, optionally with a minimum score."""

    activity = ActivityChoiceField(
        queryset=Activity.objects.none(),
        label=_("Activité du modèle de cours"),
        empty_label=_("— choisir une activité —"),
    )

    class Meta:
        model = RuleRequirement
        fields = ["activity", "min_score"]
        help_texts = {"min_score": _("Facultatif : score minimum en pourcentage.")}

    def __init__(self, *args: Any, activities: QuerySet | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["activity"].queryset = (
            activities if activities is not None else Activity.objects.none()
        )
        self.deleted_title = (
            self.instance.activity_title
            if self.instance.pk and self.instance.activity_id is None
            else ""
        )


def requirement_formset(extra: int = 2) -> type[forms.BaseInlineFormSet]:
    """The inline formset class of a rule's requirements."""
    return inlineformset_factory(
        CompletionRule,
        RuleRequirement,
        form=RequirementForm,
        fields=["activity", "min_score"],
        extra=extra,
        can_delete=True,
    )


def template_activities(training: Any) -> QuerySet:
    """The activities of the training's course template (none without one)."""
    if not training.course_template_id:
        return Activity.objects.none()
    return (
        Activity.objects.filter(module__course_id=training.course_template_id)
        .select_related("module")
        .order_by("module__position", "module_id", "position", "pk")
    )


@transaction.atomic
def save_rule(
    form: RuleForm, formset: forms.BaseInlineFormSet, *, by: Any, logger: Any
) -> CompletionRule:
    """Save a valid rule form and requirements formset; audited."""
    created = form.instance.pk is None
    rule = form.save(commit=False)
    rule.updated_by = by
    rule.save()
    formset.instance = rule
    requirements = formset.save(commit=False)
    for requirement in formset.deleted_objects:
        requirement.delete()
    for requirement in requirements:
        requirement.rule = rule
        requirement.activity_title = requirement.activity.title[:200]
        requirement.save()
    audit.record(
        by,
        [rule],
        audit.ADDITION if created else audit.CHANGE,
        str(
            _("Règle de réussite créée") if created else _("Règle de réussite modifiée")
        ),
        logger=logger,
    )
    return rule


class ManualIssueForm(forms.Form):
    """Issue one attestation by hand: to whom, which kind, and why."""

    learner = forms.CharField(
        label=_("Apprenant·e"),
        max_length=254,
        help_text=_("Adresse e-mail ou matricule d'un·e apprenant·e inscrit·e."),
    )
    kind = forms.ChoiceField(
        label=_("Type d'attestation"), choices=Attestation.Kind.choices
    )
    reason = forms.CharField(
        label=_("Motif"),
        max_length=MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Obligatoire : il est conservé avec l'attestation et journalisé."),
        error_messages={"required": _("Indiquez le motif de l'émission manuelle.")},
    )

    def __init__(self, *args: Any, cohort: Cohort, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cohort = cohort

    def clean_learner(self) -> Any:
        value = self.cleaned_data["learner"].strip()
        enrolment = (
            Enrolment.objects.active()
            .filter(cohort=self.cohort)
            .filter(user__email__iexact=value)
            .select_related("user")
            .first()
        ) or (
            Enrolment.objects.active()
            .filter(cohort=self.cohort, user__matricule=value)
            .select_related("user")
            .first()
            if value
            else None
        )
        if enrolment is None:
            raise forms.ValidationError(
                _(
                    "Aucun·e apprenant·e inscrit·e à cette session ne correspond à « %(value)s »."
                )
                % {"value": value}
            )
        return enrolment.user

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Indiquez le motif de l'émission manuelle."))
        return reason
