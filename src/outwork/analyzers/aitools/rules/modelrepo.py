"""Model repositories: what a model card tells its users to run, and files whose content is not
the format their names claim (read by :mod:`..modelrepo`)."""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator, Mapping
from typing import ClassVar

from outwork.analyzers.aitools.document import Document, Placement
from outwork.analyzers.aitools.intents import describe, negated
from outwork.analyzers.aitools.modelrepo import Folder
from outwork.analyzers.aitools.rules.instructions import FETCH_AND_RUN
from outwork.core.analyzer import Emitted
from outwork.core.findings import Fact, finding
from outwork.core.rules import Confidence, Layer, Rule, Severity


class CardContext(enum.Enum):
    """How far a card's instruction is from ordinary documentation."""

    HIDDEN = "hidden from a reader (an HTML comment, invisible characters)"
    INSECURE = "fetched over plain HTTP or from a bare IP address"
    ELSEWHERE = "trust_remote_code while the repository's config loads no code of its own"
    OTHER_REPOSITORY = "trust_remote_code, and the config's auto_map names another repository"
    DOCUMENTED = "visible set-up over HTTPS, or remote code this repository ships"


class ModelCardRunsCode(Rule):
    """A model card tells its users to run code: a download piped to a shell, an install
    from a URL, or `trust_remote_code=True`.

    ## What it finds

    In a model repository's `README.md` (a card with the Hub's front matter: `library_name`,
    `pipeline_tag`, `base_model`...): downloads piped into a shell or interpreter and the other
    download-and-run shapes of AI004, `pip install` from a git or HTTP URL, and
    `trust_remote_code=True`. The severity says how far it is from ordinary documentation:
    hidden from the reader (an HTML comment) or fetched over plain HTTP is high;
    `trust_remote_code=True` when the folder's `config.json` has no `auto_map` (the code would
    come from somewhere the repository does not show) or an `auto_map` into another repository
    is medium; visible HTTPS set-up and remote code the repository ships (MDL016 reports its
    modules) are low.

    ## Why it matters

    People copy a model card's snippet into a terminal or a notebook. A card that asks for
    `trust_remote_code=True` makes the loader import the repository's Python; one that pipes a
    download into `sh` runs whatever that server returns. Attackers publish look-alike models
    whose cards carry exactly these lines.

    ## Example

    ```markdown
    model = AutoModel.from_pretrained("acme/fast-llm", trust_remote_code=True)
    ```

    ## Remediation

    Read the code the card asks you to run; pin `revision=` to a reviewed commit; prefer
    models whose architecture ships with the library; install from pinned packages.

    ## References

    - https://huggingface.co/docs/hub/model-cards
    - https://huggingface.co/docs/transformers/en/models#custom-models
    - CWE-494
    """

    code = "AI040"
    name = "model-card-runs-code"
    layer = Layer.AI
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    cwe = (494, 829)
    attack = ("T1204",)
    inline_suppressible = False
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        CardContext.HIDDEN: Severity.HIGH,
        CardContext.INSECURE: Severity.HIGH,
        CardContext.OTHER_REPOSITORY: Severity.MEDIUM,
        CardContext.ELSEWHERE: Severity.MEDIUM,
        CardContext.DOCUMENTED: Severity.LOW,
    }


class Disguise(enum.Enum):
    """What a file named as a weights format holds instead."""

    PICKLE = "a pickle or PyTorch checkpoint under a name that claims a format loaded without it"
    POINTER = "a Git LFS pointer: the weights themselves were not fetched, so not scanned"


class ModelFileFormatContradictsName(Rule):
    """A model file's content is not the format its name claims.

    ## What it finds

    A pickle or a PyTorch checkpoint (a zip holding `data.pkl`) named `.safetensors`, `.gguf`,
    `.onnx`, `.msgpack`, `.h5`, `.keras` or `.tflite`, formats whose loaders never unpickle;
    and a Git LFS pointer file where the weights should be (low: what was scanned is the
    pointer, not the model).

    ## Why it matters

    Tools and people trust the name: a reviewer who sees `model.safetensors` assumes no code
    runs at load, and a scanner that picks its parser by name skips the pickle. Loaders that
    sniff the content, or a later rename, unpickle it. The models layer analyses the content
    whatever the name (MDL001 and the others report a payload); this rule reports the lie.

    ## Example

    A `model.safetensors` whose first bytes are `\\x80\\x04\\x95` (a pickle).

    ## Remediation

    Do not load it; obtain the file from its publisher and compare digests. For pointers,
    fetch the LFS objects (`git lfs pull`) and scan again.

    ## References

    - https://huggingface.co/docs/safetensors/index
    - https://git-lfs.com/
    - CWE-434
    """

    code = "AI041"
    name = "model-file-format-contradicts-name"
    layer = Layer.AI
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    cwe = (434, 506)
    inline_suppressible = False
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        Disguise.PICKLE: Severity.HIGH,
        Disguise.POINTER: Severity.LOW,
    }


_I = re.I
_INSECURE = re.compile(r"http://|(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?![\w.])")
#: Card-specific shapes beside AI004's download-and-run table.
_CARD_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("install a package from a URL", re.compile(
        r"\bpip3?\s+install\b[^\n`]{0,120}?(?:git\+(?:https?|ssh)://|https?://)\S+", _I)),
    ("load the model with trust_remote_code=True", re.compile(
        r"\btrust_remote_code\s*=\s*True\b|--trust[-_]remote[-_]code\b", _I)),
)  # fmt: skip


def check_card(doc: Document, folder: Folder, path: str) -> Iterator[Emitted]:
    """Every AI040 finding of one model card."""
    rows = [(intent.what, intent.pattern) for intent in FETCH_AND_RUN[1:]]
    seen: set[int] = set()
    remote = False
    for what, pattern in [*rows, *_CARD_PATTERNS]:
        for match in pattern.finditer(doc.text):
            placement = doc.placement(match.start())
            if placement is not Placement.HIDDEN and negated(doc.text, match.start()):
                continue
            line, column = doc.position(match.start())
            if line in seen:
                continue
            seen.add(line)
            context = _context(doc, match, placement, folder, what)
            remote = remote or "trust_remote_code" in what
            yield finding(
                ModelCardRunsCode,
                f"the model card tells its users to {what} ({context.value}):"
                f" «{describe(doc, match.start(), match.end())}»",
                line=line,
                column=column,
                severity=ModelCardRunsCode.severity_in(context),
                evidence=describe(doc, match.start(), match.end()),
                properties={"placement": placement.name.lower(), "remote_code": folder.remote_code},
            )
    if remote and folder.remote_code not in ("own", "other"):
        # with an auto_map, the folder's config.json already gives MDL016 and these facts
        model = f"model:{path.rsplit('/', 1)[0] if '/' in path else path}"
        yield Fact("entry:model-hub", "provides", model, proof=path)
        yield Fact(model, "executes-on-load", "jewel:host-code-execution", proof=f"{path} (card)")


def _context(
    doc: Document, match: re.Match[str], placement: Placement, folder: Folder, what: str
) -> CardContext:
    if placement is Placement.HIDDEN:
        return CardContext.HIDDEN
    if _INSECURE.search(match.group()):
        return CardContext.INSECURE
    if "trust_remote_code" in what:
        if folder.remote_code == "other":
            return CardContext.OTHER_REPOSITORY
        if folder.remote_code == "none":
            return CardContext.ELSEWHERE
    return CardContext.DOCUMENTED


def check_disguise(name: str, disguise: Disguise) -> Iterator[Emitted]:
    what = "pickle" if disguise is Disguise.PICKLE else "Git LFS pointer"
    yield finding(
        ModelFileFormatContradictsName,
        f"«{name}» holds a {what}, not the format its name claims: {disguise.value}",
        logical="content",
        severity=ModelFileFormatContradictsName.severity_in(disguise),
        properties={"holds": disguise.name.lower()},
    )
