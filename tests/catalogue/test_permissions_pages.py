"""Who may edit catalogue pages in /cms/, and who may see drafts."""

from __future__ import annotations

import pytest
from django.urls import reverse

from catalogue.models import TrainingPage
from lms.roles import Role
from tests.factories import UserFactory
from tests.factories.catalogue import catalogue_index, make_training
from tests.two_factor_support import force_login_verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def registrations_manager(db):
    return UserFactory(roles=[Role.REGISTRATIONS_MANAGER])


def _edit_url(page) -> str:
    return reverse("wagtailadmin_pages:edit", args=[page.pk])


def _add_url(parent) -> str:
    return reverse(
        "wagtailadmin_pages:add", args=["catalogue", "trainingpage", parent.pk]
    )


def _refused(response) -> bool:
    """Wagtail refuses with 403 or by redirecting away from the requested page."""
    return response.status_code in (302, 403)


def test_teacher_cannot_open_page_editing(client, teacher):
    """A teacher cannot open the admin, the add form nor the edit form."""
    training = make_training()
    force_login_verified(client, teacher)
    assert _refused(client.get("/cms/"))
    assert _refused(client.get(_add_url(catalogue_index())))
    assert _refused(client.get(_edit_url(training)))


def test_teacher_cannot_edit_through_admin_urls(client, teacher):
    """A teacher's POST to the edit URL changes nothing."""
    training = make_training(title="Titre d'origine")
    force_login_verified(client, teacher)
    response = client.post(
        _edit_url(training), {"title": "Piraté", "slug": training.slug}
    )
    assert _refused(response)
    training.refresh_from_db()
    assert training.title == "Titre d'origine"
    assert training.get_latest_revision().content["title"] == "Titre d'origine"


def test_catalogue_manager_can_create_and_edit(client, catalogue_manager):
    """A catalogue manager opens the add form under the index and a training's edit form."""
    training = make_training()
    force_login_verified(client, catalogue_manager)
    assert client.get(_add_url(catalogue_index())).status_code == 200
    response = client.get(_edit_url(training))
    assert response.status_code == 200
    html = response.content.decode()
    assert "action-submit" in html
    assert "action-publish" not in html


def test_registrations_manager_cannot_edit_pages(client, registrations_manager):
    """A registrations manager reaches /cms/ but cannot add or edit catalogue pages."""
    training = make_training()
    force_login_verified(client, registrations_manager)
    assert client.get("/cms/").status_code == 200
    assert _refused(client.get(_add_url(catalogue_index())))
    assert _refused(client.get(_edit_url(training)))
    perms = training.permissions_for_user(registrations_manager)
    assert not perms.can_edit()
    assert not perms.can_publish()


def test_administrator_keeps_full_rights(administrator):
    """Administrators may edit and publish catalogue pages directly."""
    training = make_training(live=False)
    perms = training.permissions_for_user(administrator)
    assert perms.can_edit()
    assert perms.can_publish()


@pytest.mark.parametrize("who", ["anonymous", "teacher"])
def test_draft_training_is_a_404(client, teacher, who):
    """A never-published training answers 404 to anonymous visitors and teachers."""
    draft = make_training(live=False, title="Brouillon secret")
    if who == "teacher":
        force_login_verified(client, teacher)
    response = client.get(f"/{catalogue_index().slug}/{draft.slug}/")
    assert response.status_code == 404
    assert "Brouillon secret" not in response.content.decode()


def test_pending_draft_is_not_shown_on_a_live_page(client, teacher):
    """A live page shows its published version, never a later draft."""
    training = make_training(title="Titre publié")
    training.title = "Titre en brouillon"
    training.save_revision()
    force_login_verified(client, teacher)
    html = client.get(training.url).content.decode()
    assert "Titre publié" in html
    assert "Titre en brouillon" not in html
    assert TrainingPage.objects.live().filter(title="Titre publié").exists()


def test_draft_preview_is_for_staff_only(client, teacher, catalogue_manager):
    """The draft view in /cms/ opens for a catalogue manager, not for a teacher."""
    draft = make_training(live=False, title="Brouillon à relire")
    url = reverse("wagtailadmin_pages:view_draft", args=[draft.pk])
    force_login_verified(client, teacher)
    response = client.get(url)
    assert _refused(response)
    force_login_verified(client, catalogue_manager)
    response = client.get(url)
    assert response.status_code == 200
    assert "Brouillon à relire" in response.content.decode()
