"""docs/asyncapi/: each service's AsyncAPI document and a combined one, as the services'
own code describes them (its subscribers, its publishers, the contracts' event models).
A change to a topic, handler or event that the documents do not show fails here; rewrite
them with `make contracts-snapshot`."""

import importlib
import json
import os
from pathlib import Path
from typing import Any

import pytest
from faststream.specification import AsyncAPI
from service_kit.services import SERVICES

pytestmark = pytest.mark.unit

DOCS = Path(__file__).resolve().parents[2] / "docs" / "asyncapi"


def _document(module: str, name: str) -> dict[str, Any]:
    settings = importlib.import_module(f"{module}.settings").Settings(
        topic_prefix="", key_prefix=""
    )
    app = importlib.import_module(f"{module}.app").create_app(settings)  # builds, connects nothing
    spec = AsyncAPI(app.state.runtime.broker, title=name, version="1")
    document: dict[str, Any] = spec.to_specification().to_jsonable()
    for server in document.get("servers", {}).values():
        server["host"] = "localhost:9092"  # where the broker is belongs to a deployment
    return document


def _combined(documents: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """One document for the whole system: every service's channels, operations and components."""
    combined: dict[str, Any] = {
        "asyncapi": "3.0.0",
        "info": {"title": "Share Links", "version": "1"},
        "channels": {},
        "operations": {},
        "components": {"messages": {}, "schemas": {}},
    }
    for name, document in documents.items():
        for section in ("channels", "operations"):
            _merge(combined[section], document.get(section, {}), f"{name} {section}")
        for part in ("messages", "schemas"):
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
    if os.environ.get("UPDATE_ASYNCAPI_DOCS"):
        DOCS.mkdir(exist_ok=True)
        for file, text in expected.items():
            (DOCS / file).write_text(text)
    stale = [
        f
        for f, text in expected.items()
        if not (DOCS / f).is_file() or (DOCS / f).read_text() != text
    ]
    assert not stale, f"docs/asyncapi/{stale} are out of date: run `make contracts-snapshot`"
    assert len(json.loads(expected["share-links.json"])["channels"]) >= 22
