"""Trace context through the outbox and Kafka headers (messaging.tracing)."""

from types import SimpleNamespace

from messaging.tracing import continuing, current_trace, record_spans, trace_of
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags

SAMPLED = SpanContext(trace_id=0xA1, span_id=0xB2, is_remote=False, trace_flags=TraceFlags(1))
TRACEPARENT = f"00-{0xA1:032x}-{0xB2:016x}-01"


def test_an_event_staged_in_a_span_carries_its_traceparent_and_none_outside():
    with trace.use_span(NonRecordingSpan(SAMPLED)):
        assert current_trace() == {"traceparent": TRACEPARENT}
    assert current_trace() == {}


def test_the_relay_publishes_inside_the_staged_trace():
    fields = {"topic": "share.viewed", "traceparent": TRACEPARENT, "value": "{}"}
    assert trace_of(fields) == {"traceparent": TRACEPARENT}
    with continuing(fields):
        current = trace.get_current_span().get_span_context()
    assert (current.trace_id, current.span_id) == (0xA1, 0xB2)
    assert not trace.get_current_span().get_span_context().is_valid


def test_a_batch_records_one_span_per_record_in_that_records_trace():
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)  # the messaging tracer is a proxy: it follows
    records = [
        SimpleNamespace(headers=[("traceparent", TRACEPARENT.encode())]),
        SimpleNamespace(headers=[]),
    ]
    with record_spans(records, "share.viewed count"):
        assert exporter.get_finished_spans() == ()
    traced, untraced = exporter.get_finished_spans()
    assert traced.context.trace_id == 0xA1 and traced.parent.span_id == 0xB2
    assert untraced.parent is None and untraced.context.trace_id != 0xA1
