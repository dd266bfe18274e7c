"""docs/openapi/: each service's OpenAPI document, generated from its `create_app(settings)`,
checked by the ecosystem's validators (openapi-spec-validator, Redocly CLI with
redocly.yaml) and by what DESIGN §3 and §15 promise clients: security schemes, every error
status as problem details, short unique operation ids. A route change the documents do not
show fails here; rewrite them with `make contracts-snapshot`."""

import importlib
import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI, Header
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError
from service_kit.services import SERVICES
from service_kit.testing import stale_documents

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "openapi"
REDOCLY = ROOT / "node_modules" / ".bin" / "redocly"
NAMES = [spec.name for spec in SERVICES]
PROBLEM = {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}
OPERATION_ID = re.compile(r"^[a-z]+(?:[A-Z][a-z]+)*$")


def _document(module: str) -> dict[str, Any]:
    settings = importlib.import_module(f"{module}.settings").Settings(
        topic_prefix="", key_prefix=""
    )
    app = importlib.import_module(f"{module}.app").create_app(settings)  # builds, connects nothing
    document: dict[str, Any] = app.openapi()
    return document


def _text(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


@pytest.fixture(scope="module")
def documents() -> dict[str, dict[str, Any]]:
    return {spec.name: _document(spec.module) for spec in SERVICES}


def _operations(document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{method.upper()} {path}", operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]


def test_the_openapi_documents_in_docs_are_current(documents: dict[str, dict[str, Any]]):
    expected = {f"{name}.json": _text(doc) for name, doc in documents.items()}
    stale = stale_documents(DOCS, expected, rewrite=bool(os.environ.get("UPDATE_OPENAPI_DOCS")))
    assert not stale, f"docs/openapi/{stale} are out of date: run `make contracts-snapshot`"


@pytest.mark.parametrize("name", NAMES)
def test_each_document_is_valid_openapi(name: str):
    validate(json.loads((DOCS / f"{name}.json").read_text()))


def _redocly(*files: Path) -> subprocess.CompletedProcess[str]:
    if not REDOCLY.exists():
        pytest.fail("Redocly CLI is missing from node_modules: run make install")
    return subprocess.run(
        [str(REDOCLY), "lint", "--format=stylish", *map(str, files)],
        cwd=ROOT,  # redocly.yaml
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_redocly_finds_no_problem_in_the_documents():
    linted = _redocly(*(DOCS / f"{name}.json" for name in NAMES))
    assert linted.returncode == 0, linted.stdout + linted.stderr
    assert "error" not in linted.stdout, linted.stdout


def test_the_linters_refuse_an_app_documented_as_fastapi_leaves_it(tmp_path: Path):
    """What the documents were before issue 22: no servers, the internal token as an
    optional header parameter and no security; and a path parameter nobody declares."""
    app = FastAPI(title="Bare")

    @app.get("/internal/x")
    def internal(x_internal_token: str | None = Header(default=None)) -> dict[str, str]:
        return {}

    bare = tmp_path / "bare.json"
    bare.write_text(json.dumps(app.openapi()))
    linted = _redocly(bare)
    assert linted.returncode != 0
    assert "no-empty-servers" in linted.stdout and "security-defined" in linted.stdout
    broken = app.openapi()
    broken["paths"]["/internal/{name}"] = broken["paths"].pop("/internal/x")
    with pytest.raises(OpenAPIValidationError, match="name"):
        validate(broken)


@pytest.mark.parametrize("name", NAMES)
def test_every_error_status_is_documented_as_problem_details(
    name: str, documents: dict[str, dict[str, Any]]
):
    document = documents[name]
    assert "HTTPValidationError" not in _text(document), "FastAPI's 422 shape is not answered"
    assert document["components"]["schemas"]["ProblemDetails"]["required"] == [
        *("type", "title", "status", "detail", "code")
    ]
    for label, operation in _operations(document):
        errors = {s: r for s, r in operation["responses"].items() if int(s) >= 400}
        assert "422" in errors, f"{label}: any body over MAX_BODY_BYTES is 422"
        for status, response in errors.items():
            if label == "GET /health/ready" and status == "503":
                continue  # the probe's own answer, read by orchestrators
            assert response["content"] == {"application/problem+json": PROBLEM}, label
            if status in ("429", "503"):
                assert "Retry-After" in response["headers"], f"{label} {status}"


@pytest.mark.parametrize("name", NAMES)
def test_producer_and_internal_routes_name_their_security_scheme(
    name: str, documents: dict[str, dict[str, Any]]
):
    document = documents[name]
    schemes = document["components"].get("securitySchemes", {})
    for label, operation in _operations(document):
        path = label.split(" ", 1)[1]
        if path.startswith("/health/"):
            assert operation["security"] == [], label
            continue
        expected = "InternalToken" if path.startswith("/internal/") else "ProducerJWT"
        assert operation["security"] == [{expected: []}], label
        assert {"401", "503"} <= set(operation["responses"]), label
        assert not [p for p in operation.get("parameters", []) if p["in"] == "header"], label
    if name != "gateway":  # its public port documents health only (pages are HTML)
        assert schemes["ProducerJWT"] == {
            **schemes["ProducerJWT"],
            **{"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
        }
    if "InternalToken" in schemes:
        assert schemes["InternalToken"] | {"description": ""} == {
            "type": "apiKey",
            "in": "header",
            "name": "X-Internal-Token",
            "description": "",
        }


@pytest.mark.parametrize("spec", SERVICES, ids=NAMES)
def test_operation_ids_are_short_camel_case_and_unique(spec: Any, documents: dict[str, Any]):
    document = documents[spec.name]
    ids = [operation["operationId"] for _, operation in _operations(document)]
    assert len(ids) == len(set(ids)), ids
    assert all(OPERATION_ID.fullmatch(i) and len(i) <= 30 for i in ids), ids
    assert document["servers"] == [
        {"url": f"http://localhost:{spec.default_port}", "description": "development (make up)"}
    ]
