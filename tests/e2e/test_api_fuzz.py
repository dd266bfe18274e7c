"""schemathesis against every service's OpenAPI document (issue 13): requests generated from
the schema, valid and not, with a producer's token; no answer is a 5xx, and every answer
matches the schema it claims (DESIGN §12: bad input is a 4xx with a reason).

The gateway's public port has no OpenAPI document (its pages are HTML, tested elsewhere);
internal routes are fuzzed with the internal token."""

import os
from collections.abc import Iterator

import pytest
import schemathesis
from dropbox_emulator.testing import RunningEmulator
from hypothesis import HealthCheck, given, settings
from schemathesis import APIOperation, Case
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance
from service_kit.testing import INTERNAL_HEADERS, ServiceProcess, bearer, infra_env, start_service

pytestmark = pytest.mark.e2e

SERVICES = ("link-service", "dropbox-service", "notify-service", "analytics-service")
# Generated cases per operation: enough to reach the odd shapes, short enough for make test;
# FUZZ_EXAMPLES=500 for a longer hunt.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))


@pytest.fixture(scope="module")
def running(
    kafka_bootstrap: str, redis_url: str, dropbox_emulator: RunningEmulator, module_prefix: str
) -> Iterator[dict[str, ServiceProcess]]:
    env = infra_env(kafka_bootstrap, redis_url, module_prefix) | {
        "DROPBOX_CA_FILE": str(dropbox_emulator.ca_file)
    }
    started = {name: start_service(name, env) for name in SERVICES}
    try:
        for service in started.values():
            service.wait_ready()
        yield started
    finally:
        for service in started.values():
            service.stop()


@pytest.mark.parametrize("name", SERVICES)
def test_no_request_gets_a_server_error_or_an_answer_off_its_schema(
    name: str, running: dict[str, ServiceProcess]
):
    service = running[name]
    schema = schemathesis.openapi.from_url(f"{service.base_url}/openapi.json")
    failures: dict[str, str] = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations, f"{name} documents no operation"
    for operation in operations:
        try:
            _fuzz(operation, service.base_url)
        except Exception as failure:  # schemathesis' report of the shrunk example
            failures[operation.label] = str(failure)[:1500]
    assert not failures, "\n\n".join(f"{label}:\n{why}" for label, why in failures.items())


def _fuzz(operation: APIOperation, base_url: str) -> None:
    headers = INTERNAL_HEADERS if operation.path.startswith("/internal/") else bearer("u-fuzz")

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    @given(case=operation.as_strategy())
    def run(case: Case) -> None:
        case.call_and_validate(
            base_url=base_url,
            headers=headers,
            checks=[not_a_server_error, response_schema_conformance],
        )

    run()
