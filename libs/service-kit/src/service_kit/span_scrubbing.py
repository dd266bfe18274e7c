"""Spans as they leave a service: route templates and hosts, never a share token, a path
holding one, a query string or a Dropbox temporary link (issue 24). Every exported span
goes through `ScrubbingExporter`, whatever recorded it (FastAPI's server spans, httpx's
client spans, FastStream's, ours); trace and span ids are kept, so traces still join up."""

import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from opentelemetry.sdk.trace import Event, ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
from opentelemetry.trace import Status

_URL_ATTRIBUTES = ("url.full", "http.url")  # whole URLs: kept as scheme://host[:port]
_PATH_ATTRIBUTES = ("url.path", "http.target")  # raw paths: kept as the route template
# Query strings, and the visitor's own address (never stored or published, DESIGN §16).
_DROPPED = ("url.query", "client.address", "http.client_ip", "net.peer.ip")
_ANY_URL = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'\"<>]+")


def origin(url: str) -> str:
    """`scheme://host[:port]` of a URL: no credentials, path, query or fragment."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    return f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port else "")


def scrubbed(span: ReadableSpan) -> ReadableSpan:
    """`span` with its name, attributes, events and status free of raw paths and URLs."""
    attributes = dict(span.attributes or {})
    route = attributes.get("http.route")
    template = str(route) if route else ""
    raw: dict[str, str] = {}  # what to take out of every text, and what to put instead
    for name in _URL_ATTRIBUTES:
        if name in attributes:
            attributes[name] = origin(str(attributes[name]))
    for name in _PATH_ATTRIBUTES:
        if name in attributes:
            path = str(attributes.pop(name))
            raw[path] = template
            raw[path.split("?", 1)[0]] = template
            if template:
                attributes[name] = template
    for name in _DROPPED:
        attributes.pop(name, None)
    replace = _Replacer(raw)
    events = [Event(e.name, replace.mapping(e.attributes or {}), e.timestamp) for e in span.events]
    status = span.status
    if status.description:
        status = Status(status.status_code, replace(status.description))
    return ReadableSpan(
        name=replace(span.name),
        context=span.context,
        parent=span.parent,
        resource=span.resource,
        attributes=replace.mapping(attributes),
        events=events,
        links=span.links,
        kind=span.kind,
        status=status,
        start_time=span.start_time,
        end_time=span.end_time,
        instrumentation_scope=span.instrumentation_scope,
    )


class _Replacer:
    """Takes raw paths (longest first) and whole URLs out of a span's texts."""

    def __init__(self, raw: Mapping[str, str]) -> None:
        self.raw = sorted(
            ((k, v) for k, v in raw.items() if k and k != v), key=lambda kv: -len(kv[0])
        )

    def __call__(self, text: str) -> str:
        text = _ANY_URL.sub(lambda match: origin(match.group(0)), text)
        for path, template in self.raw:
            text = text.replace(path, template)
        return text

    def mapping(self, attributes: Mapping[str, Any]) -> dict[str, Any]:
        return {key: self.value(value) for key, value in attributes.items()}

    def value(self, value: Any) -> Any:
        if isinstance(value, str):
            return self(value)
        if isinstance(value, Sequence) and not isinstance(value, bytes):
            return tuple(self(v) if isinstance(v, str) else v for v in value)
        return value


class ScrubbingExporter(SpanExporter):
    """Hands `inner` every span scrubbed (`scrubbed`)."""

    def __init__(self, inner: SpanExporter) -> None:
        self.inner = inner

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return self.inner.export([scrubbed(span) for span in spans])

    def shutdown(self) -> None:
        self.inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.inner.force_flush(timeout_millis)
