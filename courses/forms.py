"""Forms of the course pages; validation that spans models lives in ``services``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import selectors
from .models import Activity, Course, Module, Package, Participant, Submission
from .services import (
    ALLOWED_RULES,
    FILE_EXTENSIONS,
    PACKAGE_STANDARDS,
    PAGE_ALLOWED_TAGS,
    ActivityInput,
)

Kind = Activity.Kind


def apply_validation_error(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ``ValidationError`` on ``form``: per field when the field
    is on the form, otherwise at the top of the form."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            target = name if name in form.fields else None
            for item in errors:
                form.add_error(target, item)
    else:
        form.add_error(None, error)


class CourseForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=60,
        help_text=_("Identifiant court et unique, par exemple IFPC-NUM-2026."),
    )
    title = forms.CharField(label=_("Titre"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )


class CourseEditForm(CourseForm):
    is_archived = forms.BooleanField(
        label=_("Archivé"),
        required=False,
        help_text=_("Un cours archivé n'apparaît plus dans « Mes cours »."),
    )


class RunForm(forms.Form):
    code = forms.CharField(
        label=_("Code de la session"),
        max_length=60,
        help_text=_("Par exemple le code du modèle suivi de l'année et d'un numéro."),
    )
    title = forms.CharField(label=_("Titre de la session"), max_length=200)


class ModuleForm(forms.Form):
    title = forms.CharField(label=_("Titre du module"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ActivityForm(forms.Form):
    """The fields of one kind of activity (irrelevant fields are removed)."""

    title = forms.CharField(label=_("Titre"), max_length=200)
    description = forms.CharField(
        label=_("Consigne"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Ce que l'apprenant·e doit faire, affiché avant l'activité."),
    )
    package = forms.ModelChoiceField(
        label=_("Paquet"),
        queryset=Package.objects.none(),
        required=False,
        help_text=_(
            "Seuls les paquets prêts du bon format sont proposés. Remplacer le paquet "
            "ne concerne que les nouvelles tentatives : les tentatives en cours "
            "gardent l'ancienne version."
        ),
    )
    body = forms.CharField(
        label=_("Contenu de la page"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 12}),
    )
    url = forms.CharField(
        label=_("Adresse du lien"),
        required=False,
        max_length=1000,
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
        help_text=_(
            "Par exemple une ressource d'e-classe. Elle s'ouvrira dans un nouvel onglet."
        ),
    )
    file = forms.FileField(label=_("Fichier"), required=False)
    is_required = forms.BooleanField(
        label=_("Obligatoire"),
        required=False,
        initial=True,
        help_text=_("Seules les activités obligatoires comptent dans la progression."),
    )
    completion_rule = forms.ChoiceField(label=_("Condition d'achèvement"))
    min_score = forms.DecimalField(
        label=_("Score minimum (%)"),
        required=False,
        min_value=0,
        max_value=100,
        max_digits=5,
        decimal_places=2,
        help_text=_("Obligatoire avec la condition « score minimum atteint »."),
    )
    attempt_policy = forms.ChoiceField(
        label=_("Nouvelle tentative après achèvement"),
        choices=Activity.AttemptPolicy.choices,
        initial=Activity.AttemptPolicy.ON_REQUEST,
    )
    prerequisites = forms.ModelMultipleChoiceField(
        label=_("Prérequis"),
        queryset=Activity.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "L'activité reste verrouillée tant que ces activités ne sont pas terminées."
        ),
    )
    module = forms.ModelChoiceField(
        label=_("Module"), queryset=Module.objects.none(), required=False
    )

    def __init__(
        self,
        *args: Any,
        kind: str,
        course: Course,
        instance: Activity | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.instance = instance
        standards = PACKAGE_STANDARDS.get(kind)
        if standards:
            packages = selectors.ready_packages(standards)
            if instance is not None and instance.package_id:
                # Keep the current package selectable even if it is old.
                packages = Package.objects.filter(
                    pk__in=packages.values("pk")
                ) | Package.objects.filter(pk=instance.package_id)
            self.fields["package"].queryset = packages.order_by("-created_at")
            self.fields["package"].required = True
            self.fields["package"].label_from_instance = _package_label
        else:
            del self.fields["package"]
            del self.fields["attempt_policy"]
        if kind != Kind.PAGE:
            del self.fields["body"]
        else:
            self.fields["body"].required = True
            self.fields["body"].help_text = gettext(
                "En HTML. Balises conservées : %(tags)s ; tout le reste (scripts, "
                "styles, images externes) est retiré à l'enregistrement."
            ) % {"tags": ", ".join(sorted(PAGE_ALLOWED_TAGS))}
        if kind != Kind.LINK:
            del self.fields["url"]
        else:
            self.fields["url"].required = True
        if kind != Kind.FILE:
            del self.fields["file"]
        else:
            self.fields["file"].help_text = gettext(
                "Types acceptés : %(types)s ; %(size)s Mo au plus."
            ) % {
                "types": ", ".join(sorted(FILE_EXTENSIONS)),
                "size": settings.COURSE_FILE_MAX_UPLOAD_BYTES // (1024 * 1024),
            }
            if instance is not None and instance.file:
                self.fields["file"].help_text += " " + gettext(
                    "Laissez vide pour garder le fichier actuel."
                )
            else:
                self.fields["file"].required = True
        rules = ALLOWED_RULES[kind]
        self.fields["completion_rule"].choices = [
            (rule, Activity.CompletionRule(rule).label) for rule in rules
        ]
        if Activity.CompletionRule.MIN_SCORE not in rules:
            del self.fields["min_score"]
        others = Activity.objects.filter(module__course=course).select_related("module")
        if instance is not None:
            others = others.exclude(pk=instance.pk)
        self.fields["prerequisites"].queryset = others.order_by(
            "module__position", "position", "id"
        )
        self.fields["prerequisites"].label_from_instance = lambda a: (
            f"{a.module.title} — {a.title}"
        )
        if instance is None:
            del self.fields["module"]
        else:
            self.fields["module"].queryset = course.modules.order_by("position", "id")
            self.fields["module"].initial = instance.module_id
            self.fields["module"].required = True

    def to_input(self) -> ActivityInput:
        """The cleaned data as the service's ``ActivityInput``."""
        data = self.cleaned_data
        rule = data.get("completion_rule") or ALLOWED_RULES[self.kind][0]
        return ActivityInput(
            kind=self.kind,
            title=data.get("title", ""),
            description=data.get("description", ""),
            is_required=bool(data.get("is_required")),
            completion_rule=rule,
            min_score=data.get("min_score"),
            attempt_policy=data.get("attempt_policy")
            or Activity.AttemptPolicy.ON_REQUEST,
            package=data.get("package"),
            body=data.get("body", ""),
            url=data.get("url", ""),
            file=data.get("file") or None,
            prerequisites=list(data.get("prerequisites") or []),
            module=data.get("module"),
        )

    @classmethod
    def initial_for(cls, activity: Activity) -> dict[str, Any]:
        return {
            "title": activity.title,
            "description": activity.description,
            "package": activity.package_id,
            "body": activity.body,
            "url": activity.url,
            "is_required": activity.is_required,
            "completion_rule": activity.completion_rule,
            "min_score": activity.min_score,
            "attempt_policy": activity.attempt_policy,
            "prerequisites": [p.pk for p in activity.prerequisites.all()],
            "module": activity.module_id,
        }


def _package_label(package: Package) -> str:
    """« Titre (SCORM 1.2, déposé le 23/11/2026) »: versions are told apart by date."""
    return gettext("%(title)s (%(standard)s, déposé le %(date)s)") % {
        "title": package.title or package.original_filename,
        "standard": package.get_standard_display(),
        "date": date_format(localtime(package.created_at), "SHORT_DATE_FORMAT"),
    }


class ParticipantForm(forms.Form):
    email = forms.EmailField(label=_("Adresse e-mail de la personne"))
    role = forms.ChoiceField(
        label=_("Rôle"),
        choices=Participant.Role.choices,
        initial=Participant.Role.LEARNER,
    )


class SubmissionForm(forms.Form):
    text = forms.CharField(
        label=_("Votre réponse"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    file = forms.FileField(label=_("Fichier joint (facultatif)"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = gettext(
            "Types acceptés : %(types)s ; %(size)s Mo au plus."
        ) % {
            "types": ", ".join(sorted(FILE_EXTENSIONS)),
            "size": settings.SUBMISSION_MAX_UPLOAD_BYTES // (1024 * 1024),
        }


class ReviewForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Décision"),
        choices=[
            (Submission.Status.ACCEPTED, Submission.Status.ACCEPTED.label),
            (Submission.Status.NEEDS_REVISION, Submission.Status.NEEDS_REVISION.label),
        ],
        widget=forms.RadioSelect,
    )
    feedback = forms.CharField(
        label=_("Commentaire"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )


class PackageUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Archive du paquet (.zip ou .h5p)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,.h5p"}),
    )
