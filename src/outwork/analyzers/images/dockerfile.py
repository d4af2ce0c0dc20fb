"""Dockerfiles and Containerfiles, parsed as BuildKit reads them: parser directives, comments,
line continuations (``\\`` or the ``escape`` directive's character), heredocs skipped, one
instruction per logical line with the line it starts on, and stages split at ``FROM``."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

#: Logical lines read from one file.
MAX_INSTRUCTIONS = 20_000
_DIRECTIVE = re.compile(r"^#\s*(\w+)\s*=\s*(\S+)\s*$")
_HEREDOC = re.compile(r"<<-?\s*['\"]?(\w+)['\"]?")
DOCKERFILE_NAMES = re.compile(
    r"^(?:(?:docker|container)file(?:\.[\w.-]+)?|[\w.-]+\.(?:docker|container)file)$", re.I
)


@dataclass(frozen=True, slots=True)
class Instruction:
    keyword: str  # upper case
    arguments: str
    line: int


@dataclass(slots=True)
class Stage:
    base: str
    name: str
    line: int
    instructions: list[Instruction] = field(default_factory=list)


def is_dockerfile(name: str) -> bool:
    return bool(DOCKERFILE_NAMES.match(name))


def parse(text: str) -> list[Stage]:
    """The stages of a Dockerfile; instructions before the first ``FROM`` (``ARG``) go to a
    stage with an empty base."""
    lines = text.splitlines()
    escape = "\\"
    start = 0
    for index, raw in enumerate(lines):
        match = _DIRECTIVE.match(raw)
        if not match:
            break
        if match.group(1).lower() == "escape" and match.group(2) in ("\\", "`"):
            escape = match.group(2)
        start = index + 1
    stages = [Stage("", "", 0)]
    count = 0
    index = start
    while index < len(lines) and count < MAX_INSTRUCTIONS:
        first = index
        raw = lines[index]
        index += 1
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        parts = [stripped]
        while parts[-1].endswith(escape) and index < len(lines):
            parts[-1] = parts[-1][: -len(escape)]
            following = lines[index].strip()
            index += 1
            if following.startswith("#"):
                parts.append("")
                continue
            parts.append(following)
        logical = " ".join(p for p in parts if p)
        heredoc = _HEREDOC.search(logical)
        if heredoc is not None:  # the heredoc's body is data for the instruction
            end = heredoc.group(1)
            body = []
            while index < len(lines) and lines[index].strip() != end:
                body.append(lines[index])
                index += 1
            index += 1
            logical += "\n" + "\n".join(body)
        keyword, _, arguments = logical.partition(" ")
        instruction = Instruction(keyword.upper(), arguments.strip(), first + 1)
        count += 1
        if instruction.keyword == "FROM":
            words = [w for w in instruction.arguments.split() if not w.startswith("--")]
            base = words[0] if words else ""
            name = words[2] if len(words) >= 3 and words[1].lower() == "as" else ""
            stages.append(Stage(base, name, instruction.line))
        stages[-1].instructions.append(instruction)
    return stages


_BUILDKIT_MARK = re.compile(r"\s*#\s*buildkit\s*$")
#: What a builder writes before a shell-form RUN's command in the history: ``RUN``, BuildKit's
#: build arguments (``|2 A=1 B=2``), flags (``--mount=...``), the shell (``/bin/sh -c``).
_STEP_PREFIX = re.compile(
    r"^(?:RUN\s+)?(?:\|\d+(?:\s+[\w.-]+=\S*)*\s+)?(?:--[\w-]+(?:=\S*)?\s+)*"
    r"(?:/bin/(?:ba)?sh\s+-c\s+)?"
)


def build_step(command: str) -> str:
    """A shell-form ``RUN`` command as a builder records it in an image's history and as a
    Dockerfile writes it, in one form (prefixes and whitespace dropped), to tell whether an
    image was built from a Dockerfile; "" for what is not a shell-form ``RUN`` (exec form,
    the classic builder's ``#(nop)`` metadata steps)."""
    text = _BUILDKIT_MARK.sub("", command.strip())
    if "#(nop)" in text:
        return ""
    text = _STEP_PREFIX.sub("", text, count=1).strip()
    if text.startswith("["):
        return ""
    return " ".join(text.split())
