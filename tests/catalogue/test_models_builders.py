"""The catalogue test builders produce published pages and valid sessions."""

from catalogue.models import Session, TrainingPage
from tests.factories.catalogue import make_session, make_track, make_training


def test_builders_publish_training_with_open_session(db):
    """A built training is live, with its vocabularies, and its session is open."""
    training = make_training(levels=["primaire"], competences=["2.1", "3.1"])
    session = make_session(training, capacity=3)
    live = TrainingPage.objects.live().get(pk=training.pk)
    assert sorted(c.code for c in live.competences.all()) == ["2.1", "3.1"]
    assert [lv.code for lv in live.levels.all()] == ["primaire"]
    assert session.province == "namur"
    assert session.is_open_for_registration()
    assert Session.objects.open_for_registration().filter(pk=session.pk).exists()


def test_draft_training_is_not_live(db):
    """A training saved as a draft is not live."""
    draft = make_training(live=False)
    assert not TrainingPage.objects.live().filter(pk=draft.pk).exists()


def test_track_total_hours_sums_steps(db):
    """A track's total hours add up the hours of its trainings."""
    first = make_training(sync_hours=12, async_hours=3)
    second = make_training(sync_hours=6, async_hours=0)
    track = make_track(title="Parcours", trainings=[first, second])
    assert track.total_hours == 21
