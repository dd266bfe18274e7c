"""docker-compose.yml, .env.example and the service Dockerfiles agree with each other and the code.

No Docker engine runs here, so the compose file is checked as data (DESIGN.md §2) and loaded
with Docker Compose's own loader (tests/contract_tools/compose).
"""

from __future__ import annotations

import difflib
import importlib
import json
import re
import shutil
import subprocess
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft7Validator
from service_kit import services as service_kit

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
COMPOSE_SCHEMA = ROOT / "tests" / "schemas" / "compose-spec.json"


@dataclass(frozen=True)
class Service:
    name: str  # compose service and directory under services/; its package is sharelinks-<name>
    module: str
    port: int
    port_var: str
    also_waits_for: tuple[str, ...] = ()


# Besides Kafka and Redis, whom each service waits for in compose.
WAITS_FOR = {"gateway": ("link-service", "dropbox-service"), "notify-service": ("smtp",)}
SERVICES = [
    Service(s.name, s.module, s.default_port, s.port_env, WAITS_FOR.get(s.name, ()))
    for s in service_kit.SERVICES
]
BY_NAME = pytest.mark.parametrize("service", SERVICES, ids=[s.name for s in SERVICES])
INFRASTRUCTURE = ("kafka", "redis")
SECRET_NAME = re.compile(r"(SECRET|TOKEN|PASSWORD|_KEY)$")
# ${VAR}, ${VAR:-default}, ${VAR:?error} and $VAR; $$ is a literal dollar.
COMPOSE_VARIABLE = re.compile(r"(?<!\$)\$(?:\{([A-Za-z_]\w*)|([A-Za-z_]\w*))")
# NAME=value sets a variable; #NAME=value shows an optional one at its default.
ENV_ASSIGNMENT = re.compile(r"^#?([A-Z][A-Z0-9_]*)=(.*)$")
PER_SERVICE_DOCKERFILE_LINE = re.compile(r"^(ARG SERVICE=|ARG PORT=|CMD )")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded = yaml.safe_load(COMPOSE_FILE.read_text())
    assert isinstance(loaded, dict), "docker-compose.yml must be a YAML mapping"
    return loaded


@pytest.fixture(scope="module")
def env_example() -> list[str]:
    return ENV_EXAMPLE.read_text().splitlines()


def environment_of(compose: dict[str, Any], name: str) -> dict[str, str]:
    environment = compose["services"][name].get("environment", {})
    assert isinstance(environment, dict), f"write {name}'s environment as a mapping"
    return {key: str(value) for key, value in environment.items()}


def strings_in(node: Any) -> Iterator[str]:
    """Every string, key or value, anywhere in a loaded YAML document."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from strings_in(key)
            yield from strings_in(value)
    elif isinstance(node, list):
        for item in node:
            yield from strings_in(item)


def env_example_variables(lines: list[str]) -> dict[str, str]:
    return {m[1]: m[2] for line in lines if (m := ENV_ASSIGNMENT.match(line))}


def dockerfile_instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for line in path.read_text().splitlines():
        if line.lstrip().startswith("#") or not line.strip():
            continue
        pending += line.rstrip().removesuffix("\\").strip() + " "
        if not line.rstrip().endswith("\\"):
            keyword, _, arguments = pending.strip().partition(" ")
            instructions.append((keyword.upper(), arguments.strip()))
            pending = ""
    return instructions


def test_compose_file_validates_against_the_compose_spec(compose: dict[str, Any]) -> None:
    schema = json.loads(COMPOSE_SCHEMA.read_text())
    assert "draft-07" in schema["$schema"], "the compose schema moved on from Draft 7: update here"
    Draft7Validator.check_schema(schema)
    errors = sorted(
        Draft7Validator(schema).iter_errors(compose), key=lambda e: list(map(str, e.path))
    )
    problems = [f"{'/'.join(map(str, e.path)) or '<top>'}: {e.message}" for e in errors]
    assert not problems, "fix docker-compose.yml (schema: tests/schemas/compose-spec.json):\n" + (
        "\n".join(problems)
    )


def test_compose_runs_every_service_and_its_infrastructure(compose: dict[str, Any]) -> None:
    expected = {s.name for s in SERVICES} | {*INFRASTRUCTURE, "smtp"}
    missing = expected - set(compose["services"])
    assert not missing, f"add {sorted(missing)} to services: in docker-compose.yml"


@BY_NAME
def test_service_builds_from_its_own_dockerfile(compose: dict[str, Any], service: Service) -> None:
    build = compose["services"][service.name].get("build")
    expected = {"context": ".", "dockerfile": f"services/{service.name}/Dockerfile"}
    assert build == expected, f"set {service.name}'s build: to {expected} in docker-compose.yml"
    assert (ROOT / build["context"] / build["dockerfile"]).is_file(), (
        f"create {build['dockerfile']} (build context: the repository root)"
    )


@BY_NAME
def test_service_restarts_and_reports_readiness(compose: dict[str, Any], service: Service) -> None:
    definition = compose["services"][service.name]
    assert definition.get("restart") == "unless-stopped", (
        f"set restart: unless-stopped on {service.name} in docker-compose.yml"
    )
    probe = definition.get("healthcheck", {}).get("test", [])
    assert probe[:2] == ["CMD", "python"], (
        f"{service.name}'s healthcheck must run python (the images have no curl)"
    )
    assert f"http://localhost:{service.port}/health/ready" in " ".join(probe), (
        f"{service.name}'s healthcheck must GET http://localhost:{service.port}/health/ready"
    )


@BY_NAME
def test_service_starts_after_what_it_needs_is_healthy(
    compose: dict[str, Any], service: Service
) -> None:
    depends_on = compose["services"][service.name].get("depends_on", {})
    for needed in (*INFRASTRUCTURE, *service.also_waits_for):
        condition = depends_on.get(needed, {}).get("condition")
        assert condition == "service_healthy", (
            f"give {service.name} depends_on: {needed}: condition: service_healthy"
        )


def test_every_awaited_service_has_a_healthcheck(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name, definition in services.items():
        for needed, how in definition.get("depends_on", {}).items():
            if how.get("condition") == "service_healthy":
                assert "healthcheck" in services[needed], (
                    f"{name} waits for {needed} to be healthy: give {needed} a healthcheck"
                )


@BY_NAME
def test_service_is_published_on_its_port(compose: dict[str, Any], service: Service) -> None:
    environment = environment_of(compose, service.name)
    assert environment.get(service.port_var) == str(service.port), (
        f'set {service.port_var}: "{service.port}" in {service.name}\'s environment'
    )
    ports = [str(p) for p in compose["services"][service.name].get("ports", [])]
    published = f"${{{service.port_var}:-{service.port}}}:{service.port}"
    assert any(p.endswith(published) for p in ports), (
        f'publish {service.name} with ports: ["{published}"] in docker-compose.yml'
    )


@BY_NAME
def test_service_environment_has_what_its_settings_require_in_production(
    compose: dict[str, Any], service: Service
) -> None:
    try:
        settings = importlib.import_module(f"{service.module}.settings")
    except ImportError as exc:
        pytest.fail(f"{service.module}.settings must be importable (DESIGN.md §1): {exc}")
    required = settings.Settings.required_in_production()
    environment = environment_of(compose, service.name)
    missing = sorted({name.upper() for name in required} - set(environment))
    assert not missing, (
        f"add {missing} to {service.name}'s environment in docker-compose.yml "
        "and document them in .env.example"
    )
    assert environment.get("APP_ENV") == "production", (
        f"set APP_ENV: production in {service.name}'s environment"
    )


@BY_NAME
def test_service_secrets_come_from_the_environment(
    compose: dict[str, Any], service: Service
) -> None:
    for name, value in environment_of(compose, service.name).items():
        if SECRET_NAME.search(name):
            # Its own (`<SERVICE>_` in front) where every service has one of that name.
            own = service.name.upper().replace("-", "_") + "_"
            assert value.startswith((f"${{{name}:?", f"${{{own}{name}:?")), (
                f"{service.name}: write {name}: ${{{name}:?set {name} in .env}} "
                "so that compose refuses to start without it"
            )


def test_kafka_image_is_the_release_devstack_runs(compose: dict[str, Any]) -> None:
    kafka_version = importlib.import_module("devstack.kafka").KAFKA_VERSION
    image = compose["services"]["kafka"]["image"]
    assert image == f"apache/kafka:{kafka_version}", (
        f"set the kafka image to apache/kafka:{kafka_version} (devstack.kafka.KAFKA_VERSION), "
        "or change both together"
    )


def test_kafka_is_one_authenticated_kraft_node_that_creates_no_topics(
    compose: dict[str, Any],
) -> None:
    kafka = compose["services"]["kafka"]
    [mount] = [v for v in kafka["volumes"] if v.endswith(":/opt/share-links/start.sh:ro")]
    script = (ROOT / mount.split(":")[0]).read_text()
    assert kafka["entrypoint"][-1] == "/opt/share-links/start.sh"
    for line in (
        "process.roles=broker,controller",
        "auto.create.topics.enable=false",
        "listener.security.protocol.map=BROKER:SASL_SSL,CONTROLLER:SASL_PLAINTEXT",
        "allow.everyone.if.no.acl.found=false",
    ):
        assert line in script.splitlines(), f"deploy/compose/kafka/start.sh must write {line}"


def test_redis_persists_every_write_before_it_answers(compose: dict[str, Any]) -> None:
    command = " ".join(map(str, compose["services"]["redis"].get("command", [])))
    assert "--appendonly yes" in command, "run redis with redis-server --appendonly yes"
    assert "--appendfsync always" in command, (
        "add --appendfsync always: a Redis crash must not lose what a service was told is stored"
    )


def test_every_compose_variable_is_in_env_example(
    compose: dict[str, Any], env_example: list[str]
) -> None:
    used = {m[1] or m[2] for text in strings_in(compose) for m in COMPOSE_VARIABLE.finditer(text)}
    missing = sorted(used - set(env_example_variables(env_example)))
    assert not missing, f"add {missing} to .env.example, each with a comment above it"


def test_every_env_example_variable_is_documented(env_example: list[str]) -> None:
    for index, line in enumerate(env_example):
        match = ENV_ASSIGNMENT.match(line)
        if match:
            above = env_example[index - 1] if index else ""
            assert above.startswith("# "), (
                f".env.example line {index + 1}: put a comment line above {match[1]} saying "
                "what it is, its default and which services read it"
            )


def test_env_example_secrets_are_placeholders(env_example: list[str]) -> None:
    for name, value in env_example_variables(env_example).items():
        if SECRET_NAME.search(name):
            assert value.startswith("change-me"), (
                f".env.example: give {name} an obviously fake value starting with change-me"
            )


def test_service_dockerfiles_differ_only_in_their_per_service_lines() -> None:
    def shared_lines(service: Service) -> list[str]:
        text = (ROOT / "services" / service.name / "Dockerfile").read_text()
        return [line for line in text.splitlines() if not PER_SERVICE_DOCKERFILE_LINE.match(line)]

    reference = shared_lines(SERVICES[0])
    for service in SERVICES[1:]:
        diff = "\n".join(difflib.unified_diff(reference, shared_lines(service), lineterm=""))
        assert not diff, (
            f"services/{service.name}/Dockerfile drifted from services/{SERVICES[0].name}/"
            f"Dockerfile; keep them equal apart from ARG SERVICE, ARG PORT and CMD:\n{diff}"
        )


@BY_NAME
def test_service_dockerfile_builds_and_runs_that_service(service: Service) -> None:
    instructions = dockerfile_instructions(ROOT / "services" / service.name / "Dockerfile")
    for expected in (("ARG", f"SERVICE={service.name}"), ("ARG", f"PORT={service.port}")):
        assert expected in instructions, f"services/{service.name}/Dockerfile: add {expected}"
    with (ROOT / "services" / service.name / "pyproject.toml").open("rb") as f:
        package = tomllib.load(f)["project"]["name"]
    synced = {
        name.replace("${SERVICE}", service.name)
        for keyword, args in instructions
        if keyword == "RUN"
        for name in re.findall(r'--package "?([^"\s]+)', args)
    }
    assert synced == {package}, (
        f'services/{service.name}/Dockerfile: uv sync --package "sharelinks-${{SERVICE}}" '
        f"(its pyproject's name, {package}), not {sorted(synced)}"
    )
    command = [json.loads(args) for keyword, args in instructions if keyword == "CMD"]
    assert command[-1:] == [["python", "-m", service.module]], (
        f'services/{service.name}/Dockerfile: end with CMD ["python", "-m", "{service.module}"]'
    )
    assert (ROOT / "services" / service.name / "src" / service.module / "__main__.py").is_file(), (
        f"add services/{service.name}/src/{service.module}/__main__.py: the image runs "
        f"python -m {service.module}"
    )


@BY_NAME
def test_service_dockerfile_copies_only_files_that_exist(service: Service) -> None:
    for keyword, arguments in dockerfile_instructions(
        ROOT / "services" / service.name / "Dockerfile"
    ):
        arguments = arguments.replace("${SERVICE}", service.name)
        words = arguments.split()
        if keyword == "COPY" and not words[0].startswith("--from="):
            sources = [w for w in words[:-1] if not w.startswith("--")]
        elif keyword == "RUN":
            sources = re.findall(r"--mount=type=bind,source=([^,\s]+)", arguments)
        else:
            continue
        for source in sources:
            assert (ROOT / source).exists(), (
                f"services/{service.name}/Dockerfile uses {source}, which the build context "
                "(the repository root) does not have"
            )


REPLICAS_FILE = ROOT / "docker-compose.replicas.yml"
COMPOSE_TOOL = ROOT / "tests" / "contract_tools" / "compose"


def docker_compose_config(*files: Path, env_file: Path = ENV_EXAMPLE) -> dict[str, Any]:
    """The project Docker Compose's own loader (compose-go, tests/contract_tools/compose)
    resolves from these files, as `docker compose config` prints it."""
    loaded = load_with_compose_go(*files, env_file=env_file)
    assert loaded.returncode == 0, loaded.stderr
    project: dict[str, Any] = json.loads(loaded.stdout)
    return project


def load_with_compose_go(*files: Path, env_file: Path) -> subprocess.CompletedProcess[str]:
    assert shutil.which("go"), "install Go (1.26 or later): Compose's loader is in Go"
    command = ["go", "run", ".", "-env-file", str(env_file), "-project-directory", str(ROOT)]
    return subprocess.run(
        [*command, *map(str, files)], cwd=COMPOSE_TOOL, capture_output=True, text=True, check=False
    )


def test_compose_loads_the_file_as_docker_compose_does() -> None:
    project = docker_compose_config(COMPOSE_FILE)

    assert set(project["services"]) == {s.name for s in SERVICES} | {
        *INFRASTRUCTURE,
        "smtp",
        "grants",
    }
    for service in SERVICES:
        waits = project["services"][service.name]["depends_on"]["grants"]
        assert waits["condition"] == "service_completed_successfully", service.name


def test_composes_loader_refuses_what_docker_compose_would(tmp_path: Path) -> None:
    broken = tmp_path / "docker-compose.yml"
    broken.write_text("services:\n  a:\n    image: x\n    depends_on: [missing]\n")
    unset = tmp_path / "unset.yml"
    unset.write_text("services:\n  a:\n    image: ${NEVER_SET_HERE:?set NEVER_SET_HERE}\n")

    for path, reason in ((broken, "missing"), (unset, "set NEVER_SET_HERE")):
        refused = load_with_compose_go(path, env_file=ENV_EXAMPLE)
        assert refused.returncode == 1 and reason in refused.stderr, refused.stderr


@pytest.fixture(scope="module")
def replicas() -> dict[str, Any]:
    """docker-compose.yml with docker-compose.replicas.yml laid over it."""
    return docker_compose_config(COMPOSE_FILE, REPLICAS_FILE)


@BY_NAME
def test_the_replicas_file_runs_two_of_every_service_on_no_host_port(
    replicas: dict[str, Any], service: Service
) -> None:
    merged = replicas["services"][service.name]
    assert merged["deploy"]["replicas"] >= 2
    assert not merged.get("ports"), "two replicas cannot publish one host port: !reset []"


def test_the_gateway_replicas_are_reached_through_one_proxy(
    replicas: dict[str, Any], env_example: list[str]
) -> None:
    proxy = replicas["services"]["gateway-proxy"]
    public = docker_compose_config(COMPOSE_FILE)["services"]["gateway"]["ports"][:1]
    assert proxy["ports"] == public, "the public port"
    [mount] = proxy["volumes"]
    config = Path(mount["source"]).read_text()
    assert "proxy_pass $gateway" in config and "http://gateway:8000" in config
    assert "proxy_buffering off" in config, "previews stream through"
    trusted = replicas["services"]["gateway"]["environment"]["TRUSTED_PROXIES"]
    assert trusted and "0.0.0.0/0" not in trusted, "only the proxy's networks"
    variables = {m[0] or m[1] for m in COMPOSE_VARIABLE.findall(REPLICAS_FILE.read_text())}
    assert variables <= set(env_example_variables(env_example))
