"""The moderation task of the catalogue: another catalogue manager approves.

``PeerReviewTask`` is Wagtail's group approval task with one more rule, the
"four eyes" principle: whoever submitted a revision to moderation (or wrote the
revision under review) gets no approve or reject action on it, so a second
member of the approving groups must decide. The workflow that uses it is set
up by ``catalogue.workflow``.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from wagtail.models import AbstractGroupApprovalTask, TaskState


class PeerReviewTask(AbstractGroupApprovalTask):
    """Group approval where the submitter cannot approve their own submission."""

    class Meta:
        verbose_name = _("approbation par un·e autre gestionnaire")
        verbose_name_plural = _("approbations par un·e autre gestionnaire")

    @classmethod
    def get_description(cls) -> str:
        return str(
            _(
                "Les membres des groupes choisis approuvent, sauf la personne qui a "
                "soumis la révision : une deuxième personne doit décider."
            )
        )

    def is_submitter(self, obj: Any, user: Any) -> bool:
        """Whether ``user`` submitted or wrote the revision now under review."""
        if not getattr(user, "is_authenticated", False):
            return False
        task_state = getattr(obj, "current_workflow_task_state", None)
        if task_state is None:
            return False
        workflow_state = task_state.workflow_state
        authors = {workflow_state.requested_by_id}
        if task_state.revision_id:
            authors.add(task_state.revision.user_id)
        return user.pk in authors

    def get_actions(self, obj: Any, user: Any) -> list[tuple[str, str, bool]]:
        if self.is_submitter(obj, user):
            return []
        return super().get_actions(obj, user)

    def user_can_lock(self, obj: Any, user: Any) -> bool:
        return super().user_can_lock(obj, user) and not self.is_submitter(obj, user)

    def get_task_states_user_can_moderate(
        self, user: Any, **kwargs: Any
    ) -> QuerySet[TaskState]:
        states = super().get_task_states_user_can_moderate(user, **kwargs)
        return states.exclude(
            Q(workflow_state__requested_by=user) | Q(revision__user=user)
        )
