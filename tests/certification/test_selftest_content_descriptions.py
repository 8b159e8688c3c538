"""French competence descriptions and level descriptors (our own wording)."""

from __future__ import annotations

import pytest

from lms import digcompedu
from lms.models import Competence, ProficiencyLevel


def _sentences(text: str) -> int:
    return sum(text.count(mark) for mark in ".!?")


def test_every_competence_has_a_french_description():
    """The 22 competences each have a short French description."""
    descriptions = digcompedu.COMPETENCE_DESCRIPTIONS_FR
    assert set(descriptions) == digcompedu.competence_codes()
    for code, text in descriptions.items():
        assert 40 <= len(text) <= 320, code
        assert 1 <= _sentences(text) <= 2, code


def test_every_level_has_a_french_descriptor():
    """The six levels A1–C2 each have a short French descriptor."""
    descriptors = digcompedu.LEVEL_DESCRIPTORS_FR
    assert list(descriptors) == ["A1", "A2", "B1", "B2", "C1", "C2"]
    for code, text in descriptors.items():
        assert 40 <= len(text) <= 320, code
        assert 1 <= _sentences(text) <= 2, code


def test_descriptions_are_not_the_english_text():
    """The French texts are not the JRC's English descriptions."""
    english = {c.code: c.description_en for c in digcompedu.competences()}
    for code, text in digcompedu.COMPETENCE_DESCRIPTIONS_FR.items():
        assert text != english[code]


def test_levels_carry_their_descriptor():
    """``levels()`` returns each level with its French descriptor."""
    assert all(level.descriptor_fr for level in digcompedu.levels())


@pytest.mark.django_db
def test_load_framework_writes_the_french_texts():
    """Loading the framework stores the descriptions and descriptors in the database."""
    from lms.models import CompetenceArea, Framework

    Competence.objects.update(description_fr="")
    ProficiencyLevel.objects.update(descriptor_fr="")
    digcompedu.load_framework(CompetenceArea, Competence, Framework, ProficiencyLevel)
    assert (
        Competence.objects.get(code="4.3").description_fr
        == digcompedu.COMPETENCE_DESCRIPTIONS_FR["4.3"]
    )
    assert not Competence.objects.filter(description_fr="").exists()
    assert not ProficiencyLevel.objects.filter(descriptor_fr="").exists()
