"""Trace context across the outbox and Kafka (W3C `traceparent`), so that one trace runs
from an HTTP request through the events it staged to every consumer of them.

With tracing off (no SDK provider installed, service_kit.tracing) the current span is
invalid: nothing is written into the outbox or headers and no span is recorded.
"""

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from opentelemetry import context, trace
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

_PROPAGATOR = TraceContextTextMapPropagator()
_tracer = trace.get_tracer("messaging")


def current_trace() -> dict[str, str]:
    """The current span's `traceparent` (and `tracestate`), for an event staged now."""
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier)
    return carrier


def trace_of(fields: Mapping[str, str]) -> dict[str, str]:
    """The trace fields among a staged event's fields."""
    return {name: fields[name] for name in _PROPAGATOR.fields if name in fields}


@contextmanager
def continuing(fields: Mapping[str, str]) -> Iterator[None]:
    """Run the block inside the trace `fields` carry (a relay publishing a staged event)."""
    token = context.attach(_PROPAGATOR.extract(fields))
    try:
        yield
    finally:
        context.detach(token)


@contextmanager
def record_spans(records: Iterable[Any], name: str) -> Iterator[None]:
    """One span per Kafka record, each in its own record's trace, for the block: a batch
    consumer's work shows in the trace of every event it handled."""
    if isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider):
        yield  # tracing is off: no span objects for thousands of records a second
        return
    spans = [
        _tracer.start_span(
            name, context=_PROPAGATOR.extract(_headers(r)), kind=trace.SpanKind.CONSUMER
        )
        for r in records
    ]
    try:
        yield
    finally:
        for span in spans:
            span.end()


def _headers(record: Any) -> dict[str, str]:
    return {
        key: value.decode(errors="replace")
        for key, value in getattr(record, "headers", None) or ()
        if isinstance(value, bytes)
    }
