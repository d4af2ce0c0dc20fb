"""The seam between the pipelines scanners and the checks in ``rules/``.

A check is one audit (one rule or a small family) living beside the rules it reports. Declaring
a subclass of :class:`WorkflowCheck`, :class:`GitlabCheck` or :class:`DependabotCheck` in a
module of ``rules/`` registers it. The scanner of the file builds the model once, makes one
instance of every check per file, and calls the hooks each check overrides (the facts it
consumes), in document order; a check keeps whatever it needs across hooks of one file on
itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import ClassVar, Generic, TypeVar

from outwork.analyzers.pipelines.gitlab import GitlabFile, GitlabJob, Pipeline
from outwork.analyzers.pipelines.workflow import Image, Job, Step, Uses, Where, Workflow
from outwork.analyzers.pipelines.yamlpos import Node
from outwork.core.analyzer import Emitted
from outwork.core.rules import Rule

C = TypeVar("C")
M = TypeVar("M")


#: The registered checks of each kind of file, in the order their modules load.
WORKFLOW_CHECKS: list[type[WorkflowCheck]] = []
GITLAB_CHECKS: list[type[GitlabCheck]] = []
DEPENDABOT_CHECKS: list[type[DependabotCheck]] = []
#: The checks of Azure Pipelines, CircleCI, Bitbucket Pipelines and Jenkins files.
SYSTEM_CHECKS: list[type[SystemCheck[object]]] = []


class WorkflowCheck:
    """A check of GitHub Actions workflows and actions. Hooks, in the order they are called:
    ``workflow`` (once, workflows only), then for each job ``job``, its ``uses`` and ``image``
    references, ``step`` for each step and ``job_end``; for an action its ``image`` and the
    steps of a composite action as one job with no id; finally ``document``."""

    #: The rules whose findings the check yields.
    rules: ClassVar[tuple[type[Rule], ...]] = ()

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        WORKFLOW_CHECKS.append(cls)

    def __init__(self, wf: Workflow) -> None:
        self.wf = wf

    def workflow(self) -> Iterator[Emitted]:
        """The workflow as a whole: triggers, top-level permissions and env."""
        return iter(())

    def job(self, job: Job) -> Iterator[Emitted]:
        """A job, before its steps (its permissions, env, runner, condition, ``uses``...)."""
        return iter(())

    def uses(self, ref: Uses) -> Iterator[Emitted]:
        """An action or reusable workflow that a step or job references."""
        return iter(())

    def image(self, image: Image) -> Iterator[Emitted]:
        """A container image that a job, step or action runs."""
        return iter(())

    def step(self, step: Step) -> Iterator[Emitted]:
        """One step, with its environment's taint and what earlier steps left."""
        return iter(())

    def job_end(self, job: Job) -> Iterator[Emitted]:
        """A job after all its steps."""
        return iter(())

    def document(self) -> Iterator[Emitted]:
        """The whole document, last (every expression of every string)."""
        return iter(())


class GitlabCheck:
    """A check of a GitLab CI pipeline (a root file and its local includes): ``document`` for
    each file, then ``job`` for each job (hidden templates too), then ``end`` once. Findings
    carry their file's path (a pipeline spans files)."""

    #: The rules whose findings the check yields.
    rules: ClassVar[tuple[type[Rule], ...]] = ()

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        GITLAB_CHECKS.append(cls)

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline

    def document(self, file: GitlabFile) -> Iterator[Emitted]:
        return iter(())

    def job(self, job: GitlabJob) -> Iterator[Emitted]:
        return iter(())

    def end(self) -> Iterator[Emitted]:
        return iter(())


class DependabotCheck:
    """A check of one ``updates:`` entry of a Dependabot configuration."""

    #: The rules whose findings the check yields.
    rules: ClassVar[tuple[type[Rule], ...]] = ()

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        DEPENDABOT_CHECKS.append(cls)

    def update(self, entry: Node, where: Where, ecosystem: str) -> Iterator[Emitted]:
        return iter(())


class SystemCheck(Generic[M]):
    """A check of one file of another CI system (``system``: ``azure``, ``circleci``,
    ``bitbucket`` or ``jenkins``), given the model that system's module builds: ``document``
    once per file."""

    #: The rules whose findings the check yields.
    rules: ClassVar[tuple[type[Rule], ...]] = ()
    #: The role (see ``pipelines.role``) of the files the check reads.
    system: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        SYSTEM_CHECKS.append(cls)  # type: ignore[arg-type]  # each reads its own system's model

    def __init__(self, model: M) -> None:
        self.model = model

    def document(self) -> Iterator[Emitted]:
        return iter(())


def overriding(checks: Iterable[type[C]], hook: str, base: type[C]) -> tuple[type[C], ...]:
    """The checks that consume ``hook`` (override ``base``'s), in registration order."""
    default = getattr(base, hook)
    return tuple(check for check in checks if getattr(check, hook) is not default)
