"""SEC008: text the secrets layer could not read whole."""

from __future__ import annotations

from outwork.core.rules import Confidence, Layer, Rule, Severity


class SecretScanIncomplete(Rule):
    """Part of a text was not searched for credentials: it is larger than the layer's budget,
    or holds more keyword occurrences than it follows.

    ## What it finds
    Text files past the size the secrets layer reads (the rest is not searched), and files
    with so many candidate keywords that the scan stopped following them. Binary files are not
    text and are not reported here.

    ## Why it matters
    A scanner's limits are a hiding place: a credential pushed past them would otherwise be
    silently missed. The finding keeps the blind spot visible.

    ## Example
    A 40 MB generated JSON file whose last line holds a token.

    ## Remediation
    Look at the file by hand, or scan it with larger limits if it is trusted.

    ## References
    - CWE-400: Uncontrolled Resource Consumption
    """

    code = "SEC008"
    name = "secret-scan-incomplete"
    layer = Layer.SEC
    severity = Severity.LOW
    confidence = Confidence.HIGH
    cwe = (400,)
    quotes_source = False
    inline_suppressible = False
