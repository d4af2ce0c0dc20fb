"""MDL015: TensorFlow SavedModel graph operations that run Python or touch files, and the check
over the operations the protobuf scanner counted in the graph."""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping

from outwork.analyzers.models.policy import reason_table
from outwork.core.findings import Finding, finding
from outwork.core.rules import Confidence, Layer, Rule, Severity


class SavedModelDangerousOp(Rule):
    """A TensorFlow SavedModel graph uses operations that run Python or touch files.

    ## What it finds
    `PyFunc`, `EagerPyFunc`, `PyFuncStateless`, file I/O (`ReadFile`, `WriteFile`,
    `MatchingFiles`, `Save`, `SaveV2`-like writes outside checkpoints), and shell-like ops in
    `saved_model.pb` graph definitions and function libraries.

    ## Why it matters
    Serving a SavedModel runs its graph; these ops read secrets, write files or call back into
    Python chosen by the model's author.

    ## Example
    A graph node with `op: "WriteFile"` writing to `/root/.ssh/authorized_keys`.

    ## Remediation
    Inspect the graph (`saved_model_cli show --all`) and do not serve models with such ops.

    ## References
    - CWE-94: Improper Control of Generation of Code
    - TensorFlow security guide, "Using TensorFlow securely"
    """

    code = "MDL015"
    name = "savedmodel-dangerous-op"
    layer = Layer.MDL
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    cwe = (94, 73)
    inline_suppressible = False


@functools.cache
def savedmodel_ops() -> dict[str, str]:
    """Dangerous SavedModel operations and why (``data/savedmodel_ops.tsv``)."""
    return reason_table("savedmodel_ops.tsv")


def check_savedmodel_ops(ops: Mapping[str, int]) -> Iterator[Finding]:
    """One finding per listed operation the graph uses, with its count, in name order."""
    table = savedmodel_ops()
    for op, count in sorted(ops.items()):
        if op in table:
            yield finding(
                SavedModelDangerousOp,
                f"SavedModel graph uses {op} ({count}x): {table[op]}",
                logical=f"graph.op.{op}",
                evidence=op,
            )
