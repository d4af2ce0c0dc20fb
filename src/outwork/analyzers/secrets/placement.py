"""Where a candidate sits, and whether its value is a stand-in rather than a credential.

The false alarms that users of other scanners report are data here: placeholder values
(``<your-token>``, ``xxxx``, ``${TOKEN}``, AWS's ``...EXAMPLE``), hashes that lockfiles and SRI
attributes carry, UUIDs, identifiers (``accessTokenExpiry``), references to the environment,
and test fixtures that say their keys are fake. Being in a test file, or being called fake
there, lowers a finding's severity and the message says so; it never removes the finding.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from outwork.analyzers.secrets.formats import shannon_entropy

TEST_DIRS = frozenset(
    {
        "test",
        "tests",
        "testing",
        "spec",
        "specs",
        "__tests__",
        "__mocks__",
        "fixtures",
        "fixture",
        "testdata",
        "test_data",
        "test-data",
        "mocks",
    }
)
EXAMPLE_DIRS = frozenset({"examples", "example", "docs", "doc", "samples", "sample", "demo"})
#: Folder names that hold tests or their data under other spellings (grpc's ``test_creds``,
#: urllib3's ``dummyserver``, ``integration-tests``).
_TEST_DIR = re.compile(
    r"^(tests?[_-].*|.*[_-]tests?|testing[_-].*|unittests?|dummy.*|fake.*|mock.*|fixtures?[_-].*)$"
)
#: Folder names of documentation and examples under other spellings (``docs_src``,
#: ``tutorials``).
_EXAMPLE_DIR = re.compile(
    r"^(docs?[_-].*|documentation|examples?[_-].*|samples?[_-].*|demos?|tutorials?)$"
)
#: Files that carry a package's long description (its README) inside its metadata.
README_COPIES = frozenset({"pkg-info", "metadata", "description.rst"})
_TEST_FILE = re.compile(
    r"^(test_.*|.*_test|conftest|.*\.(test|spec)|.*_spec|tests?)\.[a-z0-9]+$", re.I
)
LOCK_NAMES = frozenset(
    {
        "poetry.lock",
        "uv.lock",
        "pipfile.lock",
        "pdm.lock",
        "package-lock.json",
        "npm-shrinkwrap.json",
        "yarn.lock",
        "pnpm-lock.yaml",
        "cargo.lock",
        "go.sum",
        "gemfile.lock",
        "composer.lock",
        "bun.lock",
        "packages.lock.json",
        "pubspec.lock",
        "mix.lock",
        "record",
    }
)
#: Words that call a value a stand-in, on its line, in its name, or at the head of its file.
_FAKE_WORDS = re.compile(
    r"(?<![a-z])(fake|dummy|example|sample|placeholder|redacted|mock|bogus|not[ _-]?(a[ _-]?)?real"
    r"|do[ _-]?not[ _-]?use|for[ _-]testing|testing[ _-]only|test[ _-]only)",
)
#: Substrings that make a value a stand-in whatever its structure (lower-cased).
_PLACEHOLDER_PARTS = (
    "xxxx",
    "****",
    "...",
    "…",
    "${",
    "{{",
    "}}",
    "<",
    ">",
    "%(",
    "your",
    "example",
    "changeme",
    "change_me",
    "placeholder",
    "redacted",
    "dummy",
    "sample",
    "insert",
    "replace",
    "secret_here",
    "token_here",
    "key_here",
    "0000000000",
    "1234567890",
    "abcdefghij",
)
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
_SRI = re.compile(r"^(sha1|sha256|sha384|sha512|md5)[-:=][A-Za-z0-9+/=_-]+$", re.I)
_HEX = re.compile(r"^[0-9a-f]+$", re.I)
#: Letters, separated by nothing or ``_ . -``: an identifier (``accessTokenExpiry``,
#: ``auth-token-header``), not a secret.
_WORDY = re.compile(r"^[A-Za-z]+(?:[_.\-:/][A-Za-z]+)*$")
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}|$)")
_CHUNKS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")


def wordiness(value: str) -> float:
    """The share of a value's letters and digits that sit in words of three letters or more
    (``V1SecretReference``: 15 of 17; ``Optional[str]``: all; a random key: almost none).
    Identifiers, class names and type annotations are made of words; keys are not."""
    chunks = _CHUNKS.findall(value)
    total = sum(len(c) for c in chunks)
    if not total:
        return 0.0
    return sum(len(c) for c in chunks if c.isalpha() and len(c) >= 3) / total


_REFERENCE = re.compile(
    r"^(\$|%|@|&|#|env\.|os\.|process\.env|settings\.|config\.|self\.|this\.|secrets\.|vars\."
    r"|\{|\[|\(|/|\./|~/|[a-z][a-z0-9+.-]*://)",
    re.I,
)


@dataclass(frozen=True, slots=True)
class FileContext:
    """What the path and head of a file say about every candidate in it."""

    test: bool
    example: bool
    lockfile: bool
    #: ``KEY=value`` files: .env, .ini, .cfg, .conf, .properties, YAML, TOML.
    config: bool
    minified: bool
    says_fake: bool


def file_context(member_path: str, head: str) -> FileContext:
    path = PurePosixPath(member_path.replace("\\", "/"))
    parts = [p.lower() for p in path.parts[:-1]]
    name = path.name.lower()
    test = (
        bool(TEST_DIRS.intersection(parts))
        or any(_TEST_DIR.match(p) for p in parts)
        or bool(_TEST_FILE.match(name))
    )
    example = (
        bool(EXAMPLE_DIRS.intersection(parts))
        or any(_EXAMPLE_DIR.match(p) for p in parts)
        or name.endswith((".md", ".rst", ".example", ".sample", ".template", ".dist"))
        or "example" in name
        or "sample" in name
        or name in README_COPIES
    )
    lockfile = name in LOCK_NAMES or name.endswith((".lock", ".sum"))
    minified = name.endswith((".min.js", ".min.css", ".bundle.js", ".map")) or _looks_minified(head)
    says_fake = bool(_FAKE_WORDS.search(_outside_base64(head[:4096].lower())))
    config = name.startswith(".env") or name.endswith(_CONFIG_SUFFIXES)
    return FileContext(test, example, lockfile, config, minified, says_fake)


_CONFIG_SUFFIXES = (
    ".env",
    ".ini",
    ".cfg",
    ".conf",
    ".properties",
    ".yaml",
    ".yml",
    ".toml",
    "rc",
    ".envrc",
)


def _looks_minified(head: str) -> bool:
    lines = head[:65536].splitlines() or [""]
    longest = max(len(line) for line in lines)
    return longest > 2000 and len(head[:65536]) / len(lines) > 500


def says_fake(text: str) -> bool:
    return bool(_FAKE_WORDS.search(_outside_base64(text.lower())))


#: A run of base64 long enough to be random bytes (a key's body, a token), across the line
#: breaks of a PEM body (also escaped, as in JSON). Short words turn up
#: in such runs by chance: one RSA-2048 PEM in about 350 holds ``xxxx`` or ``your`` somewhere
#: in its body, and one in 2,500 holds ``fake`` or ``mock``.
_BASE64_RUN = re.compile(r"(?:[a-z0-9+/=\r\n]|\\[rn]){40,}", re.I)
#: A placeholder part this long does not turn up in random base64 by chance (1 in 10^9 per
#: position), so it counts inside a run too; a run of one character is a mask at any length.
_LONG_PART = 6
_MASK_RUN = re.compile(r"(x)\1{7,}|(\*)\2{3,}")


def _outside_base64(text: str) -> str:
    """The text with its base64 runs blanked; a run of letters alone (one word per line) is
    words, not base64, and stays."""
    return _BASE64_RUN.sub(lambda run: " " if _NOT_LETTERS.search(run[0]) else run[0], text)


_NOT_LETTERS = re.compile(r"[0-9+/]")


def is_placeholder(value: str) -> bool:
    """A value that stands in for a credential: a template, a mask, an obvious sequence, or
    one character repeated. Inside a long base64 run (a key's body) only the parts that do not
    occur there by chance count."""
    lower = value.lower()
    outside = _outside_base64(lower)
    if any(part in outside for part in _PLACEHOLDER_PARTS):
        return True
    if any(len(part) >= _LONG_PART and part in lower for part in _PLACEHOLDER_PARTS):
        return True
    if _MASK_RUN.search(lower):
        return True
    if not value:
        return True
    top = max(value.count(char) for char in set(value))
    return top / len(value) > 0.4


def generic_rejection(value: str, name: str) -> str | None:
    """Why a value assigned to a secret-looking name is not a credential, or None.

    The reasons are the reports users file against entropy scanners: hashes, integrity strings,
    UUIDs, identifiers, references to where the secret really is."""
    if _UUID.match(value):
        return "a UUID"
    if _SRI.match(value):
        return "an integrity hash"
    if _REFERENCE.match(value):
        return "a reference, not a value"
    if _WORDY.match(value) or wordiness(value) >= 0.7:
        return "an identifier or words"
    if _TIMESTAMP.match(value):
        return "a date"
    if _HEX.match(value) and len(value) in (32, 40, 56, 64, 96, 128) and "hash" in name.lower():
        return "a hash"
    if any(c.isspace() for c in value):
        return "prose"
    letters = any(c.isalpha() for c in value)
    others = any(not c.isalpha() for c in value)
    if not (letters and others):
        return "one class of characters"
    floor = 3.0 if _HEX.match(value) else 3.5
    if shannon_entropy(value) < floor:
        return "low entropy"
    return None


_NOT_SECRET_NAME = re.compile(
    r"(_|-|\.|^)(file|path|url|uri|name|type|env|var|field|len|length|count|size|dir|header"
    r"|prefix|suffix|regex|re|pattern|format|fmt|endpoint|id|ids|hash|hashed|digest|salt|"
    r"expiry|expires|ttl|timeout|label|key_id|param|params|kind|class|mode|policy|provider"
    r"|source|location|method|scope|scopes|strength|min|max|validator|store|manager|attr"
    r"|ref|reference|selector|request|response|list|spec|details|info|status|version|date"
    r"|time|timestamp|at|used|last_used|updated|created|changed|reset|required|enabled|age"
    r"|projection|template|example|sample|placeholder)$"
    r"|^(max|min|num|n)_?tokens?|tokeni[sz]er|csrf|xsrf|^is_|^has_|^use_"
    r"|^(next|page|continuation|pagination|output|input|sync|resume|idempotency|cursor)_"
    r"|^(public|pub)_",
    re.I,
)
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def secret_name(name: str) -> bool:
    """Whether the key a value is assigned to names a secret (``api_key``, ``DB_PASSWORD``),
    and not something about one (``password_field``, ``token_url``, ``max_tokens``)."""
    bare = name.strip("\"'`[]")
    base = bare.rsplit(".", 1)[-1]
    if "." in bare and _CLASS_NAME.match(base):
        return False  # a qualified class name (``nacl.secret.SecretBox``), not a variable
    return not _NOT_SECRET_NAME.search(_CAMEL.sub("_", base).lower())


_CLASS_NAME = re.compile(r"^[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]+)+$")
