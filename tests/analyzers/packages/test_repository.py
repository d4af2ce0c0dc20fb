"""PKG030: metadata that names another project's repository ("starjacking"), judged offline."""

from __future__ import annotations

import json

import pytest

from outwork.analyzers.packages import PackageAnalyzer
from outwork.analyzers.packages.repository import (
    Link,
    judge_links,
    parse_repository,
    stem,
)
from outwork.core.analyzer import AnalysisContext
from outwork.core.artifact import Artifact, classify
from outwork.core.findings import Finding
from tests.analyzers.packages.helpers import npm_tarball, sdist, wheel


def _findings(name: str, data: bytes) -> list[Finding]:
    artifact = Artifact(
        path=name, kind=classify(data[:8192], name, len(data)), size=len(data), data=data
    )
    analyzer = PackageAnalyzer()
    assert analyzer.accepts(artifact)
    return [f for f in analyzer.analyze(artifact, AnalysisContext()) if isinstance(f, Finding)]


def _pkg_info(name: str, *urls: str) -> str:
    lines = ["Metadata-Version: 2.1", f"Name: {name}", "Version: 1.0"]
    lines += list(urls)
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("url", "slug"),
    [
        ("https://github.com/psf/requests", "github.com/psf/requests"),
        ("https://www.github.com/psf/requests/tree/main/src", "github.com/psf/requests"),
        ("git+https://github.com/psf/requests.git", "github.com/psf/requests"),
        ("git@github.com:psf/requests.git", "github.com/psf/requests"),
        ("ssh://git@bitbucket.org/a/b.git", "bitbucket.org/a/b"),
        ("https://gitlab.com/group/sub/proj/-/issues", "gitlab.com/group/proj"),
        ("https://git.sr.ht/~sircmpwn/hare", "git.sr.ht/sircmpwn/hare"),
        ("github.com/pallets/flask", "github.com/pallets/flask"),
    ],
)
def test_repository_urls_are_parsed(url: str, slug: str) -> None:
    ref = parse_repository(url)
    assert ref is not None and ref.slug == slug


@pytest.mark.parametrize(
    "url",
    [
        "https://github.com/sponsors/hynek",
        "https://github.com/psf",
        "https://codecov.io/github/aio-libs/aiohttp",
        "https://example.com/psf/requests",
        "not a url at all",
        "http://[::1",
    ],
)
def test_non_repository_urls_are_ignored(url: str) -> None:
    assert parse_repository(url) is None


def test_npm_shorthands() -> None:
    assert parse_repository("psf/requests", shorthand=True).slug == "github.com/psf/requests"  # type: ignore[union-attr]
    ref = parse_repository("gitlab:a/b", shorthand=True)
    assert ref is not None and ref.slug == "gitlab.com/a/b"
    assert parse_repository("psf/requests") is None


def test_stems() -> None:
    assert stem("python-certifi") == "certifi"
    assert stem("redis-py") == "redis"
    assert stem("jmespath.py") == "jmespath"
    assert stem("Typing_Extensions") == "typing-extensions"


def _link(url: str, field: str = "Home-page") -> Link:
    return Link(field, url, "PKG-INFO", 3)


@pytest.mark.parametrize(
    ("package", "url"),
    [
        ("requests", "https://github.com/psf/requests"),  # itself
        ("requests-oauthlib", "https://github.com/requests/requests-oauthlib"),  # its own repo
        ("requests-toolbelt", "https://github.com/requests/toolbelt"),  # the owner's family
        ("langchain-core", "https://github.com/langchain-ai/langchain"),  # a monorepo member
        ("pydantic-core", "https://github.com/pydantic/pydantic"),
        ("certifi", "https://github.com/certifi/python-certifi"),
        ("grpcio-status", "https://github.com/grpc/grpc"),
        ("some-tool", "https://github.com/someone/some-tool"),  # not a popular project
        ("sklearn", "https://github.com/scikit-learn/scikit-learn"),  # an abbreviation
        ("torchvision", "https://github.com/pytorch/vision"),  # a project's other repository
        ("awscli", "https://github.com/aws/aws-cli"),  # separators aside
    ],
)
def test_own_and_family_repositories_are_fine(package: str, url: str) -> None:
    assert judge_links("pypi", package, [_link(url)]) is None


def test_repository_names_are_compared_without_separators() -> None:
    found = judge_links("pypi", "cloud-helper-x", [_link("https://github.com/aws/aws-cli")])
    assert found is not None and found.project == "awscli"


def test_misspellings_are_never_excused_as_abbreviations() -> None:
    found = judge_links("pypi", "rquests", [_link("https://github.com/psf/requests")])
    assert found is not None and found.imitates


def test_a_package_that_also_names_its_own_repository_is_fine() -> None:
    links = [
        _link("https://github.com/psf/requests", "Project-URL Based on"),
        _link("https://github.com/me/http-magic", "Project-URL Source"),
    ]
    assert judge_links("pypi", "http-magic", links) is None


def test_npm_scope_is_family() -> None:
    assert judge_links("npm", "@babel/core", [_link("github:babel/babel", "repository")]) is None
    assert judge_links("npm", "react-dom", [_link("https://github.com/facebook/react")]) is None


def test_borrowed_repository_is_medium_and_located() -> None:
    info = _pkg_info("http-magic-tool", "Home-page: https://github.com/psf/requests")
    found = [
        f
        for f in _findings(
            "http-magic-tool-1.0.tar.gz", sdist("http-magic-tool", "1.0", {"PKG-INFO": info})
        )
        if f.code == "PKG030"
    ]
    assert len(found) == 1
    assert found[0].severity.label == "medium"
    assert found[0].location.path == "http-magic-tool-1.0/PKG-INFO"
    assert found[0].location.line == 4
    assert "github.com/psf/requests" in found[0].message
    assert "'requests'" in found[0].message


def test_imitating_name_makes_it_high() -> None:
    info = _pkg_info("reqeusts-toolbelt2", "Project-URL: Source, https://github.com/psf/requests")
    data = sdist("reqeusts-toolbelt2", "1.0", {"PKG-INFO": info})
    found = [f for f in _findings("reqeusts-toolbelt2-1.0.tar.gz", data) if f.code == "PKG030"]
    assert found and found[0].severity.label == "high"
    assert "imitates" in found[0].message


def test_install_code_makes_it_high() -> None:
    info = _pkg_info("quick-web-auth", "Home-page: https://github.com/pallets/flask/")
    setup = "from setuptools import setup\nfrom x import Post\nsetup(cmdclass={'install': Post})\n"
    data = sdist("quick-web-auth", "1.0", {"PKG-INFO": info, "setup.py": setup})
    found = [f for f in _findings("quick-web-auth-1.0.tar.gz", data) if f.code == "PKG030"]
    assert found and found[0].severity.label == "high"
    assert "install time" in found[0].message


def test_wheel_metadata_is_read() -> None:
    meta = _pkg_info("colour-tools-x", "Project-URL: Homepage, https://github.com/tartley/colorama")
    data = wheel("colour_tools_x", "1.0", {"colour_tools_x-1.0.dist-info/METADATA": meta})
    found = [
        f for f in _findings("colour_tools_x-1.0-py3-none-any.whl", data) if f.code == "PKG030"
    ]
    assert found and found[0].location.path.endswith("METADATA")


def test_npm_repository_field() -> None:
    manifest = json.dumps(
        {
            "name": "quick-date-helper",
            "version": "1.0.0",
            "repository": {"type": "git", "url": "git+https://github.com/lodash/lodash.git"},
            "scripts": {"postinstall": "node setup.js"},
        },
        indent=2,
    )
    found = [
        f
        for f in _findings("quick-date-helper-1.0.0.tgz", npm_tarball(manifest, {"setup.js": "1"}))
        if f.code == "PKG030"
    ]
    assert found and found[0].severity.label == "high"
    assert found[0].location.path == "package/package.json"
    assert found[0].location.line == 6


def test_popular_package_itself_is_silent() -> None:
    info = _pkg_info("flask", "Project-URL: Source, https://github.com/pallets/flask/")
    found = _findings("flask-1.0.tar.gz", sdist("flask", "1.0", {"PKG-INFO": info}))
    assert not [f for f in found if f.code == "PKG030"]
