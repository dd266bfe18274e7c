import sys

from devstack import services
from devstack.paths import repo_root


def test_every_service_has_its_own_name_module_and_port():
    table = services.SERVICES

    assert len({s.name for s in table}) == len(table)
    assert len({s.module for s in table}) == len(table)
    assert len({s.port_env for s in table}) == len(table)
    assert len({s.default_port for s in table}) == len(table)


def test_services_get_the_infrastructure_addresses_and_every_port():
    env = services.service_env({}, "127.0.0.1:9092", "redis://127.0.0.1:6379/0")

    assert env["KAFKA_BOOTSTRAP_SERVERS"] == "127.0.0.1:9092"
    assert env["REDIS_URL"] == "redis://127.0.0.1:6379/0"
    assert env["GATEWAY_PORT"] == "8000"
    assert env["ANALYTICS_SERVICE_PORT"] == "8004"


def test_devstack_asks_for_development_mode_unless_the_caller_chose():
    # Unset, a service is in production (service_kit.settings) and refuses the dev secrets.
    assert services.service_env({}, "k:1", "redis://r")["APP_ENV"] == "development"
    chosen = services.service_env({"APP_ENV": "production"}, "k:1", "redis://r")
    assert chosen["APP_ENV"] == "production"


def test_values_set_by_the_caller_win_over_defaults():
    caller = {"REDIS_URL": "redis://other:6380/1", "GATEWAY_PORT": "9000", "AUTH_JWT_SECRET": "s"}

    env = services.service_env(caller, "127.0.0.1:9092", "redis://127.0.0.1:6379/0")

    assert env["REDIS_URL"] == "redis://other:6380/1"
    assert env["AUTH_JWT_SECRET"] == "s"
    assert env["KAFKA_BOOTSTRAP_SERVERS"] == "127.0.0.1:9092"
    gateway = next(s for s in services.SERVICES if s.name == "gateway")
    assert gateway.url(env) == "http://127.0.0.1:9000"


def test_a_service_runs_as_a_module_of_this_interpreter():
    link_service = next(s for s in services.SERVICES if s.name == "link-service")

    assert link_service.argv() == [sys.executable, "-m", "link_service"]


def test_repo_root_is_the_uv_workspace():
    assert "[tool.uv.workspace]" in (repo_root() / "pyproject.toml").read_text()


def test_dropbox_service_is_pointed_at_the_emulator_unless_the_caller_says_otherwise():
    env = services.service_env({}, "127.0.0.1:9092", "redis://127.0.0.1:6379/0")
    assert env["DROPBOX_API_HOST"] == env["DROPBOX_WEB_HOST"] == "localhost:8443"
    assert env["DROPBOX_CA_FILE"] == env["DROPBOX_EMULATOR_CA_FILE"]
    moved = services.service_env({"DROPBOX_EMULATOR_PORT": "9443"}, "k:1", "redis://r")
    assert moved["DROPBOX_API_CONTENT_HOST"] == "localhost:9443"
    real = services.service_env({"DROPBOX_API_HOST": "api.dropboxapi.com"}, "k:1", "redis://r")
    assert real["DROPBOX_API_HOST"] == "api.dropboxapi.com"


def test_the_emulator_is_started_first_and_checked_over_https():
    assert services.SERVICES[0] is services.EMULATOR
    env = services.service_env({}, "k:1", "redis://r")
    assert services.EMULATOR.url(env) == "https://localhost:8443"
