"""A third-party outwork analyzer: a ``.pypirc`` that holds a password or API token.

A ``.pypirc`` configures ``twine upload``. Shipped inside a package, an image or a repository, the
token in it lets anyone who reads the file publish releases of every project it covers.
"""

from __future__ import annotations

from collections.abc import Iterable

from outwork.core.analyzer import AnalysisContext, Analyzer, Emitted
from outwork.core.artifact import Artifact, Kind
from outwork.core.findings import finding
from outwork.core.rules import Confidence, Layer, Rule, Severity


class PypircCredentials(Rule):
    """A `.pypirc` file holds a package-index password or API token.

    ## What it finds
    A `.pypirc` with a `password` in any of its index sections.

    ## Why it matters
    The token publishes releases: whoever reads the file can replace the project's next release.

    ## Example
    ```ini
    [pypi]
    username = __token__
    password = pypi-AgEIcHlwaS5vcmc...
    ```

    ## Remediation
    Revoke the token, remove the file from what is shipped, and upload with trusted publishing.

    ## References
    - https://packaging.python.org/en/latest/specifications/pypirc/
    """

    code = "PKG900"
    name = "pypirc-upload-credentials"
    layer = Layer.PKG
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    cwe = (522,)
    inline_suppressible = False


class PypircAnalyzer(Analyzer):
    name = "pypirc"
    version = "1"
    layer = Layer.PKG
    kinds = frozenset({Kind.TEXT})
    rules = (PypircCredentials,)

    def accepts(self, artifact: Artifact) -> bool:
        return artifact.name == ".pypirc"

    def analyze(self, artifact: Artifact, context: AnalysisContext) -> Iterable[Emitted]:
        section = ""
        for number, raw in enumerate(artifact.text().splitlines(), start=1):
            text = raw.strip()
            if text.startswith("[") and text.endswith("]"):
                section = text[1:-1].strip()
                continue
            key, sep, value = text.partition("=")
            if section and sep and key.strip().lower() == "password" and value.strip():
                yield finding(
                    PypircCredentials,
                    f"index [{section}] has its upload password in the file",
                    line=number,
                    logical=f"{section}.password",
                )
