"""The DigCompEdu reference framework is loaded whole, in French and English."""

from collections import Counter

import pytest

from lms import digcompedu
from lms.models import Competence, CompetenceArea


@pytest.mark.django_db
def test_migration_loads_six_areas_and_twenty_two_competences():
    """Every area and competence is in the database with both names."""
    assert CompetenceArea.objects.count() == 6
    per_area = Counter(Competence.objects.values_list("area__code", flat=True))
    assert per_area == {"1": 4, "2": 3, "3": 4, "4": 3, "5": 3, "6": 5}
    teaching = Competence.objects.get(code="3.1")
    assert (teaching.name_fr, teaching.name_en) == ("Enseignement", "Teaching")


@pytest.mark.django_db
def test_reloading_the_framework_changes_nothing():
    """Loading the framework again updates rows in place, creating none."""
    before = list(Competence.objects.order_by("code").values_list("pk", "name_fr"))
    digcompedu.load_framework(CompetenceArea, Competence)
    after = list(Competence.objects.order_by("code").values_list("pk", "name_fr"))
    assert after == before


def test_levels_are_ranked_a1_to_c2():
    """The six proficiency levels come in rank order with French names."""
    levels = digcompedu.levels()
    assert [lv.code for lv in levels] == ["A1", "A2", "B1", "B2", "C1", "C2"]
    assert levels[2].name_fr == "Intégrateur"
