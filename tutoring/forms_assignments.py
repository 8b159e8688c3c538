"""Forms of the tutor's review of assignments and of rubric editing."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from courses.models import Submission

from .assignments import (
    MAX_CRITERIA,
    MAX_DESCRIPTION,
    MAX_FEEDBACK,
    MAX_POINTS,
    MIN_POINTS,
    score_field_name,
)
from .models import RubricCriterion


class ReviewForm(forms.Form):
    """Decision, feedback and one score field per rubric criterion."""

    status = forms.ChoiceField(
        label=_("Décision"),
        choices=[
            (Submission.Status.ACCEPTED, _("Accepter le travail")),
            (Submission.Status.NEEDS_REVISION, _("Demander de le retravailler")),
        ],
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choisissez d'accepter ou de faire retravailler.")
        },
    )
    feedback = forms.CharField(
        label=_("Commentaire pour l'apprenant·e"),
        required=False,
        max_length=MAX_FEEDBACK,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Obligatoire pour demander de retravailler le travail."),
    )

    def __init__(
        self, *args: Any, criteria: Sequence[RubricCriterion] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        for criterion in self.criteria:
            self.fields[score_field_name(criterion)] = forms.IntegerField(
                label=gettext("%(title)s (sur %(max)d points)")
                % {"title": criterion.title, "max": criterion.max_points},
                min_value=0,
                max_value=criterion.max_points,
                help_text=criterion.description,
                error_messages={
                    "required": gettext("Notez le critère « %(title)s ».")
                    % {"title": criterion.title},
                },
                widget=forms.NumberInput(attrs={"class": "score-input"}),
            )

    def score_fields(self) -> list[forms.BoundField]:
        return [self[score_field_name(c)] for c in self.criteria]

    def scores(self) -> dict[str, int]:
        return {
            str(c.pk): self.cleaned_data[score_field_name(c)] for c in self.criteria
        }


class CriterionForm(forms.Form):
    title = forms.CharField(
        label=_("Intitulé du critère"), max_length=200, required=False
    )
    description = forms.CharField(
        label=_("Description (ce qui est attendu)"),
        max_length=MAX_DESCRIPTION,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    max_points = forms.IntegerField(
        label=_("Points maximum"),
        min_value=MIN_POINTS,
        max_value=MAX_POINTS,
        required=False,
    )

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {}) or {}
        return not (data.get("title") or data.get("description"))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if (data.get("title") or data.get("description")) and not data.get("title"):
            self.add_error("title", gettext("Indiquez un intitulé."))
        if data.get("title") and data.get("max_points") is None:
            self.add_error("max_points", gettext("Indiquez le maximum de points."))
        return data


class BaseRubricFormSet(forms.BaseFormSet):
    def criteria(self) -> list[tuple[str, str, int]]:
        """Filled rows, in order, as ``set_rubric`` expects them."""
        return [
            (
                form.cleaned_data["title"],
                form.cleaned_data.get("description") or "",
                form.cleaned_data["max_points"],
            )
            for form in self.forms
            if not form.is_blank()
        ]

    def clean(self) -> None:
        super().clean()
        if any(form.errors for form in self.forms):
            return
        if not self.criteria():
            raise forms.ValidationError(gettext("Ajoutez au moins un critère."))


RubricFormSet = forms.formset_factory(
    CriterionForm,
    formset=BaseRubricFormSet,
    extra=0,
    max_num=MAX_CRITERIA,
    absolute_max=MAX_CRITERIA,
    validate_max=True,
)


def rubric_formset(
    criteria: Sequence[RubricCriterion], data: Any = None
) -> BaseRubricFormSet:
    """The rubric editor: current criteria then blank rows, 12 rows at most."""
    initial = [
        {"title": c.title, "description": c.description, "max_points": c.max_points}
        for c in criteria
    ]
    blank = max(0, min(3, MAX_CRITERIA - len(initial)))
    initial += [{"max_points": 4} for _ in range(blank)]
    return RubricFormSet(data, initial=initial, prefix="criteria")
