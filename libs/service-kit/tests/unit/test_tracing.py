"""Spans carry route templates and hosts, never share tokens, paths with them or query
strings (issue 24): what a service's exporter is handed, read back from memory."""

from collections.abc import AsyncIterator
from typing import Any, ClassVar

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.sdk.trace import Event, ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Status, StatusCode
from service_kit import serve
from service_kit.settings import ServiceSettings
from service_kit.span_scrubbing import scrubbed
from service_kit.tracing import trace_requests, tracer_provider

TOKEN = "tok-Q2hlY2tUaGlzVG9rZW5Eb2VzTm90TGVhaw"
FILE_ID = "f-secret-file"
TEMPORARY_LINK = "https://content.dropboxapi.example/apitl/1/AbCdEfTemporaryPart?sig=s3cr3t&x=y"
SECRETS = (TOKEN, FILE_ID, "AbCdEfTemporaryPart", "s3cr3t", "sig=", "x=y", "apitl")

Traced = tuple[httpx.AsyncClient, Any, list[httpx.Request]]


@pytest.fixture
async def traced() -> AsyncIterator[Any]:
    """An app with share-style routes, traced into memory; its route fetches a temporary
    link with an instrumented httpx client, as the gateway does."""
    exporter = InMemorySpanExporter()
    provider = tracer_provider("gateway", exporter)  # as start_tracing makes it
    sent: list[httpx.Request] = []

    def dropbox(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(404, text="gone")

    outbound = httpx.AsyncClient(transport=httpx.MockTransport(dropbox))
    HTTPXClientInstrumentor.instrument_client(outbound, tracer_provider=provider)
    app = FastAPI()

    @app.get("/s/{token}/files/{file_id}/download")
    async def download(token: str, file_id: str) -> dict[str, int]:
        answer = await outbound.get(TEMPORARY_LINK)
        return {"status": answer.status_code}

    @app.get("/internal/links/by-token/{token}")
    async def by_token(token: str) -> dict[str, str]:
        return {"ok": "yes"}

    trace_requests(app, provider)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gw.test") as client:
        yield client, Flushed(provider, exporter), sent
    FastAPIInstrumentor.uninstrument_app(app)
    await outbound.aclose()


class Flushed:
    """The exporter's spans, once the provider's batch went out."""

    def __init__(self, provider: Any, exporter: InMemorySpanExporter) -> None:
        self.provider, self.exporter = provider, exporter

    def get_finished_spans(self) -> tuple[ReadableSpan, ...]:
        self.provider.force_flush()
        return self.exporter.get_finished_spans()


def _texts(span: ReadableSpan) -> list[str]:
    texts = [span.name, *(str(v) for v in (span.attributes or {}).values())]
    for event in span.events:
        texts += [event.name, *(str(v) for v in (event.attributes or {}).values())]
    return texts


async def test_spans_hold_route_templates_and_hosts_but_no_token_or_query(traced: Traced):
    client, exporter, _ = traced

    await client.get(f"/s/{TOKEN}/files/{FILE_ID}/download?sig=s3cr3t&x=y")
    await client.get(f"/internal/links/by-token/{TOKEN}")
    await client.get(f"/no/such/{TOKEN}?sig=s3cr3t")

    spans = exporter.get_finished_spans()
    assert spans
    leaks = [(s.name, t) for s in spans for t in _texts(s) if any(x in t for x in SECRETS)]
    assert not leaks, leaks
    names = {s.name for s in spans}
    assert "GET /s/{token}/files/{file_id}/download" in names
    assert "GET /internal/links/by-token/{token}" in names
    client_spans = [s for s in spans if s.kind.name == "CLIENT"]
    assert client_spans
    attributes = [dict(s.attributes or {}) for s in client_spans]
    urls = {str(a.get("url.full") or a.get("http.url")) for a in attributes}
    assert urls == {"https://content.dropboxapi.example"}


async def test_the_trace_still_runs_from_the_request_through_the_outgoing_call(traced: Traced):
    client, exporter, sent = traced

    await client.get(f"/s/{TOKEN}/files/{FILE_ID}/download")

    (request,) = sent
    spans = exporter.get_finished_spans()
    assert "traceparent" in request.headers
    assert len({s.context.trace_id for s in spans}) == 1
    outgoing = next(s for s in spans if s.kind.name == "CLIENT")
    assert request.headers["traceparent"].split("-")[2] == f"{outgoing.context.span_id:016x}"


def test_exception_events_and_statuses_lose_their_urls_and_paths():
    message = f"Client error '404 Not Found' for url '{TEMPORARY_LINK}' on /s/{TOKEN}/x"
    span = ReadableSpan(
        name=f"GET /s/{TOKEN}/x",
        attributes={"url.path": f"/s/{TOKEN}/x", "http.route": "/s/{token}/x", "url.query": "a=1"},
        events=[Event("exception", {"exception.message": message})],
        status=Status(StatusCode.ERROR, message),
    )

    clean = scrubbed(span)

    texts = [*_texts(clean), str(clean.status.description)]
    assert not [t for t in texts if any(x in t for x in SECRETS)], texts
    assert clean.name == "GET /s/{token}/x"
    assert dict(clean.attributes or {}) == {
        "url.path": "/s/{token}/x",
        "http.route": "/s/{token}/x",
    }


def test_uvicorn_writes_no_access_log_lines(monkeypatch: pytest.MonkeyPatch):
    """Access log lines would carry the raw path (/s/<token>/...): serve turns them off."""

    class Demo(ServiceSettings):
        service_name: ClassVar[str] = "demo"
        port: int = 8123

    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: seen.update(options))
    monkeypatch.setattr(serve, "configure_logging", lambda *args: None)

    serve.serve(Demo(app_env="development"), lambda settings: FastAPI())

    assert seen["access_log"] is False
