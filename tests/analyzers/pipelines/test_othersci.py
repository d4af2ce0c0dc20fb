"""Azure Pipelines, CircleCI, Bitbucket Pipelines and Jenkinsfiles: which files are read as
which system, and hostile files end in a finding or nothing, never a crash."""

from __future__ import annotations

import pytest

from outwork.analyzers.pipelines import PipelineAnalyzer, role, yamlpos
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
        ("repo/.circleci/config.yml", "circleci"),
        ("repo/.circleci/continue_config.yml", "circleci"),
        ("repo/bitbucket-pipelines.yml", "bitbucket"),
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


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("repo/.circleci/config.yml", "version: 2.1\njobs: [" * 100 + "]" * 100),
        (
            "repo/.circleci/config.yml",
            "version: 2.1\ncommands:\n"
            + "".join(
                f"  c{i}:\n    parameters: {{p: {{type: string}}}}\n    steps:\n"
                f"      - c{i + 1}: {{p: << parameters.p >>}}\n"
                for i in range(300)
            )
            + "jobs:\n  j:\n    steps:\n      - c0: {p: << pipeline.git.branch >>}\n",
        ),
        ("repo/bitbucket-pipelines.yml", "pipelines:\n  default:\n" + "    - parallel:\n" * 60),
        ("repo/bitbucket-pipelines.yml", "pipelines: [1, 2]\n"),
        (
            "repo/.circleci/config.yml",
            "version: 2.1\nworkflows: {a: {jobs: [{x: {requires: [x]}}]}}\n",
        ),
    ],
)
def test_hostile_circleci_and_bitbucket_files_end(path: str, text: str) -> None:
    found = codes(path, text)
    assert all(code.startswith("CI") for code in found)


def test_a_step_reused_through_a_yaml_anchor_is_reported_once() -> None:
    text = (
        "definitions:\n  steps:\n    - step: &build\n        script:\n"
        '          - eval "echo $BITBUCKET_BRANCH"\n'
        "pipelines:\n  default:\n    - step: *build\n  branches:\n    main:\n"
        "      - step: *build\n"
    )
    assert codes("repo/bitbucket-pipelines.yml", text) == ["CI076"]


def test_circleci_parameters_are_followed_through_a_chain_of_commands() -> None:
    text = (
        "version: 2.1\ncommands:\n"
        "  a:\n    parameters: {p: {type: string}}\n"
        "    steps:\n      - b: {q: << parameters.p >>}\n"
        "  b:\n    parameters: {q: {type: string}}\n"
        "    steps:\n      - run: echo << parameters.q >>\n"
        "jobs:\n  j:\n    steps:\n      - a: {p: << pipeline.git.commit.subject >>}\n"
        "workflows: {w: {jobs: [j]}}\n"
    )
    assert codes("repo/.circleci/config.yml", text) == ["CI073"]


REDEFINED_ANCHOR = """\
version: 2.1
executors:
  base: &env
    docker:
      - image: cimg/base:2024.01
jobs:
  build:
    <<: *env
    steps:
      - checkout
      - run: echo "built"
  notes: &env
    docker:
      - image: cimg/base:2024.01
    steps:
      - run: echo "<< pipeline.git.commit.subject >>"
  deploy:
    <<: *env
workflows:
  main:
    jobs: [build, notes, deploy]
"""


def test_an_anchor_defined_again_is_read_as_circleci_reads_it() -> None:
    # YAML 1.2 (and CircleCI) let an anchor be defined again; an alias names the latest
    # definition before it. libyaml refuses such a document: it must not end as CI023, and
    # what the redefinition brings into the later job is analysed.
    emitted = PipelineAnalyzer().analyze(
        artifact("repo/.circleci/config.yml", REDEFINED_ANCHOR), AnalysisContext()
    )
    found = [(e.rule.code, e.location.line) for e in emitted if isinstance(e, Finding)]
    assert ("CI023", 1) not in found and not any(code == "CI023" for code, _ in found)
    assert ("CI073", 16) in found


def test_the_redefinition_is_followed_not_the_first_definition() -> None:
    root = yamlpos.load(REDEFINED_ANCHOR)
    assert root is not None
    deploy = root.get("jobs").get("deploy")  # type: ignore[union-attr]
    build = root.get("jobs").get("build")  # type: ignore[union-attr]
    assert deploy is not None and build is not None
    deploy_texts = [n.value for n in deploy.strings()]
    assert any("commit.subject" in text for text in deploy_texts)  # the second `&env`
    assert not any("commit.subject" in n.value for n in build.strings())
