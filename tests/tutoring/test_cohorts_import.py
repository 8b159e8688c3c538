"""CSV import of enrolments: the parser, the preview (nothing written) and the
confirmation (re-validated, one transaction), and bad files."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from lms.roles import Role
from tests.factories import UserFactory
from tests.factories.tutoring import make_cohort, make_group
from tests.two_factor_support import force_login_verified
from tutoring import cohorts
from tutoring.enrolment_import import (
    MAX_ROWS,
    ImportFileError,
    detect_delimiter,
    parse_csv,
)
from tutoring.models import Enrolment

# --- parser (no database) ----------------------------------------------------------------

cell = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs",), blacklist_characters="\x00\r\n"
    ),
    max_size=30,
)
email_like = st.from_regex(
    r"[a-z0-9._]{1,12}@[a-z0-9]{1,10}\.(be|test|org)", fullmatch=True
)


def _csv(rows: list[list[str]], delimiter: str, bom: bool) -> bytes:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerows(rows)
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode("utf-8")


@settings(max_examples=150, deadline=None)
@given(
    emails=st.lists(email_like, max_size=20),
    groups=st.lists(cell, min_size=20, max_size=20),
    delimiter=st.sampled_from([";", ","]),
    bom=st.booleans(),
    with_group=st.booleans(),
)
def test_parser_round_trips_what_a_spreadsheet_writes(
    emails, groups, delimiter, bom, with_group
):
    """Whatever the separator, BOM and cell contents, every written row is read
    back with its e-mail, its group and its line number."""
    header = ["email", "groupe"] if with_group else ["email"]
    rows = [[e, g] if with_group else [e] for e, g in zip(emails, groups, strict=False)]
    parsed = parse_csv(_csv([header, *rows], delimiter, bom))
    expected = [
        (e.lower(), g.strip() if with_group else "")
        for e, g in zip(emails, groups, strict=False)
    ]
    kept = [(r.email, r.group) for r in parsed.rows]
    # Rows whose cells are all blank are skipped, like a spreadsheet's empty lines.
    assert kept == [x for x in expected if x[0].strip() or x[1]]
    assert parsed.has_group_column is with_group
    assert all(r.line >= 2 for r in parsed.rows)
    assert [r.line for r in parsed.rows] == sorted({r.line for r in parsed.rows})


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_parser_never_crashes_on_arbitrary_bytes(data):
    """Any bytes give either rows or a French ``ImportFileError``, never a crash."""
    try:
        parsed = parse_csv(data)
    except ImportFileError as error:
        assert str(error)
    else:
        assert len(parsed.rows) <= MAX_ROWS


@given(st.text(alphabet=";,abc", max_size=20))
def test_delimiter_is_the_one_most_present(header):
    """The header decides: more ``;`` than ``,`` → ``;``; otherwise ``,``."""
    expected = ";" if header.count(";") > header.count(",") else ","
    assert detect_delimiter(header) == expected


def test_line_numbers_count_blank_lines():
    """Line numbers are the file's (header = 1), blank lines included."""
    parsed = parse_csv(b"email;groupe\r\na@x.be;G\r\n\r\nb@x.be;\r\n")
    assert [(r.line, r.email, r.group) for r in parsed.rows] == [
        (2, "a@x.be", "G"),
        (4, "b@x.be", ""),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "vide"),
        (b"nom;prenom\r\nDupont;Anne\r\n", "colonne « email » est introuvable"),
        (b"%PDF-1.4\x00\x01\x02binary", "contenu binaire"),
        ("email\r\nhélène@x.be\r\n".encode("latin-1"), "UTF-8"),
        (b"email\r\n" + b"a@x.be\r\n" * (MAX_ROWS + 1), "20"),
        (b"email\r\n" + b"x" * (2 * 1024 * 1024), "2 Mo"),
    ],
)
def test_bad_files_are_refused_in_french(data, message):
    with pytest.raises(ImportFileError) as error:
        parse_csv(data)
    assert message in str(error.value)


# --- preview and confirm over HTTP ------------------------------------------------------


@pytest.fixture
def staff(db):
    return UserFactory(roles=[Role.REGISTRATIONS_MANAGER])


def _upload(client, cohort, content: bytes, name="liste.csv"):
    return client.post(
        reverse("tutoring:enrolment_import", args=[cohort.pk]),
        {"file": SimpleUploadedFile(name, content, content_type="text/csv")},
    )


@pytest.mark.django_db
def test_preview_then_confirm(client, staff):
    """The preview says per line what happens and writes nothing; confirming
    enrols the valid lines (source CSV, with their group)."""
    setup = make_cohort(learners=1)
    group = make_group(setup.cohort, "Groupe A")
    new = UserFactory(email="nouvelle@example.test")
    other = UserFactory(email="autre@example.test")
    inactive = UserFactory(email="partie@example.test", is_active=False)
    content = (
        "\ufeffemail;groupe\r\n"
        "Nouvelle@Example.test;groupe a\r\n"
        f"{setup.learners[0].email};\r\n"
        "inconnue@example.test;\r\n"
        "pas-une-adresse;\r\n"
        "autre@example.test;Groupe Z\r\n"
        "partie@example.test;\r\n"
        "nouvelle@example.test;\r\n"
    ).encode()
    force_login_verified(client, staff)
    response = _upload(client, setup.cohort, content)
    assert response.status_code == 200
    page = response.content.decode()
    assert Enrolment.objects.filter(cohort=setup.cohort).count() == 1
    for text in (
        "Sera inscrit·e",
        "Déjà inscrit·e",
        "Aucun compte avec cette adresse",
        "Adresse e-mail invalide",
        "Groupe « Groupe Z » inconnu",
        "Compte désactivé",
        "Doublon de la ligne 2",
        "Inscrire 1 personne",
    ):
        assert text in page, text
    assert '<th scope="row" class="number">6</th>' in page
    token = page.split('name="token" value="')[1].split('"')[0]
    response = client.post(
        reverse("tutoring:enrolment_import", args=[setup.cohort.pk]),
        {"confirm": "1", "token": token},
    )
    assert response.status_code == 302
    enrolment = Enrolment.objects.get(cohort=setup.cohort, user=new)
    assert enrolment.source == Enrolment.Source.CSV
    assert enrolment.group == group
    assert not Enrolment.objects.filter(user__in=[other, inactive]).exists()
    # The token is single-use: a replay enrols nobody more and says so.
    replay = client.post(
        reverse("tutoring:enrolment_import", args=[setup.cohort.pk]),
        {"confirm": "1", "token": token},
        follow=True,
    )
    assert "expiré ou a déjà été appliqué" in replay.content.decode()


@pytest.mark.django_db
def test_confirm_revalidates(client, staff):
    """Changes between preview and confirm are taken into account: a person
    enrolled meanwhile is not enrolled twice; a group deleted meanwhile makes
    its line fail instead of enrolling without group."""
    setup = make_cohort(learners=0)
    group = make_group(setup.cohort, "G1")
    first = UserFactory(email="un@example.test")
    second = UserFactory(email="deux@example.test")
    force_login_verified(client, staff)
    page = _upload(
        client, setup.cohort, b"email,groupe\nun@example.test,\ndeux@example.test,G1\n"
    ).content.decode()
    assert "Inscrire 2 personnes" in page
    token = page.split('name="token" value="')[1].split('"')[0]
    cohorts.enrol(setup.cohort, first)
    group.delete()
    client.post(
        reverse("tutoring:enrolment_import", args=[setup.cohort.pk]),
        {"confirm": "1", "token": token},
    )
    assert Enrolment.objects.filter(cohort=setup.cohort, user=first).count() == 1
    assert Enrolment.objects.get(user=first).source == Enrolment.Source.MANUAL
    assert not Enrolment.objects.filter(cohort=setup.cohort, user=second).exists()


@pytest.mark.django_db
def test_token_of_another_cohort_is_refused(client, staff):
    """A preview token only works for the cohort it was made for."""
    a = make_cohort(learners=0)
    b = make_cohort(learners=0)
    UserFactory(email="un@example.test")
    force_login_verified(client, staff)
    page = _upload(client, a.cohort, b"email\nun@example.test\n").content.decode()
    token = page.split('name="token" value="')[1].split('"')[0]
    client.post(
        reverse("tutoring:enrolment_import", args=[b.cohort.pk]),
        {"confirm": "1", "token": token},
    )
    assert not Enrolment.objects.filter(cohort=b.cohort).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "contenu binaire"),
        (b"nom;prenom\nDupont;Anne\n", "colonne « email » est introuvable"),
        (b"email\n" + b"a" * (2 * 1024 * 1024 + 10), "2 Mo"),
    ],
)
def test_bad_uploads_show_a_french_error(client, staff, content, message):
    """An unreadable file is refused on the upload page (400), nothing written."""
    setup = make_cohort(learners=0)
    force_login_verified(client, staff)
    response = _upload(client, setup.cohort, content)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Enrolment.objects.filter(cohort=setup.cohort).exists()


@pytest.mark.django_db
def test_tutor_cannot_import(client):
    """A tutor of the cohort cannot import (403) and nothing is written."""
    setup = make_cohort(learners=0)
    UserFactory(email="un@example.test")
    force_login_verified(client, setup.tutor)
    response = _upload(client, setup.cohort, b"email\nun@example.test\n")
    assert response.status_code == 403
    assert not Enrolment.objects.filter(cohort=setup.cohort).exists()
