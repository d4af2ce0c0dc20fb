"""rules:if read in three values for each kind of pipeline (GitLab's expression language)."""

from __future__ import annotations

import pytest

from outwork.analyzers.pipelines.gitlab_triggers import Source, evaluate

FORK, MR, BRANCH, TAG = (
    Source.FORK_MERGE_REQUEST,
    Source.MERGE_REQUEST,
    Source.BRANCH,
    Source.TAG,
)


@pytest.mark.parametrize(
    ("expression", "source", "expected"),
    [
        ('$CI_PIPELINE_SOURCE == "merge_request_event"', FORK, True),
        ("$CI_PIPELINE_SOURCE == 'merge_request_event'", BRANCH, False),
        ("$CI_MERGE_REQUEST_IID", FORK, True),
        ("$CI_MERGE_REQUEST_IID", TAG, False),
        ("$CI_MERGE_REQUEST_SOURCE_PROJECT_ID == $CI_PROJECT_ID", FORK, False),
        ("$CI_MERGE_REQUEST_SOURCE_PROJECT_ID == $CI_PROJECT_ID", MR, True),
        ("${CI_MERGE_REQUEST_SOURCE_PROJECT_PATH} != $CI_PROJECT_PATH", FORK, True),
        ('$CI_MERGE_REQUEST_SOURCE_PROJECT_PATH == "group/project"', FORK, False),
        ('$CI_PROJECT_PATH == "group/project"', FORK, None),  # the parent's path: unknown
        ("$CI_MERGE_REQUEST_SOURCE_PROJECT_PATH =~ /^group\\//", FORK, False),
        ("$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH", FORK, False),
        ("$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH", BRANCH, None),
        ("$CI_COMMIT_TAG == null", TAG, False),
        ("$CI_COMMIT_TAG == null", BRANCH, True),
        ('$CI_MERGE_REQUEST_EVENT_TYPE == "detached"', FORK, None),
        ("$CI_MERGE_REQUEST_EVENT_TYPE =~ /^(detached|merged_result)$/", MR, None),
        ("$CI_MERGE_REQUEST_EVENT_TYPE =~ /^merge/", FORK, None),
        ('$CI_MERGE_REQUEST_EVENT_TYPE == "push"', FORK, False),
        ("$DEPLOY_ENABLED", FORK, None),  # a project's own variable: unknown
        ('$CI_MERGE_REQUEST_IID && $CI_PIPELINE_SOURCE == "push"', FORK, False),
        ("($CI_COMMIT_TAG || $CI_MERGE_REQUEST_IID) && $DEPLOY", FORK, None),
        ('$CI_COMMIT_TAG || $CI_PIPELINE_SOURCE == "schedule"', TAG, True),
        ('$CI_PIPELINE_SOURCE == "schedule"', Source.OTHER, None),
        ("$A == ", FORK, None),  # outside the grammar: unknown, never a guess
        ("$A =~ /(/", FORK, None),
    ],
)
def test_evaluate(expression: str, source: Source, expected: bool | None) -> None:
    assert evaluate(expression, source) is expected
