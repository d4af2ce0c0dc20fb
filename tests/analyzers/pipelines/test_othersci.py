"""Azure Pipelines, CircleCI, Bitbucket Pipelines and Jenkinsfiles: which files are read as
which system, and hostile files end in a finding or nothing, never a crash."""

from __future__ import annotations

import pytest

from outwork.analyzers.pipelines import PipelineAnalyzer, role
from outwork.core.analyzer import AnalysisContext
from outwork.core.artifact import Artifact, Kind
from outwork.core.findings import Finding


def artifact(path: str, text: str, kind: Kind = Kind.YAML) -> Artifact:
    data = text.encode()
    return Artifact(path=path, kind=kind, size=len(data), data=data)


def codes(path: str, text: str, kind: Kind = Kind.YAML) -> list[str]:
    emitted = PipelineAnalyzer().analyze(artifact(path, text, kind), AnalysisContext())
    return [e.rule.code for e in emitted if isinstance(e, Finding)]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("repo/azure-pipelines.yml", "azure"),
        ("repo/azure-pipelines.yaml", "azure"),
        ("repo/ci/release.azure-pipelines.yml", "azure"),
        ("repo/.azure-pipelines/templates/build.yml", "azure-sniff"),
        ("repo/.azuredevops/pr.yml", "azure-sniff"),
    ],
)
def test_role_of_other_systems(path: str, expected: str) -> None:
    assert role(artifact(path, "x: 1\n")) == expected


AZURE_TEMPLATE = """\
parameters:
  - name: target
    type: string
steps:
  - task: Bash@3
    inputs:
      targetType: inline
      script: echo $(Build.SourceVersionMessage)
"""


def test_an_azure_template_in_its_folder_is_read_as_azure() -> None:
    assert codes("repo/.azure-pipelines/steps/build.yml", AZURE_TEMPLATE) == ["CI070"]


def test_an_azure_template_elsewhere_is_sniffed_by_its_task_steps() -> None:
    analyzer = PipelineAnalyzer()
    assert analyzer.accepts(artifact("repo/build/templates/steps.yml", AZURE_TEMPLATE))
    assert codes("repo/build/templates/steps.yml", AZURE_TEMPLATE) == ["CI070"]


def test_a_template_is_no_pull_request_pipeline_of_its_own() -> None:
    text = "parameters:\n  - name: x\nvariables:\n  - group: secrets\nsteps:\n  - script: make\n"
    assert "CI071" not in codes("repo/azure-pipelines.yml", text)


@pytest.mark.parametrize(
    "text",
    [
        "steps: [" * 200 + "]" * 200,
        "steps:\n" + "  - script: echo $(Build.SourceBranch)\n" * 5000,
        "trigger: [main]\nsteps:\n  - bash: " + "$(" * 10000 + "\n",
        "stages:\n  - stage: a\n    jobs:\n      - job: b\n        strategy:\n"
        + "          x:\n" * 50,
        "\xff\xfe garbage: [\n",
    ],
)
def test_hostile_azure_files_end(text: str) -> None:
    found = codes("repo/azure-pipelines.yml", text)
    assert all(code.startswith("CI") for code in found)
