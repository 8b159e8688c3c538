"""Property-based tests of the commit protocol: ordering, retries, two tabs.

A hypothesis state machine plays learners' player tabs against the real commit
service and database: values change, commits are sent, held in the network,
delivered out of order, duplicated or lost, second tabs are opened, final
commits are sent. Tabs behave like the player: they number their commits after
the seq they loaded and stop after a 409. Invariants: the server holds the state
of the highest applied seq, completion never regresses, no acknowledged commit
is lost, and no applied commit silently overwrote data its tab never saw.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from courses.models import Commit, ScoState
from courses.tracking.commits import apply_commit, note_launch_state, payload_digest
from courses.tracking.outcomes import COMPLETION_RANK, LESSON_STATUS_RANK, merge_status
from courses.tracking.selectors import initial_state
from tests.courses.tracking_fixtures import SCORM_12, new_attempt

EXAMPLES = int(os.environ.get("TRACKING_STATEFUL_EXAMPLES", "120"))
SCO = "sco_1"
TEXT = st.text(max_size=30)


@dataclass
class Tab:
    launch: str
    seq: int
    known: int  # how many applied commits this tab's loaded state includes
    data: dict[str, str] = field(default_factory=dict)
    stopped: bool = False


@dataclass(frozen=True)
class Message:
    tab: int
    seq: int
    elements: dict[str, str]
    final: bool


class CommitProtocol(RuleBasedStateMachine):
    """Tabs, a lossy reordering network and the server, checked after each step."""

    @initialize()
    def start(self) -> None:
        self.attempt = new_attempt(SCORM_12)
        self.tabs: list[Tab] = []
        self.network: list[Message] = []
        self.sent: list[Message] = []
        self.applied: dict[int, Message] = {}
        self.log: list[tuple[str, int]] = []
        self.completion_seen = 0
        self.open_tab()

    @rule()
    @precondition(lambda self: len(self.tabs) < 4)
    def open_tab(self) -> None:
        """A new tab (or reload) loads the state like the player does."""
        launch = uuid.uuid4().hex
        state = initial_state(self.attempt, SCO)
        note_launch_state(self.attempt, SCO, launch, state["seq"])
        self.tabs.append(
            Tab(launch, state["seq"], len(self.log), dict(state["elements"]))
        )

    def _tab(self, index: int) -> Tab:
        return self.tabs[index % len(self.tabs)]

    @rule(
        index=st.integers(0, 3),
        location=TEXT,
        suspend=st.text(max_size=80),
        status=st.sampled_from(
            ["incomplete", "browsed", "completed", "failed", "passed"]
        ),
        score=st.one_of(st.just(""), st.integers(0, 100).map(str)),
    )
    def learner_works(self, index, location, suspend, status, score) -> None:
        tab = self._tab(index)
        tab.data.update(
            {
                "cmi.core.lesson_location": location,
                "cmi.suspend_data": suspend,
                "cmi.core.lesson_status": status,
                "cmi.core.score.raw": score,
            }
        )

    @rule(
        index=st.integers(0, 3),
        final=st.booleans(),
        exit_value=st.sampled_from(["", "suspend"]),
        in_flight=st.booleans(),
    )
    def commit(self, index, final, exit_value, in_flight) -> None:
        tab = self._tab(index)
        if tab.stopped:
            return  # the player stops committing after a 409
        tab.seq += 1
        elements = {**tab.data, "cmi.core.exit": exit_value}
        message = Message(self.tabs.index(tab), tab.seq, elements, final)
        self.sent.append(message)
        if in_flight:
            self.network.append(message)
        else:
            self._deliver(message)

    @rule(position=st.integers(0, 50))
    @precondition(lambda self: self.network)
    def deliver_out_of_order(self, position) -> None:
        self._deliver(self.network.pop(position % len(self.network)))

    @rule(position=st.integers(0, 50))
    @precondition(lambda self: self.network)
    def lose_in_network(self, position) -> None:
        self.network.pop(position % len(self.network))

    @rule(position=st.integers(0, 50))
    @precondition(lambda self: self.sent)
    def duplicate(self, position) -> None:
        """A retry after a timeout: the exact same commit again."""
        self._deliver(self.sent[position % len(self.sent)])

    def _deliver(self, message: Message) -> None:
        tab = self.tabs[message.tab]
        result = apply_commit(
            self.attempt,
            SCO,
            message.seq,
            message.elements,
            message.final,
            launch_id=tab.launch,
        )
        if result.status == "applied":
            assert message.seq not in self.applied
            # No silent overwrite: whatever was applied since this tab loaded
            # its state came from the tab itself.
            assert all(launch == tab.launch for launch, _ in self.log[tab.known :])
            self.applied[message.seq] = message
            self.log.append((tab.launch, message.seq))
        elif result.status == "duplicate":
            original = self.applied[message.seq]
            assert original.elements == message.elements
            assert original.final == message.final
        else:
            assert result.status in ("stale", "conflict"), result
            assert result.http_status == 409
            assert result.current_seq == max(self.applied, default=0)
            tab.stopped = True

    @invariant()
    def server_holds_the_highest_applied_state(self) -> None:
        state = ScoState.objects.filter(
            attempt=self.attempt, sco_identifier=SCO
        ).first()
        if not self.applied:
            assert state is None or state.seq == 0
            return
        top = max(self.applied)
        assert state.seq == top
        latest = self.applied[top].elements
        elements = initial_state(self.attempt, SCO)["elements"]
        assert elements.get("cmi.core.lesson_location", "") == latest.get(
            "cmi.core.lesson_location", ""
        )
        assert elements.get("cmi.suspend_data", "") == latest.get(
            "cmi.suspend_data", ""
        )
        raw = latest.get("cmi.core.score.raw", "")
        assert state.score_raw == (float(raw) if raw else None)
        expected_status = ""
        for seq in sorted(self.applied):
            value = self.applied[seq].elements.get("cmi.core.lesson_status", "")
            expected_status = merge_status(LESSON_STATUS_RANK, expected_status, value)
        assert state.lesson_status == expected_status

    @invariant()
    def completion_never_regresses(self) -> None:
        state = ScoState.objects.filter(
            attempt=self.attempt, sco_identifier=SCO
        ).first()
        rank = COMPLETION_RANK.get(state.completion_status, 0) if state else 0
        assert rank >= self.completion_seen
        self.completion_seen = rank

    @invariant()
    def no_acknowledged_commit_is_lost(self) -> None:
        ledger = dict(
            Commit.objects.filter(sco_state__attempt=self.attempt).values_list(
                "seq", "payload_sha256"
            )
        )
        assert set(ledger) == set(self.applied)
        for seq, message in self.applied.items():
            assert ledger[seq] == payload_digest(message.elements, message.final)


@pytest.mark.django_db
def test_commit_protocol_state_machine():
    """Duplicates, reordering, losses, second tabs and final commits keep the
    invariants: highest applied state kept, completion monotonic, nothing lost."""
    run_state_machine_as_test(
        CommitProtocol,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        ),
    )
