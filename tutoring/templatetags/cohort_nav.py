"""``{% cohort_extra_tabs cohort is_tutor as tabs %}`` (see ``tutoring.cohort_tabs``)."""

from django import template

from tutoring.cohort_tabs import tabs_for

register = template.Library()


@register.simple_tag
def cohort_extra_tabs(cohort, is_tutor):  # noqa: ANN001, ANN201
    return tabs_for(cohort, is_tutor=bool(is_tutor))
