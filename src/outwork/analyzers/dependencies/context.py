"""The contexts a dependency finding is raised in: each VUL rule whose severity varies declares a
table over one of these enums (``Rule.severities``) and the analysis asks it."""

from __future__ import annotations

import enum


class Rating(enum.Enum):
    """The advisory's own rating: the CVSS qualitative scale of its highest-scoring vector, else
    the qualitative level its database states."""

    CRITICAL = "rated critical (CVSS 9.0-10.0, or CRITICAL)"
    HIGH = "rated high (CVSS 7.0-8.9, or HIGH)"
    MEDIUM = "rated medium (CVSS 4.0-6.9, or MODERATE/MEDIUM)"
    LOW = "rated low (CVSS 0.1-3.9, or LOW)"
    NONE = "rated none (CVSS 0.0)"
    UNRATED = "no CVSS vector and no qualitative level"


#: Ratings from least to most severe: of several qualitative levels, the worst one counts.
RATING_ORDER = (Rating.NONE, Rating.LOW, Rating.MEDIUM, Rating.HIGH, Rating.CRITICAL)


class Database(enum.Enum):
    """Why the advisory database cannot clear the dependencies."""

    MISSING = "no advisory database could be opened"
    NO_FEED = "the database holds no feed for the dependencies' ecosystem"
    STALE = "the database is older than the freshness limit, or holds no feed at all"
