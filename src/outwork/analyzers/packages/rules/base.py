"""Severity by when code runs: the table every behaviour rule of the packages layer declares.

A behaviour rule's finding is graded by the context of the code that does the thing, never by
how that code is wrapped: install time weighs most, then a module's top level and what it
certainly runs (a function called at import weighs as the call does), then a function that
names alone tie to import time, then code that only runs when a user of the library calls it.
A rule whose findings differ in weight by what the code does (a command that fetches and runs
code against one that only starts a shell) declares one :class:`Variant` per case, each with
its own row of severities; the rule's page renders them all. A check names the variant it
raises; the scanner names the context; nothing else decides a severity.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

from outwork.analyzers.packages.signals import Context
from outwork.core.rules import Rule, Severity


class When(enum.Enum):
    """The execution context a finding's code runs in (the columns of a severity table)."""

    INSTALL = "install time"
    IMPORT = "import time"
    REACHABLE = "reached from import time"
    CALLED = "only when called"


#: What each context covers, as the rule pages explain it.
WHEN_HELP: Mapping[When, str] = {
    When.INSTALL: "setup.py and its command classes (not a function of it that nothing in it"
    " names, in a file that reads no namespace by a computed name: it runs only when called),"
    " in-tree build backends, the hooks a"
    " build backend runs from the source tree (hatchling's custom build and metadata hooks and"
    " code version source, pdm-backend's pdm_build.py, poetry-core's build script, setuptools'"
    " command classes named in pyproject.toml or setup.cfg), .pth"
    " files, npm install scripts, and the modules and functions they reach",
    When.IMPORT: "the top level of a module (class bodies included), and the functions it"
    " certainly runs: called by their own name (on any branch), handed to a thread, timer,"
    " executor or atexit, used as a decorator, decorated by a module function whose own body"
    " calls what it decorates, or the constructor of a module class it builds, and what those"
    " call the same way: it runs when the module is imported",
    When.REACHABLE: "a function that import-time code may reach only through an instance, a"
    " method or attribute name, or an alias (as far as names tell); a function an entry point"
    " names (console and GUI scripts, plugin groups such as MCP servers: it runs when the"
    " command or plugin host starts) and what it calls; a function of a submodule that the"
    " package's __init__.py or __main__.py imports by name and calls at its top level; the"
    " top level of a submodule that"
    " defines no function or class (a script, offering nothing to import) and that nothing"
    " of its package imports, names (as a word outside comments: modules, build"
    " configuration, entry points, .pth files) or starts, where no code run on import imports"
    " a computed name (it runs when its user imports or runs it by hand); for JavaScript, any"
    " function of a module loaded on import",
    When.CALLED: "code that only runs when a user of the library calls it",
}


def when(context: Context, *, in_function: bool) -> When:
    """The column of a severity table for code run in ``context``, inside a function or at the
    top level of its module (a function run at install time weighs as install time)."""
    if context is Context.INSTALL:
        return When.INSTALL
    if context is Context.IMPORT:
        return When.REACHABLE if in_function else When.IMPORT
    return When.CALLED


#: How a package archive's tests and examples weigh (the lowering is the archive reader's:
#: ``package._lower_for_tests``).
TEST_FILES = (
    "*test or example file* (under a folder named for tests, examples, docs, benchmarks, demos"
    " or samples that the package's own code does not import), and *script an sdist does not"
    " install* (its top folder is no regular package, not the distribution's import name, not"
    " named by `top_level.txt` or the build configuration, while the sdist holds a regular"
    " package; or it sits outside the one folder the build takes Python code from, maturin's"
    " `python-source`, and no `include` or `data` puts it in the wheel; or outside what"
    " scikit-build-core builds the wheel from when its CMake project is a subfolder"
    " (`cmake.source-dir`, the `wheel.packages` folders or the package found by the project's"
    " name, `sdist.include`, a metadata provider); and no other module imports or names it"
    " (for a module outside what the wheel holds: no module the wheel may hold, tests aside),"
    " starts it at install or declares it an entry point): import time two steps lower, the"
    " other rows one step lower, never below low; install time is never lowered."
)


@dataclass(frozen=True, slots=True)
class Variant:
    """One case of a rule, and its severity in each context. ``INFO`` means not raised."""

    summary: str
    install: Severity
    on_import: Severity
    reachable: Severity
    called: Severity
    #: The rule class that declares this variant (set when the class is created).
    rule: type[Rule] = field(init=False, repr=False, compare=False)

    def __set_name__(self, owner: type[Rule], name: str) -> None:
        object.__setattr__(self, "rule", owner)

    @property
    def severities(self) -> dict[When, Severity]:
        return {
            When.INSTALL: self.install,
            When.IMPORT: self.on_import,
            When.REACHABLE: self.reachable,
            When.CALLED: self.called,
        }

    def severity_in(self, when: When) -> Severity:
        return self.severities[when]


class BehaviourRule(Rule):
    """A rule whose severity is declared by context, with one row per :class:`Variant`.

    ``severities`` (the table :class:`~outwork.core.rules.Rule` knows) is the first variant's.
    """

    abstract = True
    variants: ClassVar[tuple[Variant, ...]] = ()

    def __init_subclass__(cls, **kwargs: object) -> None:
        cls.variants = tuple(v for v in vars(cls).values() if isinstance(v, Variant))
        if cls.variants:
            table: dict[enum.Enum, Severity] = dict(cls.variants[0].severities.items())
            cls.severities = table
        super().__init_subclass__(**kwargs)

    @classmethod
    def markdown(cls) -> str:
        page = super().markdown()
        if not cls.variants:
            return page
        plain = "\n".join(
            ["| context | severity |", "| --- | --- |"]
            + [f"| {ctx.value} | {sev.label} |" for ctx, sev in cls.severities.items()]
        )
        return page.replace(plain, severity_table(cls.variants), 1)


def severity_table(variants: tuple[Variant, ...]) -> str:
    """The variants as a markdown table: one row each, one column per context."""
    lines = [
        "| case | " + " | ".join(w.value for w in When) + " |",
        "| --- |" + " --- |" * len(When),
    ]
    for v in variants:
        cells = [("not raised" if s is Severity.INFO else s.label) for s in v.severities.values()]
        lines.append(f"| {v.summary} | " + " | ".join(cells) + " |")
    lines += ["", *(f"- *{w.value}*: {WHEN_HELP[w]}." for w in When), f"- {TEST_FILES}"]
    return "\n".join(lines)
