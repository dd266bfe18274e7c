"""One trace from a share-page view to the analytics consumer (DESIGN §12, issue 13).

The services run as processes exporting over OTLP/HTTP, as in production, to a collector
this test runs: it keeps the spans it is sent in memory.
"""

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from uuid import uuid4

import httpx
import pytest
from contracts import topics
from contracts.events import DropboxConnected
from messaging.testing import wait_until
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from service_kit.testing import ServiceProcess, bearer, free_port

from .conftest import BROWSER

pytestmark = pytest.mark.e2e


class Collector:
    """An OTLP/HTTP trace receiver keeping every span it is sent."""

    def __init__(self) -> None:
        self.spans: list[dict[str, Any]] = []
        collector = self

        class Receive(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                collector.keep(ExportTraceServiceRequest.FromString(body))
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Receive)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def keep(self, request: ExportTraceServiceRequest) -> None:
        for resource_spans in request.resource_spans:
            attributes = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    self.spans.append(
                        {
                            "service": attributes.get("service.name"),
                            "name": span.name,
                            "trace_id": span.trace_id.hex(),
                            "span_id": span.span_id.hex(),
                            "parent_id": span.parent_span_id.hex(),
                            "texts": [span.name]
                            + [str(a.value) for a in span.attributes]
                            + [str(a.value) for e in span.events for a in e.attributes],
                        }
                    )


@pytest.fixture(scope="module")
def collector() -> Iterator[Collector]:
    running = Collector()
    thread = threading.Thread(target=running.server.serve_forever, daemon=True)
    thread.start()
    yield running
    running.server.shutdown()


@pytest.fixture(scope="module")
def traced(start_module_service, collector) -> dict[str, ServiceProcess]:
    """link-, analytics-service and the gateway, each exporting its spans to the collector."""
    otel = {"OTEL_EXPORTER_OTLP_ENDPOINT": collector.url, "OTEL_BSP_SCHEDULE_DELAY": "200"}
    gateway_port = free_port()
    links = start_module_service(
        "link-service", PUBLIC_BASE_URL=f"http://127.0.0.1:{gateway_port}", **otel
    )
    return {
        "link": links,
        "analytics": start_module_service("analytics-service", **otel),
        "gateway": start_module_service(
            "gateway", GATEWAY_PORT=str(gateway_port), LINK_SERVICE_URL=links.base_url, **otel
        ),
    }


async def _shared_link(traced, publisher, module_prefix: str, owner: str) -> dict[str, Any]:
    connected = DropboxConnected(owner_id=owner, account_email="p@example.com")
    await publisher.publish(
        connected, topic=module_prefix + topics.DROPBOX_CONNECTED, key=connected.key()
    )
    track = {
        "title": "Night Drive",
        "artist": "Mara Vale",
        "dropbox_folder": "/x",
        "files": [
            {
                "file_id": "f",
                "name": "a.wav",
                "role": "bounce",
                "dropbox_path": "/x/a.wav",
                "size": 1,
            }
        ],
    }
    async with httpx.AsyncClient(base_url=traced["link"].base_url, headers=bearer(owner)) as http:
        assert (await http.put("/v1/catalog/tracks/t-1", json=track)).status_code == 200

        link = await wait_until(
            lambda: http.post("/v1/links", json={"tracks": ["t-1"]}),
            until=lambda answer: answer.status_code == 201,
            timeout_s=20,
            interval_s=0.2,
            message="a link, once link-service has heard that Dropbox is connected",
        )
        return dict(link.json())


async def test_one_trace_runs_from_a_share_page_view_to_the_analytics_consumer(
    traced, publisher, collector, module_prefix
):
    link = await _shared_link(traced, publisher, module_prefix, f"u-{uuid4().hex[:8]}")
    page = httpx.get(
        f"{traced['gateway'].base_url}/s/{link['token']}",
        headers={"User-Agent": BROWSER, "X-Forwarded-For": "198.51.100.7"},
    )
    assert page.status_code == 200

    def view_trace() -> str | None:
        served = [s for s in collector.spans if s["name"] == "GET /s/{token}"]
        return served[-1]["trace_id"] if served else None

    def counted() -> list[dict[str, Any]]:
        name = f"{topics.SHARE_VIEWED} count"
        return [s for s in collector.spans if s["name"] == name and s["trace_id"] == view_trace()]

    async def arrived() -> bool:
        return bool(counted())

    try:
        await wait_until(arrived, timeout_s=30, interval_s=0.2)
    except AssertionError:
        seen = sorted({(s["service"], s["name"]) for s in collector.spans})
        raise AssertionError(f"no count span in the view's trace; spans: {seen}") from None
    [count] = counted()
    assert count["service"] == "analytics-service"
    trace = {s["span_id"]: s for s in collector.spans if s["trace_id"] == count["trace_id"]}
    path, span = [], count
    while span["parent_id"]:  # from the consumer back to the request, one parent at a time
        span = trace[span["parent_id"]]
        path.append((span["service"], span["name"]))
    # The gateway asked link-service for the link within the same trace.
    asked = {(s["service"], s["name"]) for s in trace.values()}
    assert ("link-service", "GET /internal/links/by-token/{token}") in asked, asked
    # The view's event was staged in the outbox inside the request, and relayed in its trace.
    assert path == [
        ("gateway", f"{module_prefix}{topics.SHARE_VIEWED} create"),
        ("gateway", "GET /s/{token}"),
    ]
    # What reached the collector names routes and hosts, never the token or the visitor.
    leaks = [
        (s["service"], s["name"], text)
        for s in collector.spans
        for text in s["texts"]
        if link["token"] in text or "198.51.100.7" in text
    ]
    assert not leaks, leaks
