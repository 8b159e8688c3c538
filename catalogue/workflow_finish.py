"""What happens when a moderation workflow is approved (``WAGTAIL_FINISH_WORKFLOW_ACTION``).

Kept apart from ``catalogue.workflow`` and free of module-level imports:
Wagtail imports it while ``wagtail.models`` itself is loading.
"""

from __future__ import annotations

from typing import Any


def publish_workflow_state(workflow_state: Any, user: Any = None) -> None:
    """Publish the approved revision of ``workflow_state``'s page or snippet.

    For a workflow made only of ``PeerReviewTask`` steps (the catalogue's), the
    peer's approval is the authority to publish: catalogue managers hold no
    ``publish`` page permission (so that moderation cannot be bypassed), and the
    revision is published on their behalf without that check. Other workflows
    keep Wagtail's behaviour (the final approver needs the publish permission).
    """
    from django.contrib.contenttypes.models import ContentType
    from wagtail.workflows import publish_workflow_state as wagtail_publish

    from .models import PeerReviewTask

    tasks = workflow_state.workflow.tasks
    peer_type = ContentType.objects.get_for_model(PeerReviewTask)
    only_peer_review = (
        tasks.exists() and not tasks.exclude(content_type=peer_type).exists()
    )
    if not only_peer_review:
        wagtail_publish(workflow_state, user=user)
        return
    revision = workflow_state.content_object.get_latest_revision()
    revision.publish(user=user, skip_permission_checks=True)
