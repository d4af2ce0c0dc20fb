"""outwork: a static security scanner for the doors automated attackers walk through."""

__version__ = "0.1.0"
