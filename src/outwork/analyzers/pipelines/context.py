"""The contexts of the pipelines layer's severity tables.

A pipeline finding's severity follows what the events that start the workflow let an outsider do
(:class:`Trigger`); a workflow with several triggers is judged by its worst one
(:func:`worst`). Rules whose severity follows the shape of what they found (a moving image tag)
declare that shape as their context instead.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

from outwork.analyzers.pipelines import data
from outwork.core.rules import Rule, Severity


class Trigger(enum.Enum):
    """What an event that starts a workflow lets an outsider do."""

    PRIVILEGED_PULL_REQUEST = (
        "a fork's pull request, run with the repository's secrets (pull_request_target)"
    )
    PULL_REQUEST = "a fork's pull request, run without secrets (pull_request)"
    PRIVILEGED_FOLLOW_UP = (
        "an outsider's event run with secrets, after which a job may fetch pull request code"
        " (workflow_run, issue_comment)"
    )
    PRIVILEGED_EVENT = (
        "another outsider's event run with secrets (issues, discussion, discussion_comment,"
        " fork, watch)"
    )
    PUBLIC_EVENT = (
        "an outsider's event run without secrets (pull_request_review, pull_request_review_comment)"
    )
    CALLED = "a reusable workflow (workflow_call): its callers' events decide"
    TRUSTED = "only people with write access (push, schedule, workflow_dispatch, ...)"
    ACTION = "an action: the events of the workflows that use it decide"


def _event_contexts() -> dict[str, Trigger]:
    table = dict.fromkeys(data.PUBLIC_TRIGGERS, Trigger.PUBLIC_EVENT)
    table.update(dict.fromkeys(data.PRIVILEGED_TRIGGERS, Trigger.PRIVILEGED_EVENT))
    table.update(dict.fromkeys(data.PR_CODE_TRIGGERS, Trigger.PRIVILEGED_FOLLOW_UP))
    table["pull_request_target"] = Trigger.PRIVILEGED_PULL_REQUEST
    table["pull_request"] = Trigger.PULL_REQUEST
    table["workflow_call"] = Trigger.CALLED
    return table


#: Event name -> its context; events not listed are :attr:`Trigger.TRUSTED`.
EVENT_CONTEXTS: dict[str, Trigger] = _event_contexts()


def trigger_contexts(events: Iterable[str], *, action: bool = False) -> frozenset[Trigger]:
    """The contexts of a workflow started by ``events`` (of an action when ``action``)."""
    if action:
        return frozenset({Trigger.ACTION})
    found = frozenset(EVENT_CONTEXTS.get(event, Trigger.TRUSTED) for event in events)
    return found or frozenset({Trigger.TRUSTED})


def worst(rule: type[Rule], contexts: Iterable[Trigger]) -> Severity:
    """The severity of ``rule`` in the worst of ``contexts``, from the rule's table."""
    return max(rule.severity_in(context) for context in contexts)


class ImageTag(enum.Enum):
    """How a container image is referenced (GitHub Actions and GitLab CI images alike)."""

    MOVING = "no tag, or latest: whatever was pushed last"
    TAGGED = "a tag other than latest (a tag can be moved too)"
