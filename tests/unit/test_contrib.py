"""contrib/container and contrib/kubernetes hold together: the manifests parse, the
ConfigMap's configuration loads, the Deployment's flags exist, the IAM policy lets the
pods assume every role the configuration names and use the lease table, and the image
runs as a non-root user with no credentials in it. (Docker and a cluster are not
available here: this is what can be checked without them.)"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest

from dynamic_dynamodb.config import options
from dynamic_dynamodb.config.loader import from_command_line
from dynamic_dynamodb.errors import ConfigError

yaml = pytest.importorskip("yaml")

ROOT = Path(__file__).resolve().parents[2]
KUBE = ROOT / "contrib" / "kubernetes"
DOCKERFILE = ROOT / "contrib" / "container" / "Dockerfile"
# The lease coordinator's options (issue 14, item 3), named by the example before its
# branch is merged; once the registry knows them they are checked like any other.
LEASE_OPTIONS = {"lease-table", "lease-duration", "worker-id"}


def manifests() -> dict[str, dict[str, Any]]:
    found = {}
    for path in sorted(KUBE.glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text()):
            found[document["kind"]] = document
    return found


def not_yet_registered(name: str) -> bool:
    known = {spec.name for spec in options.ALL_OPTIONS}
    return name in LEASE_OPTIONS and name not in known


def test_every_manifest_parses_and_kustomize_lists_them_all():
    kustomization = yaml.safe_load((KUBE / "kustomization.yaml").read_text())

    assert sorted(kustomization["resources"]) == sorted(
        path.name for path in KUBE.glob("*.yaml") if path.name != "kustomization.yaml")
    assert {"Namespace", "ServiceAccount", "ConfigMap", "Deployment",
            "PodDisruptionBudget"} <= set(manifests())


def test_two_replicas_run_as_non_root_with_the_pod_name_as_worker_id():
    deployment = manifests()["Deployment"]
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]

    assert deployment["spec"]["replicas"] == 2
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    args = container["args"]
    assert args[args.index("--worker-id") + 1] == "$(POD_NAME)"
    env = {item["name"]: item for item in container["env"]}
    assert env["POD_NAME"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name"
    assert pod["serviceAccountName"] == manifests()["ServiceAccount"]["metadata"]["name"]
    annotations = manifests()["ServiceAccount"]["metadata"]["annotations"]
    assert re.fullmatch(r"arn:aws:iam::\d{12}:role/.+", annotations["eks.amazonaws.com/role-arn"])


def test_the_deployments_flags_exist():
    (container,) = manifests()["Deployment"]["spec"]["template"]["spec"]["containers"]
    flags = {arg[2:] for arg in container["args"] if arg.startswith("--")}
    known = {spec.name for spec in options.flags()} | {"config", "metrics-port"}

    assert {flag for flag in flags - known if not not_yet_registered(flag)} == set()


def config_text() -> str:
    return str(manifests()["ConfigMap"]["data"]["dynamic-dynamodb.conf"])


def test_the_configmaps_configuration_loads(tmp_path):
    path = tmp_path / "dynamic-dynamodb.conf"
    path.write_text(config_text())
    try:
        config = from_command_line(None, {}, {}, {}, config_file=str(path))
    except ConfigError as exc:
        assert all(problem.option and not_yet_registered(problem.option)
                   for problem in exc.problems), exc.report()
        return
    assert [account.name for account in config.accounts] == ["prod", "staging"]


def test_the_pods_may_assume_every_role_the_configuration_names_and_use_the_lease_table():
    policy = json.loads((KUBE / "iam" / "controller-policy.json").read_text())
    allowed: dict[str, set[str]] = {}
    for statement in policy["Statement"]:
        actions = statement["Action"] if isinstance(statement["Action"], list) \
            else [statement["Action"]]
        resources = statement["Resource"] if isinstance(statement["Resource"], list) \
            else [statement["Resource"]]
        for action in actions:
            allowed.setdefault(action, set()).update(resources)

    roles = set(re.findall(r"role-arn:\s*(\S+)", config_text()))
    (table,) = re.findall(r"lease-table:\s*(\S+)", config_text())
    assert roles and roles <= allowed["sts:AssumeRole"]
    for action in ("CreateTable", "DescribeTable", "GetItem", "PutItem", "UpdateItem",
                   "DeleteItem", "Scan", "Query"):
        assert any(arn.endswith(f":table/{table}") for arn in allowed[f"dynamodb:{action}"])


def test_each_account_role_trusts_the_controller_with_an_external_id():
    trust = json.loads((KUBE / "iam" / "account-role-trust-policy.json").read_text())
    annotations = manifests()["ServiceAccount"]["metadata"]["annotations"]
    (statement,) = trust["Statement"]

    assert statement["Principal"]["AWS"] == annotations["eks.amazonaws.com/role-arn"]
    assert statement["Condition"]["StringEquals"]["sts:ExternalId"] in config_text()
    account_policy = json.loads((KUBE / "iam" / "account-role-policy.json").read_text())
    actions = {action for s in account_policy["Statement"]
               for action in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    assert {"dynamodb:ListTables", "dynamodb:DescribeTable", "dynamodb:UpdateTable",
            "cloudwatch:GetMetricData"} <= actions


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            found.append((word.upper(), rest.strip()))
    return found


def test_the_image_runs_the_autoscaler_in_the_foreground_as_non_root_without_secrets():
    steps = dockerfile_instructions()
    final_stage = steps[max(i for i, (word, _) in enumerate(steps) if word == "FROM"):]
    users = [rest for word, rest in final_stage if word == "USER"]
    env = " ".join(rest for word, rest in steps if word in ("ENV", "ARG"))

    assert users and users[-1].split(":")[0] not in ("0", "root")
    assert "AWS_" not in env  # credentials come from the environment or a role at run time
    entrypoint = json.loads(dict(final_stage)["ENTRYPOINT"])
    command = json.loads(dict(final_stage)["CMD"])
    assert entrypoint == ["dynamic-dynamodb"]
    assert "--daemon" not in command  # the foreground process itself, no pid file
    config_path = command[command.index("--config") + 1]
    (container,) = manifests()["Deployment"]["spec"]["template"]["spec"]["containers"]
    mount = next(m for m in container["volumeMounts"] if m["name"] == "config")
    assert config_path == f"{mount['mountPath']}/dynamic-dynamodb.conf"
    assert shlex.split(dict(final_stage)["EXPOSE"]) == ["9153"]
