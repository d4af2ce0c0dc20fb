"""``python -m outwork``."""

from outwork.cli.main import main

raise SystemExit(main())
