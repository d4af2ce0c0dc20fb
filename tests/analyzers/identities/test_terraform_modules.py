"""Terraform read by module: values followed across the files of a folder and into the modules
it calls, unknown values reported and never guessed, hostile modules bounded with a note."""

# The Terraform below is written as real modules write it, one statement a line.
# ruff: noqa: E501

from __future__ import annotations

from pathlib import Path

from outwork.core.findings import Finding
from outwork.engine.pipeline import ScanOptions, scan

TRUST = (
    'jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", '
    'Action = "sts:AssumeRole", Principal = { Service = "lambda.amazonaws.com" } }] })'
)


def scanned(folder: Path, files: dict[str, str]) -> list[Finding]:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    result = scan([str(folder)], ScanOptions(jobs=1, cache_dir=None, select=("IAM",)))
    assert not result.errors, result.errors
    return result.findings


def codes(findings: list[Finding], code: str) -> list[Finding]:
    return [f for f in findings if f.code == code]


def test_a_policy_document_in_another_file_of_the_module_is_followed(tmp_path: Path) -> None:
    findings = scanned(
        tmp_path,
        {
            "users.tf": """
resource "aws_iam_user" "ops" {
  name = "ops"
}
resource "aws_iam_user_policy" "ops" {
  user   = aws_iam_user.ops.name
  policy = data.aws_iam_policy_document.self.json
}
""",
            "documents.tf": """
data "aws_iam_policy_document" "self" {
  statement {
    actions   = ["iam:AttachUserPolicy"]
    resources = ["arn:aws:iam::*:user/ops"]
  }
}
""",
        },
    )
    (escalation,) = codes(findings, "IAM004")
    assert escalation.location.path.endswith("documents.tf")
    assert escalation.location.line == 3
    assert escalation.subject.endswith(":user/ops")


def test_variables_locals_and_instances_name_each_identity(tmp_path: Path) -> None:
    findings = scanned(
        tmp_path,
        {
            "main.tf": """
variable "env" {
  default = "prod"
}
locals {
  names = { build = "b", deploy = "d" }
}
resource "aws_iam_user" "bot" {
  for_each = local.names
  name     = "${var.env}-${each.key}-${each.value}"
}
resource "aws_iam_user_policy" "bot" {
  for_each = local.names
  user     = aws_iam_user.bot[each.key].name
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "iam:PutUserPolicy", Resource = "arn:aws:iam::*:user/${var.env}-*" }]
  })
}
""",
        },
    )
    subjects = sorted(f.subject.rsplit("/", 1)[-1] for f in codes(findings, "IAM004"))
    assert subjects == ["prod-build-b", "prod-deploy-d"]
    assert {f.location.line for f in codes(findings, "IAM004")} == {17}


def test_count_behind_a_false_default_makes_nothing(tmp_path: Path) -> None:
    body = """
variable "enabled" {
  default = %s
}
resource "aws_iam_user" "u" {
  count = var.enabled ? 1 : 0
  name  = "u"
}
resource "aws_iam_user_policy" "u" {
  count  = var.enabled ? 1 : 0
  user   = aws_iam_user.u[0].name
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "iam:PutUserPolicy", Resource = "*" }] })
}
"""
    assert codes(scanned(tmp_path / "off", {"main.tf": body % "false"}), "IAM004") == []
    assert len(codes(scanned(tmp_path / "on", {"main.tf": body % "true"}), "IAM004")) == 1


def test_a_module_call_with_literal_arguments_joins_the_account(tmp_path: Path) -> None:
    findings = scanned(
        tmp_path,
        {
            "main.tf": """
module "admin" {
  source     = "./modules/role"
  name       = "functions-admin"
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}
module "reader" {
  source     = "./modules/role"
  name       = "reader"
  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
}
resource "aws_iam_user" "ci" {
  name = "ci"
}
resource "aws_iam_user_policy" "ci" {
  user = aws_iam_user.ci.name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Effect = "Allow", Action = "iam:PassRole", Resource = module.admin.role_arn },
      { Effect = "Allow", Action = ["lambda:CreateFunction", "lambda:InvokeFunction"], Resource = "*" },
    ]
  })
}
""",
            "modules/role/main.tf": f"""
variable "name" {{}}
variable "policy_arn" {{}}
resource "aws_iam_role" "this" {{
  name               = var.name
  assume_role_policy = {TRUST}
}}
resource "aws_iam_role_policy_attachment" "this" {{
  role       = aws_iam_role.this.name
  policy_arn = var.policy_arn
}}
output "role_arn" {{
  value = aws_iam_role.this.arn
}}
""",
        },
    )
    admins = {f.subject.rsplit("/", 1)[-1] for f in codes(findings, "IAM003")}
    assert admins == {"functions-admin"}  # ReadOnlyAccess, from the shipped AWS policies, is not
    (escalation,) = codes(findings, "IAM004")
    assert escalation.subject.endswith(":user/ci")
    assert escalation.location.path.endswith("/main.tf") and escalation.location.line == 20
    assert escalation.confidence.label == "high"
    # the module folder is read through its calls only, not a second time as a root
    assert not [f for f in findings if "var.name" in f.message]


def test_unknown_values_stay_unknown_and_are_reported(tmp_path: Path) -> None:
    findings = scanned(
        tmp_path,
        {
            "main.tf": f"""
variable "role_arn" {{}}
resource "aws_iam_role" "admin" {{
  name                = "admin"
  managed_policy_arns = ["arn:aws:iam::aws:policy/AdministratorAccess"]
  assume_role_policy  = {TRUST}
}}
resource "aws_iam_user" "ci" {{
  name = "ci"
}}
resource "aws_iam_user_policy" "ci" {{
  user = aws_iam_user.ci.name
  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [
      {{ Effect = "Allow", Action = "iam:PassRole", Resource = var.role_arn }},
      {{ Effect = "Allow", Action = ["lambda:CreateFunction", "lambda:InvokeFunction"], Resource = "*" }},
    ]
  }})
}}
""",
        },
    )
    (escalation,) = codes(findings, "IAM004")
    assert escalation.confidence.label == "medium"
    assert "var.role_arn" in escalation.message
    assert any("var.role_arn" in f.message for f in codes(findings, "IAM002"))


def test_cyclic_locals_are_reported_not_followed(tmp_path: Path) -> None:
    findings = scanned(
        tmp_path,
        {
            "main.tf": """
locals {
  a = local.b
  b = "${local.a}-x"
}
resource "aws_iam_user" "u" {
  name = local.a
}
""",
        },
    )
    assert any("defined in terms of itself" in f.message for f in codes(findings, "IAM002"))


def test_doubling_locals_hit_the_size_budget(tmp_path: Path) -> None:
    lines = ['  l0 = "xxxxxxxxxxxxxxxx"']
    lines += [f'  l{i} = "${{local.l{i - 1}}}${{local.l{i - 1}}}"' for i in range(1, 60)]
    findings = scanned(
        tmp_path,
        {
            "main.tf": "locals {\n" + "\n".join(lines) + "\n}\n"
            'resource "aws_iam_user" "u" {\n  name = local.l59\n}\n',
        },
    )
    assert any("budget" in f.message for f in codes(findings, "IAM002"))


def test_huge_counts_are_capped(tmp_path: Path) -> None:
    findings = scanned(
        tmp_path,
        {
            "main.tf": """
resource "aws_iam_user" "u" {
  count = 1000000
  name  = "u-${count.index}"
}
""",
        },
    )
    assert any("instances: the first 64 are read" in f.message for f in codes(findings, "IAM002"))


def test_modules_that_call_themselves_or_nest_too_deep_stop(tmp_path: Path) -> None:
    files = {
        "main.tf": 'module "again" {\n  source = "./"\n}\nmodule "deep" {\n  source = "./m0"\n}\n'
    }
    for i in range(12):
        files[f"{'/'.join(f'm{j}' for j in range(i + 1))}/main.tf"] = (
            f'module "next" {{\n  source = "./m{i + 1}"\n}}\n'
            'resource "aws_iam_user" "u" {\n  name = "u"\n}\n'
        )
    findings = scanned(tmp_path, files)
    notes = [f.message for f in codes(findings, "IAM002")]
    assert any("nested too deep or calls itself" in n for n in notes)


def test_an_aws_managed_policy_looked_up_by_name_is_evaluated(tmp_path: Path) -> None:
    findings = scanned(
        tmp_path,
        {
            "main.tf": f"""
data "aws_iam_policy" "admin" {{
  name = "AdministratorAccess"
}}
data "aws_iam_policy" "mine" {{
  name = "team-boundary"
}}
resource "aws_iam_role" "r" {{
  name               = "r"
  assume_role_policy = {TRUST}
}}
resource "aws_iam_role_policy_attachment" "admin" {{
  role       = aws_iam_role.r.name
  policy_arn = data.aws_iam_policy.admin.arn
}}
resource "aws_iam_role_policy_attachment" "mine" {{
  role       = aws_iam_role.r.name
  policy_arn = data.aws_iam_policy.mine.arn
}}
""",
        },
    )
    assert [f.subject.rsplit("/", 1)[-1] for f in codes(findings, "IAM003")] == ["r"]
    # the account's own policy of that name is not known: said so, not guessed
    assert any("data.aws_iam_policy.mine.arn" in f.message for f in codes(findings, "IAM002"))


def test_dynamic_statements_and_merged_documents_are_read(tmp_path: Path) -> None:
    base = """
variable "grants" {
  default = %s
}
data "aws_iam_policy_document" "base" {
  statement {
    sid       = "Read"
    actions   = ["s3:GetObject"]
    resources = ["*"]
  }
}
data "aws_iam_policy_document" "strip" {
  statement {
    sid       = "Grant"
    actions   = ["s3:ListBucket"]
    resources = ["*"]
  }
}
data "aws_iam_policy_document" "this" {
  source_policy_documents   = [data.aws_iam_policy_document.base.json]
  override_policy_documents = %s
  dynamic "statement" {
    for_each = var.grants
    iterator = grant
    content {
      sid       = "Grant"
      actions   = grant.value.actions
      resources = ["*"]
    }
  }
}
resource "aws_iam_user" "u" {
  name = "u"
}
resource "aws_iam_user_policy" "u" {
  user   = aws_iam_user.u.name
  policy = data.aws_iam_policy_document.this.json
}
"""
    grants = '[{ actions = ["iam:PutUserPolicy"] }]'
    found = codes(scanned(tmp_path / "dynamic", {"main.tf": base % (grants, "[]")}), "IAM004")
    assert [(f.location.line) for f in found] == [22]  # the dynamic block's line
    # the same grant replaced by an override of the same Sid: quiet
    overridden = base % (grants, "[data.aws_iam_policy_document.strip.json]")
    assert codes(scanned(tmp_path / "override", {"main.tf": overridden}), "IAM004") == []
    # a dynamic block over a value the module does not know: said so
    unknown = scanned(
        tmp_path / "unknown", {"main.tf": base.replace("default = %s", "type = any") % "[]"}
    )
    assert any('dynamic "statement" iterates' in f.message for f in codes(unknown, "IAM002"))


def test_functions_for_expressions_and_operators_build_the_policy(tmp_path: Path) -> None:
    findings = scanned(
        tmp_path,
        {
            "main.tf": """
variable "env" {
  default = "prod"
}
locals {
  services = { fn = "lambda.amazonaws.com", box = "ec2.amazonaws.com" }
  granted  = concat(["lambda:CreateFunction"], [for s in ["InvokeFunction", "GetFunction"] : "lambda:${s}" if s != "GetFunction"])
  role     = try(local.services.nothing, format("%s-%s", var.env, "admin"))
  prefix   = upper(substr_is_not_evaluated("x"))
  passes   = length(local.granted) == 2 && var.env != "dev" ? ["iam:PassRole"] : []
}
resource "aws_iam_role" "admin" {
  name                = local.role
  managed_policy_arns = ["arn:aws:iam::aws:policy/AdministratorAccess"]
  assume_role_policy  = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = lookup(local.services, "fn") } }] })
}
resource "aws_iam_user" "ci" {
  name = join("-", ["ci", var.env])
  tags = { prefix = local.prefix }
}
resource "aws_iam_user_policy" "ci" {
  user = aws_iam_user.ci.name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Effect = "Allow", Action = local.passes, Resource = [for r in [aws_iam_role.admin] : r.arn] },
      { Effect = "Allow", Action = local.granted, Resource = "*" },
    ]
  })
}
""",
        },
    )
    (escalation,) = codes(findings, "IAM004")
    assert escalation.subject.endswith(":user/ci-prod")
    assert escalation.confidence.label == "high"
    assert "prod-admin" in escalation.message
    notes = [f.message for f in codes(findings, "IAM002")]
    assert any("substr_is_not_evaluated" in n and "does not evaluate" in n for n in notes)
    assert not any("local.services.nothing" in n for n in notes)  # what try() passed over


def test_a_template_is_rendered_with_its_directives_and_placed_in_its_file(
    tmp_path: Path,
) -> None:
    template = """{
  "Version": "2012-10-17",
  "Statement": [
%{ for i, action in actions ~}
    {
      "Effect": "Allow",
      "Action": "${action}",
      "Resource": "arn:aws:iam::*:user/$${aws:username}"
    }%{ if i < length(actions) - 1 },%{ endif }
%{ endfor ~}
  ]
}
"""
    findings = scanned(
        tmp_path,
        {
            "main.tf": """
resource "aws_iam_user" "dev" {
  name = "dev"
}
resource "aws_iam_user_policy" "dev" {
  user   = aws_iam_user.dev.name
  policy = templatefile("${path.module}/self.tpl", { actions = ["iam:GetUser", "iam:AttachUserPolicy"] })
}
module "from_registry" {
  source  = "terraform-aws-modules/iam/aws//modules/iam-user"
  version = "6.0.0"
}
""",
            "self.tpl": template,
        },
    )
    (escalation,) = codes(findings, "IAM004")
    assert escalation.location.path.endswith("self.tpl")
    assert escalation.location.line == 6  # the Effect of the statement, in the template
    notes = [f.message for f in codes(findings, "IAM002")]
    assert any("module.from_registry comes from" in n and "not read" in n for n in notes)


def test_templates_no_module_renders_are_read_alone_and_broken_ones_reported(
    tmp_path: Path,
) -> None:
    written = '{\n  "Statement": [\n    {\n      "Effect": "Allow",\n      "Action": %s,\n      "Resource": "arn:aws:iam::${account}:user/*"\n    }\n  ]\n}\n'
    findings = scanned(
        tmp_path,
        {
            "fine.json.tpl": written % '["iam:CreateAccessKey", ${extra}]',
            # a comma missing whatever the values: broken as written
            "broken.json.tpl": written % '["iam:CreateAccessKey" "${extra}"]',
        },
    )
    assert [f.location.path.endswith("broken.json.tpl") for f in codes(findings, "IAM001")] == [
        True
    ]
    assert [f.location.path.endswith("fine.json.tpl") for f in codes(findings, "IAM004")] == [True]


def test_template_bombs_stop_within_the_budget(tmp_path: Path) -> None:
    bomb = "%{ for a in range(4000) }%{ for b in range(4000) }%{ for c in range(4000) }xxxxxxxx%{ endfor }%{ endfor }%{ endfor }"
    findings = scanned(
        tmp_path,
        {
            "main.tf": """
resource "aws_iam_user" "u" {
  name = "u"
}
resource "aws_iam_user_policy" "u" {
  user   = aws_iam_user.u.name
  policy = templatefile("${path.module}/bomb.tpl", {})
}
""",
            "bomb.tpl": '{"Statement": "' + bomb + '"}',
        },
    )
    notes = [f.message for f in codes(findings, "IAM002")]
    assert any("budget" in n for n in notes)


def test_typed_variables_nested_dynamic_blocks_and_nulls_read_as_terraform_does(
    tmp_path: Path,
) -> None:
    module = """
variable "name" {}
variable "subjects" {
  type    = list(string)
  default = []
}
variable "permissions" {
  type = map(object({
    actions        = optional(list(string))
    not_actions    = optional(list(string))
    resources      = optional(list(string), ["*"])
    not_principals = optional(list(object({ type = string, identifiers = list(string) })))
  }))
}
data "aws_iam_policy_document" "trust" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = ["arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }
    dynamic "condition" {
      for_each = length(var.subjects) > 0 ? [1] : []
      content {
        test     = "StringLike"
        variable = "token.actions.githubusercontent.com:sub"
        values   = [for s in var.subjects : "repo:${trimprefix(s, "repo:")}"]
      }
    }
  }
}
data "aws_iam_policy_document" "inline" {
  dynamic "statement" {
    for_each = var.permissions
    content {
      actions     = statement.value.actions
      not_actions = statement.value.not_actions
      resources   = statement.value.resources
      dynamic "not_principals" {
        for_each = statement.value.not_principals != null ? statement.value.not_principals : []
        content {
          type        = not_principals.value.type
          identifiers = not_principals.value.identifiers
        }
      }
    }
  }
}
resource "aws_iam_role" "this" {
  name               = var.name
  assume_role_policy = data.aws_iam_policy_document.trust.json
  inline_policy {
    name   = "inline"
    policy = data.aws_iam_policy_document.inline.json
  }
}
"""
    findings = scanned(
        tmp_path,
        {
            "modules/role/main.tf": module,
            "main.tf": """
module "pinned" {
  source      = "./modules/role"
  name        = "deploy"
  subjects    = ["repo:acme/app:ref:refs/heads/main"]
  permissions = { read = { actions = ["s3:GetObject"] } }
}
# its twin: no subject, so any repository's workflow may assume it
module "open" {
  source      = "./modules/role"
  name        = "open"
  permissions = { read = { actions = ["s3:GetObject"] } }
}
""",
        },
    )
    assert codes(findings, "IAM003") == []  # not_actions left out is null, not NotAction: []
    trusts = codes(findings, "IAM005")
    assert [f.subject.rsplit("/", 1)[-1] for f in trusts] == ["open"]
