"""Each row of an MDL rule's severity table is exercised by a rule fixture, at its location.

Sidecar expectations (the generated binary fixtures) carry no severity, so the rows are stated
here, against the same generated fixtures the rule-fixture test scans.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import pytest

from outwork.analyzers.models.context import (
    KerasObject,
    PickleStream,
    RemoteCode,
    Shipped,
    TorchScriptOps,
)
from outwork.analyzers.models.rules.hub import HubRemoteCode
from outwork.analyzers.models.rules.keras import KerasUnsafeObject
from outwork.analyzers.models.rules.pickles import PickleMalformed, PickleUnlistedGlobal
from outwork.analyzers.models.rules.torchscript import TorchScriptCode
from outwork.core.rules import Rule
from tests import ruleharness

#: rule, context, fixture file, logical location, the severity the fixture must show there
ROWS: list[tuple[type[Rule], Enum, str, str, str]] = [
    (PickleMalformed, PickleStream.EXECUTES_CODE, "payload/model.pkl", "pickle@0x", "high"),
    (PickleMalformed, PickleStream.DATA_ONLY, "broken/model.pkl", "pickle@0x", "medium"),
    (PickleMalformed, PickleStream.DATA_ONLY, "truncated/model.pkl", "", "medium"),
    (
        TorchScriptCode,
        TorchScriptOps.FILE_OR_LIBRARY,
        "ts/model.pt!/archive/constants.pkl",
        "",
        "high",
    ),
    (
        TorchScriptCode,
        TorchScriptOps.ORDINARY,
        "ordinary/model.pt!/archive/constants.pkl",
        "",
        "info",
    ),
    (KerasUnsafeObject, KerasObject.KNOWN_DANGEROUS, "module.keras!/config.json", "", "critical"),
    (KerasUnsafeObject, KerasObject.KNOWN_DANGEROUS, "tfsm.keras!/config.json", "", "critical"),
    (KerasUnsafeObject, KerasObject.FOREIGN_MODULE, "custom.keras!/config.json", "", "high"),
    (KerasUnsafeObject, KerasObject.GADGET_FUNCTION, "gadget.keras!/config.json", "", "high"),
    (HubRemoteCode, RemoteCode.OWN_REPOSITORY, "remote/config.json", "auto_map", "medium"),
    (HubRemoteCode, RemoteCode.OTHER_REPOSITORY, "foreign/config.json", "auto_map", "high"),
    (PickleUnlistedGlobal, Shipped.LOADED, "unlisted/model.pkl", "pickle@0x2", "high"),
    (
        PickleUnlistedGlobal,
        Shipped.LOADED,
        "shipped/demo-1.0.tar.gz!/demo-1.0/demo/data/gadget.pkl",
        "pickle@0x2",
        "high",
    ),
    (
        PickleUnlistedGlobal,
        Shipped.NOT_LOADED,
        "shipped/demo-1.0.tar.gz!/demo-1.0/tests/data/old.pkl",
        "pickle@0x2",
        "medium",
    ),
    (
        PickleUnlistedGlobal,
        Shipped.OWN_MODULES,
        "shipped/demo-1.0.tar.gz!/demo-1.0/demo/data/state.pkl",
        "pickle@0x2",
        "low",
    ),
]


@pytest.mark.parametrize("code", sorted({rule.code for rule, *_ in ROWS}))
def test_every_row_is_exercised_at_its_severity(code: str, tmp_path: Path) -> None:
    rows = [row for row in ROWS if row[0].code == code]
    rule = rows[0][0]
    assert {context for _, context, *_ in rows} == set(rule.severities), "a row is untested"
    for _, context, path, _, severity in rows:
        assert rule.severity_in(context).label == severity, f"{path}: the table says otherwise"
    root, options = ruleharness.prepare(code, tmp_path)
    findings = ruleharness.run(root, options)
    expected = [
        ruleharness.Expectation(
            True,
            code,
            path,
            logical=logical or None,
            severity=severity,
        )
        for _, _, path, logical, severity in rows
    ]
    problems = ruleharness.check(root, findings, expected)
    assert not problems, "\n".join(problems)


def test_the_tables_keep_their_meaning() -> None:
    """Code that runs on load outranks data; a known-dangerous callable outranks custom code."""
    assert PickleMalformed.severity_in(PickleStream.EXECUTES_CODE) > PickleMalformed.severity_in(
        PickleStream.DATA_ONLY
    )
    assert KerasUnsafeObject.severity_in(
        KerasObject.KNOWN_DANGEROUS
    ) > KerasUnsafeObject.severity_in(KerasObject.FOREIGN_MODULE)
    assert HubRemoteCode.severity_in(RemoteCode.OTHER_REPOSITORY) > HubRemoteCode.severity_in(
        RemoteCode.OWN_REPOSITORY
    )
