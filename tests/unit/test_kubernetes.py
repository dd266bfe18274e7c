"""deploy/kubernetes validates against Kubernetes' API schemas (kubernetes-validate ships
them: no cluster, no network), agrees with the services' settings and health endpoints,
and holds to the security review (issue 24): restricted Pod Security, images by version,
the admin port off the public Service, JWTs verified by public key, a Secret per service."""

from __future__ import annotations

import base64
import importlib
import json
import os
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from contracts.auth import TokenPolicy
from service_kit import services as service_kit
from service_kit.services import BY_NAME as BY_NAME_SPEC
from service_kit.services import callers_of

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
HERE = ROOT / "deploy" / "kubernetes"
# The API server's own Pod Security evaluator, in a small Go program (its README).
PODSECURITY = ROOT / "tests" / "contract_tools" / "podsecurity"
KUBERNETES_VERSION = "1.33.0"  # the oldest release still supported upstream when written
SERVICES = service_kit.SERVICES
BY_NAME = pytest.mark.parametrize("service", SERVICES, ids=[s.name for s in SERVICES])


def documents(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def applied() -> list[str]:
    """The files `kubectl apply -k` applies, and the Secrets' example."""
    kustomization = yaml.safe_load((HERE / "kustomization.yaml").read_text())
    return [*kustomization["resources"], "secrets.example.yaml"]


def resources() -> list[tuple[str, dict[str, Any]]]:
    return [(name, doc) for name in applied() for doc in documents(HERE / name)]


def of_kind(kind: str, name: str) -> dict[str, Any]:
    [found] = [d for _, d in resources() if d["kind"] == kind and d["metadata"]["name"] == name]
    return found


def pod(name: str) -> dict[str, Any]:
    spec: dict[str, Any] = of_kind("Deployment", name)["spec"]["template"]["spec"]
    return spec


def container(name: str) -> dict[str, Any]:
    [only] = pod(name)["containers"]
    return only


def secret_refs(service_name: str) -> dict[str, dict[str, Any]]:
    """The Deployment's variables from a Secret, by name: their secretKeyRef."""
    return {
        e["name"]: e["valueFrom"]["secretKeyRef"]
        for e in container(service_name)["env"]
        if "secretKeyRef" in e.get("valueFrom", {})
    }


def production_environment(service_name: str) -> dict[str, str]:
    """What the service's pod gets: the ConfigMap, its env, and a strong value of the
    operator's own for every key it takes from its Secret (a Fernet key fits each)."""
    env = dict(of_kind("ConfigMap", "share-links-config")["data"])
    for variable in container(service_name)["env"]:
        if "value" in variable:
            env[variable["name"]] = variable["value"]
    for name in secret_refs(service_name):
        env[name] = base64.urlsafe_b64encode(os.urandom(32)).decode()
    if "INTERNAL_CALLERS" in env:  # the digests of its callers' tokens, as JSON
        callers = callers_of(service_name)
        env["INTERNAL_CALLERS"] = json.dumps({name: os.urandom(32).hex() for name in callers})
    return env


def podsecurity(*arguments: str) -> subprocess.CompletedProcess[str]:
    """Run the Pod Security evaluator at the restricted level, latest version."""
    assert shutil.which("go"), "install Go (1.26 or later): the Pod Security check is in Go"
    return subprocess.run(
        ["go", "run", ".", "-level", "restricted", "-version", "latest", *arguments],
        cwd=PODSECURITY,
        capture_output=True,
        text=True,
        check=False,
    )


def test_kustomization_applies_every_manifest_but_the_secrets_example():
    listed = set(yaml.safe_load((HERE / "kustomization.yaml").read_text())["resources"])
    on_disk = {p.name for p in HERE.glob("*.yaml")} - {"kustomization.yaml"}
    assert on_disk - listed == {"secrets.example.yaml"}


@pytest.mark.parametrize(
    ("file", "document"),
    resources(),
    ids=[f"{f}:{d['kind']}/{d['metadata']['name']}" for f, d in resources()],
)
def test_manifest_is_valid_for_kubernetes(file: str, document: dict[str, Any]):
    try:
        kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError as error:
        pytest.fail(f"{file}: {document['kind']} {error.path}: {error.message}")


@BY_NAME
def test_each_service_has_a_deployment_a_service_and_an_autoscaler(service):
    deployment = of_kind("Deployment", service.name)
    exposed = of_kind("Service", service.name)
    autoscaler = of_kind("HorizontalPodAutoscaler", service.name)
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert exposed["spec"]["selector"].items() <= labels.items()
    assert autoscaler["spec"]["scaleTargetRef"]["name"] == service.name
    assert autoscaler["spec"]["minReplicas"] >= 2, "two at least: one may die"
    assert autoscaler["spec"]["maxReplicas"] > autoscaler["spec"]["minReplicas"]


@BY_NAME
def test_probes_ask_the_health_endpoints_on_the_services_port(service):
    spec = container(service.name)
    ports = {p["name"]: p["containerPort"] for p in spec["ports"]}
    assert ports["http"] == service.default_port
    env = {e["name"]: e.get("value") for e in spec["env"]}
    assert env[service.port_env] == str(service.default_port)
    assert spec["readinessProbe"]["httpGet"]["path"] == "/health/ready"
    assert spec["livenessProbe"]["httpGet"]["path"] == "/health/live"
    for probe in ("readinessProbe", "livenessProbe"):
        assert spec[probe]["httpGet"]["port"] == "http"


@BY_NAME
def test_resources_are_requested_and_limited(service):
    resources_ = container(service.name)["resources"]
    assert set(resources_["requests"]) == set(resources_["limits"]) == {"cpu", "memory"}


@BY_NAME
def test_every_setting_production_requires_comes_from_the_config_map_or_a_secret(service):
    settings = importlib.import_module(f"{service.module}.settings").Settings
    config = of_kind("ConfigMap", "share-links-config")["data"]
    spec = container(service.name)
    assert spec["envFrom"] == [{"configMapRef": {"name": "share-links-config"}}]
    secrets = {name: ref["key"] for name, ref in secret_refs(service.name).items()}
    given = set(config) | set(secrets) | {e["name"] for e in spec["env"]}
    if "AUTH_JWT_PUBLIC_KEY" in given:
        given.add("AUTH_JWT_SECRET")  # not read: the public key verifies (next tests)
    missing = {name.upper() for name in settings.required_in_production()} - given
    assert not missing, f"give {service.name} {sorted(missing)}"
    assert not set(settings.development_secrets) & set(config), "secrets go in the Secret"
    example = of_kind("Secret", f"{service.name}-secrets")["stringData"]
    assert set(secrets.values()) <= set(example), "secrets.example.yaml lists every key"


def test_config_map_names_only_settings_some_service_reads():
    read: set[str] = set()
    for service in SERVICES:
        settings = importlib.import_module(f"{service.module}.settings").Settings
        for name, field in settings.model_fields.items():
            read.add(str(field.validation_alias or name).upper())
    unread = set(of_kind("ConfigMap", "share-links-config")["data"]) - read
    assert not unread, f"no service reads {sorted(unread)}"


# The first run builds the evaluator (two to three minutes on two cores); later runs take 1 s.
@pytest.mark.timeout(900)
def test_every_pod_meets_the_restricted_pod_security_standard():
    checked = podsecurity("-kustomize", str(HERE))  # what `kubectl apply -k` applies
    assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.mark.timeout(900)
def test_the_pod_security_check_refuses_a_pod_the_standard_refuses(tmp_path: Path):
    root = tmp_path / "root.yaml"
    root.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": "root"},
                "spec": {"containers": [{"name": "root", "image": "busybox:1.37"}]},
            }
        )
    )
    checked = podsecurity(str(root))
    assert checked.returncode == 1, checked.stdout + checked.stderr
    assert "runAsNonRoot != true" in checked.stdout


@BY_NAME
def test_pod_runs_unprivileged_with_no_service_account_token(service):
    spec = pod(service.name)
    assert spec.get("automountServiceAccountToken") is False, "the services call no Kubernetes API"
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    hardened = container(service.name)["securityContext"]
    assert hardened["allowPrivilegeEscalation"] is False
    assert hardened["capabilities"] == {"drop": ["ALL"]}
    assert hardened["readOnlyRootFilesystem"] is True, "the services write nothing to disk"


def test_the_namespace_enforces_the_restricted_pod_security_standard():
    kustomization = yaml.safe_load((HERE / "kustomization.yaml").read_text())
    labels = of_kind("Namespace", kustomization["namespace"])["metadata"]["labels"]
    for mode in ("enforce", "audit", "warn"):
        assert labels[f"pod-security.kubernetes.io/{mode}"] == "restricted"


def test_no_image_is_latest_or_untagged():
    images = [
        c["image"]
        for _, d in resources()
        if d["kind"] in ("Deployment", "Job")
        for c in d["spec"]["template"]["spec"]["containers"]
        + d["spec"]["template"]["spec"].get("initContainers", [])
    ]
    assert images
    for image in images:
        _, _, tag = image.rpartition("/")[2].partition(":")
        assert tag and tag != "latest", f"{image}: name a version, so that a rollout is one"


@BY_NAME
def test_image_tag_is_the_services_package_version(service):
    pyproject = tomllib.loads((ROOT / "services" / service.name / "pyproject.toml").read_text())
    version = pyproject["project"]["version"]
    assert container(service.name)["image"] == f"share-links/{service.name}:{version}"


def test_the_gateways_admin_port_is_on_a_service_of_its_own_inside_the_cluster():
    admin = next(s for s in SERVICES if s.admin_port_env)
    ports = {p["name"]: p["containerPort"] for p in container(admin.name)["ports"]}
    internal = of_kind("Service", f"{admin.name}-admin")
    assert internal["spec"].get("type", "ClusterIP") == "ClusterIP", "never exposed outside"
    assert internal["spec"]["selector"] == of_kind("Service", admin.name)["spec"]["selector"]
    assert [p["targetPort"] for p in internal["spec"]["ports"]] == ["admin"]
    assert ports["admin"] == int(
        of_kind("ConfigMap", "share-links-config")["data"][admin.admin_port_env]
    )


def test_no_public_service_carries_an_admin_port():
    for _, document in resources():
        if document["kind"] != "Service" or document["metadata"]["name"].endswith("-admin"):
            continue
        targets = {p["targetPort"] for p in document["spec"]["ports"]}
        assert "admin" not in targets, (
            f"{document['metadata']['name']}: /metrics and /docs go on -admin"
        )


@BY_NAME
def test_no_service_holds_the_secret_that_mints_producer_tokens(service):
    assert "AUTH_JWT_SECRET" not in secret_refs(service.name)
    assert "AUTH_JWT_SECRET" not in {e["name"] for e in container(service.name)["env"]}
    for _, document in resources():
        assert "AUTH_JWT_SECRET" not in document.get("stringData", {}), "only the issuer has it"
        assert "AUTH_JWT_SECRET" not in document.get("data", {})


def test_producer_tokens_are_verified_with_a_public_key():
    key = of_kind("ConfigMap", "share-links-config")["data"]["AUTH_JWT_PUBLIC_KEY"]
    assert TokenPolicy(key).algorithms in (["EdDSA"], ["RS256"])


@BY_NAME
def test_settings_from_the_manifests_validate_in_production(service, monkeypatch):
    settings_class = importlib.import_module(f"{service.module}.settings").Settings
    for name, field in settings_class.model_fields.items():
        monkeypatch.delenv(str(field.validation_alias or name).upper(), raising=False)
    for name, value in production_environment(service.name).items():
        monkeypatch.setenv(name, value)
    settings = settings_class()
    assert settings.app_env == "production"
    assert settings.token_policy.algorithms == ["EdDSA"]


@BY_NAME
def test_each_service_has_its_own_principal_and_no_operator_credentials(service):
    # DESIGN §19: its own Kafka principal and Redis user; the operator's stay with whoever
    # runs `python -m service_kit.grants apply`.
    own = of_kind("Secret", f"{service.name}-secrets")["stringData"]
    assert own["KAFKA_SASL_USERNAME"] == own["REDIS_USERNAME"] == service.name
    env = production_environment(service.name)
    assert env["KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"
    assert not [name for name in env if "OPERATOR" in name]
    assert ("INTERNAL_API_TOKEN" in own) == bool(BY_NAME_SPEC[service.name].calls)
    assert ("INTERNAL_CALLERS" in own) == bool(callers_of(service.name))


@BY_NAME
def test_each_service_reads_only_a_secret_of_its_own(service):
    refs = secret_refs(service.name)
    assert refs, f"{service.name} takes its Kafka and Redis credentials at least"
    assert {ref["name"] for ref in refs.values()} == {f"{service.name}-secrets"}
    own = of_kind("Secret", f"{service.name}-secrets")["stringData"]
    assert set(own) == {ref["key"] for ref in refs.values()}, "no key the pod does not read"


def test_every_example_secret_belongs_to_one_service_or_the_grants_job():
    secrets = {d["metadata"]["name"] for _, d in resources() if d["kind"] == "Secret"}
    assert secrets == {f"{service.name}-secrets" for service in SERVICES} | {"grants-operator"}


def test_the_grants_job_makes_every_services_users_from_its_own_secret():
    # DESIGN §19: the job holds the operator's credentials; no service does.
    [job] = of_kind("Job", "grants")["spec"]["template"]["spec"]["containers"]
    assert job["command"] == ["python", "-m", "service_kit.grants", "apply"]
    pyproject = tomllib.loads((ROOT / "services/link-service/pyproject.toml").read_text())
    assert job["image"] == f"share-links/link-service:{pyproject['project']['version']}"
    refs = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in job["env"]}
    for spec in SERVICES:
        for key in (
            "KAFKA_SASL_USERNAME",
            "KAFKA_SASL_PASSWORD",
            "REDIS_USERNAME",
            "REDIS_PASSWORD",
        ):
            assert refs[f"{spec.env_prefix}_{key}"] == {"name": f"{spec.name}-secrets", "key": key}
    operator = {name for name, ref in refs.items() if ref["name"] == "grants-operator"}
    assert operator == {"KAFKA_OPERATOR_USERNAME", "KAFKA_OPERATOR_PASSWORD", "REDIS_OPERATOR_URLS"}
    readers = {ref["name"] for spec in SERVICES for ref in secret_refs(spec.name).values()}
    assert "grants-operator" not in readers


def test_nothing_reaches_a_pod_that_no_network_policy_lets_in():
    deny = of_kind("NetworkPolicy", "default-deny-ingress")["spec"]
    assert deny["podSelector"] == {} and deny["policyTypes"] == ["Ingress"]
    assert "ingress" not in deny


@BY_NAME
def test_a_service_is_reached_by_its_callers_and_labelled_namespaces_alone(service):
    policy = of_kind("NetworkPolicy", service.name)["spec"]
    assert policy["podSelector"]["matchLabels"] == {"app.kubernetes.io/name": service.name}
    if service.name == "gateway":  # public; its admin port for monitoring alone
        public, admin = policy["ingress"]
        assert "from" not in public and public["ports"] == [{"port": service.default_port}]
        assert admin["ports"] == [{"port": 8009}]
        assert admin["from"] == [
            {"namespaceSelector": {"matchLabels": {"share-links.io/monitoring": "true"}}}
        ]
        return
    [rule] = policy["ingress"]
    assert rule["ports"] == [{"port": service.default_port}]
    pods = {
        p["podSelector"]["matchLabels"]["app.kubernetes.io/name"]
        for p in rule["from"]
        if "podSelector" in p
    }
    # The console calls every back end's API (DESIGN §13); internal routes: the services table.
    assert pods == {"gateway", *callers_of(service.name)}
    namespaces = [
        p["namespaceSelector"]["matchLabels"] for p in rule["from"] if "namespaceSelector" in p
    ]
    assert namespaces == [
        {"share-links.io/api-client": "true"},
        {"share-links.io/monitoring": "true"},
    ]
