"""Names vulture cannot see used: the analyzers, loaded through the ``outwork.analyzers`` entry
points (pyproject.toml). Run: ``vulture src scripts/vulture_whitelist.py``."""

# ruff: noqa: B018 - a vulture whitelist is made of bare names

from outwork.analyzers.dependencies import DependencyAnalyzer
from outwork.analyzers.models import ModelAnalyzer
from outwork.analyzers.packages import PackageAnalyzer
from outwork.analyzers.pipelines import PipelineAnalyzer

DependencyAnalyzer
ModelAnalyzer
PackageAnalyzer
PipelineAnalyzer
