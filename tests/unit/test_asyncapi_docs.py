"""docs/asyncapi/: each service's AsyncAPI document and a combined one, as the services'
own code describes them (its subscribers, its publishers, the contracts' event models).
A change to a topic, handler or event that the documents do not show fails here; rewrite
them with `make contracts-snapshot`."""

import importlib
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
from service_kit.asyncapi import service_document
from service_kit.services import SERVICES
from service_kit.testing import stale_documents

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "asyncapi"
VALIDATE = ROOT / "tests" / "contract_tools" / "asyncapi-validate.mjs"


def _app(module: str) -> Any:
    settings = importlib.import_module(f"{module}.settings").Settings(
        topic_prefix="", key_prefix=""
    )
    return importlib.import_module(f"{module}.app").create_app(settings)  # connects nothing


def _document(module: str, name: str) -> dict[str, Any]:
    document = service_document(_app(module).state.runtime.broker, name)
    return _deployed_anywhere(document)


def _deployed_anywhere(document: dict[str, Any]) -> dict[str, Any]:
    for server in document.get("servers", {}).values():
        server["host"] = "localhost:9092"  # where the broker is belongs to a deployment
    return document


def _combined(documents: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """One document for the whole system: every service's channels, operations and components."""
    combined: dict[str, Any] = {
        "asyncapi": "3.0.0",
        "info": {"title": "Share Links", "version": "1"},
        "defaultContentType": "application/json",
        "servers": {},
        "channels": {},
        "operations": {},
        "components": {"messages": {}, "schemas": {}, "securitySchemes": {}},
    }
    for name, document in documents.items():
        for section in ("servers", "channels", "operations"):
            _merge(combined[section], document.get(section, {}), f"{name} {section}")
        for part in ("messages", "schemas", "securitySchemes"):
            found = document.get("components", {}).get(part, {})
            _merge(combined["components"][part], found, f"{name} {part}")
    return combined


def _merge(into: dict[str, Any], new: dict[str, Any], where: str) -> None:
    for key, value in new.items():
        assert into.get(key, value) == value, f"{where}: {key} differs between services"
        into[key] = value


def _text(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def test_the_asyncapi_documents_in_docs_are_current():
    documents = {spec.name: _document(spec.module, spec.name) for spec in SERVICES}
    expected = {f"{name}.json": _text(doc) for name, doc in documents.items()}
    expected["share-links.json"] = _text(_combined(documents))
    stale = stale_documents(DOCS, expected, rewrite=bool(os.environ.get("UPDATE_ASYNCAPI_DOCS")))
    assert not stale, f"docs/asyncapi/{stale} are out of date: run `make contracts-snapshot`"
    assert len(json.loads(expected["share-links.json"])["channels"]) >= 22


def _payloads(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each message's payload schema, its reference followed."""
    schemas = document["components"]["schemas"]
    found = {}
    for name, message in document["components"]["messages"].items():
        payload = message["payload"]
        found[name] = schemas[payload["$ref"].rsplit("/", 1)[-1]] if "$ref" in payload else payload
    return found


@pytest.mark.parametrize("file", sorted(p.name for p in DOCS.glob("*.json")))
def test_every_message_payload_is_one_event_object_with_its_envelope(file: str):
    document = json.loads((DOCS / file).read_text())
    for name, payload in _payloads(document).items():
        assert payload["type"] == "object", f"{file} {name}: a Kafka record holds one event"
        envelope = {"event_id", "occurred_at", "schema_version"}
        assert envelope <= set(payload["required"]), f"{file} {name}: envelope not required"
        assert isinstance(payload["properties"]["schema_version"]["const"], int)


def test_batch_consumers_document_the_record_and_say_they_batch():
    document = json.loads((DOCS / "analytics-service.json").read_text())
    operation = document["operations"]["share.viewed:CountViewsSubscribe"]
    assert "batches" in operation["description"]
    [payload] = [p for n, p in _payloads(document).items() if n.startswith("share.viewed:")]
    assert payload["title"] == "ShareViewed"


def test_the_official_asyncapi_parser_and_ajv_find_no_error_in_any_document():
    if not (ROOT / "node_modules" / "@asyncapi" / "parser").is_dir():
        pytest.fail("node_modules/@asyncapi/parser is missing: run make install")
    node = shutil.which("node")
    assert node, "node is not on PATH: run make install"
    documents = sorted(str(p) for p in DOCS.glob("*.json"))
    assert len(documents) == len(SERVICES) + 1
    result = subprocess.run(
        [node, str(VALIDATE), *documents], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count(" 0 error(s)") == len(documents), result.stdout


@pytest.mark.parametrize(
    "spec", [s for s in SERVICES if not s.admin_port_env], ids=lambda s: s.name
)
async def test_a_service_serves_the_committed_document_at_asyncapi_json(spec: Any):
    transport = httpx.ASGITransport(app=_app(spec.module))
    async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
        answer = await client.get("/asyncapi.json")
    assert answer.status_code == 200
    served = _text(_deployed_anywhere(answer.json()))
    assert served == (DOCS / f"{spec.name}.json").read_text()


def _addresses(document: dict[str, Any], action: str) -> set[str]:
    """The topics of the document's operations of `action` (`send` or `receive`)."""
    return {
        document["channels"][operation["channel"]["$ref"].rsplit("/", 1)[-1]]["address"]
        for operation in document["operations"].values()
        if operation["action"] == action
    }


@pytest.mark.parametrize("spec", SERVICES, ids=lambda s: s.name)
def test_the_services_table_names_the_topics_each_document_shows(spec: Any):
    # The table is where each service's Kafka ACLs come from (service_kit.grants): a topic
    # the code publishes or subscribes to but the table misses is one the broker refuses.
    document = json.loads((DOCS / f"{spec.name}.json").read_text())
    assert _addresses(document, "send") == set(spec.produces)
    assert _addresses(document, "receive") == set(spec.consumes)
