"""Where a file sits in a package: test folders by whole words, the package's own folders never."""

from __future__ import annotations

from outwork.core.reach import (
    TESTS_NOTE,
    UNPACKAGED_NOTE,
    PackageReach,
    in_package_tests,
    names_documentation,
    names_tests,
    package_folders,
)


def test_names_tests_by_whole_words() -> None:
    assert names_tests("tests") and names_tests("unit_tests") and names_tests("Docs-src")
    assert not names_tests("latest") and not names_tests("contest") and not names_tests("docker")


def test_members_of_package_archives() -> None:
    sdist = "/d/botocore-1.44.5.tar.gz!/botocore-1.44.5/tests/unit/xml/s3-policy.json"
    assert package_folders(sdist) == ["tests", "unit", "xml"]
    assert in_package_tests(sdist)
    wheel = "/d/botocore-1.44.5-py3-none-any.whl!/botocore/data/s3/policy.json"
    assert package_folders(wheel) == ["data", "s3"] and not in_package_tests(wheel)
    # a nested archive in the tests of an sdist: the outer package decides
    nested = "/d/distlib-0.4.4.tar.gz!/distlib-0.4.4/tests/bad.tar"
    assert in_package_tests(nested)


def test_own_folders_named_like_tests_do_not_count() -> None:
    assert not in_package_tests("/d/test_kit-2.0.tar.gz!/test_kit-2.0/test_kit/data/p.json")
    assert not in_package_tests("/d/test_kit-2.0-py3-none-any.whl!/test_kit/data/p.json")
    assert in_package_tests("/d/test_kit-2.0.tar.gz!/test_kit-2.0/test_kit/tests/p.json")


def test_installed_trees() -> None:
    site = "/v/lib/python3.12/site-packages"
    assert in_package_tests(f"{site}/botocore/tests/data/p.json")
    assert not in_package_tests(f"{site}/botocore/data/p.json")
    assert not in_package_tests(f"{site}/tests/p.json")  # a top-level package called tests
    assert in_package_tests("/p/node_modules/@scope/pkg/test/fixture.json")
    assert not in_package_tests("/p/node_modules/@scope/pkg/lib/policy.json")


def test_outside_packages() -> None:
    assert package_folders("/repo/tests/fixtures/policy.json") is None
    assert not in_package_tests("/repo/tests/fixtures/policy.json")
    assert not in_package_tests("/repo/backup.7z!/tests/policy.json")


def test_names_documentation() -> None:
    assert names_documentation("README.md") and names_documentation("docs/guide.rst")
    assert names_documentation("README") and names_documentation("CHANGELOG.txt")
    assert not names_documentation("readme.js") and not names_documentation("notes.txt")
    assert not names_documentation("install.py") and not names_documentation("mdtools.py")


def test_package_reach_weighs_tests_and_scripts_the_package_never_runs() -> None:
    reach = PackageReach(
        own=("demo-1.0/demo/", "demo-1.0/"),
        imported=frozenset({"demo-1.0/tests/helpers.py"}),
        unpackaged=frozenset({"demo-1.0/scripts/tool.py"}),
    )
    assert reach.weighs_less("demo-1.0/tests/test_x.py") == TESTS_NOTE
    assert reach.weighs_less("demo-1.0/scripts/tool.py") == UNPACKAGED_NOTE
    assert reach.weighs_less("demo-1.0/tests/helpers.py") is None  # the package imports it
    assert reach.weighs_less("demo-1.0/demo/cli.py") is None
    assert PackageReach.from_properties(reach.to_properties()) == reach
    assert PackageReach.from_properties({"own": "not a list"}) == PackageReach()
