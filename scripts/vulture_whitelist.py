"""Names vulture cannot see used. Run: ``vulture`` (its paths and the dispatch-table patterns are
in pyproject.toml's ``[tool.vulture]``: check classes register by subclassing, the constant
folder dispatches ``_fold_<node>`` by name, ``job_end`` is a check hook the scanner calls, and
the dependencies parsers are named ``module:parse_<format>`` in their table)."""

# ruff: noqa: B018 - a vulture whitelist is made of bare names

from types import SimpleNamespace

from outwork.analyzers.aitools import AIToolsAnalyzer
from outwork.analyzers.crypto import CryptoAnalyzer
from outwork.analyzers.crypto.rules import (
    certificates,
    keys,
    randomness,
    tls,
    tokens,
    weak_algorithms,
)
from outwork.analyzers.dependencies import DependencyAnalyzer
from outwork.analyzers.identities import IdentityAnalyzer
from outwork.analyzers.images import ImageAnalyzer
from outwork.analyzers.models import ModelAnalyzer
from outwork.analyzers.packages import PackageAnalyzer
from outwork.analyzers.pipelines import PipelineAnalyzer
from outwork.analyzers.secrets import SecretAnalyzer, SecretHistoryAnalyzer

# The analyzers, loaded through the ``outwork.analyzers`` entry points.
AIToolsAnalyzer
CryptoAnalyzer
DependencyAnalyzer
IdentityAnalyzer
ImageAnalyzer
ModelAnalyzer
PackageAnalyzer
PipelineAnalyzer
SecretAnalyzer
SecretHistoryAnalyzer

# The crypto layer's checks register themselves with ``@check`` (rules/base.py).
certificates.check_expiry
keys.check_keys
randomness.check_random
tls.check_tls
tokens.check_unsigned
weak_algorithms.check_weak_algorithms

_ = SimpleNamespace()
# Named as ``module:function`` in outwork.report.RENDERERS.
_.render_text
# The commands' arguments and runners, named as ``module:function`` in outwork.cli.main.COMMANDS.
_.add_diff_arguments
_.add_db_arguments
_.add_watch_arguments
_.add_serve_arguments
_.add_token_arguments
_.run_diff
_.run_db
_.run_watch
_.run_serve
_.run_token
# Protocols others call: io's readinto/readable (sources.reader), py7zr's WriterFactory.create,
# PyYAML's resolver signature (its ``implicit`` argument).
_.readinto
_.readable
_.create
_.implicit
# cyclonedx-python-lib's crypto properties, set by report/cbom.py and read by its serializer.
_.signature_algorithm_ref
_.subject_public_key_ref
_.algorithm_ref
# urllib's redirect protocol (the secrets layer's verifier refuses every redirect).
_.redirect_request
# Read by Rule.__init_subclass__ from the class dict: marks a base class that declares no rule.
_.abstract
# A field of the zip end record as parsed (what the archive declares; not read yet).
_.declared_entries
# Read by shlex.shlex: words split at whitespace only (CI037 reads shell commands).
_.whitespace_split
_.commenters  # shlex: the AI layer splits shell lines with comments dropped
# The identities layer's checks, registered by the @aws_check decorator.
_.check_administrators
_.check_escalation
_.check_not_evaluable
_.check_trust
_.check_public_resources
_.check_cluster_admins
_.check_aws_auth
_.check_unknown
_.check_gcp_escalation
_.check_everyone
_.check_gcp_unreadable
# The short report formats, named as module:function in outwork.report.RENDERERS.
_.render_concise
_.render_github
_.render_markdown
_.render_gitlab
_.render_junit
# PEP 562 module attribute hook: outwork.scan and outwork.failed imported on first use.
_.__getattr__
# The results store's public interface (outwork.store.results), read by `outwork serve`, the
# watchers and library users; its records' timestamps are for them.
_.schema_version
_.create_scan
_.start_scan
_.set_detail
_.fail_scan
_.get_scan
_.scans
_.verdicts
_.set_position
_.submitted_at
_.started_at
_.finished_at
_.found_at
_.decided_at
