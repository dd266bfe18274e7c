"""OpenTelemetry traces of a service, exported over OTLP/HTTP when a collector is configured.

The SDK provider is installed globally, so FastAPI's instrumentation, FastStream's Kafka
middleware and messaging.tracing all record into it; calls one service makes to another
with httpx carry the trace on. Without OTEL_EXPORTER_OTLP_ENDPOINT
nothing is installed and every span is a no-op. Every span is scrubbed on its way out
(service_kit.span_scrubbing): route templates and hosts, no token, path or query.
"""

from fastapi import FastAPI
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter

from service_kit.settings import ServiceSettings
from service_kit.span_scrubbing import ScrubbingExporter

# Probes and scrapes would fill every trace store with noise.
UNTRACED_PATHS = "health/live,health/ready,metrics"


def start_tracing(settings: ServiceSettings) -> TracerProvider | None:
    """Install a provider exporting to the configured collector; None when there is none."""
    endpoint = settings.otel_exporter_otlp_endpoint
    if not endpoint:
        return None
    exporter = OTLPSpanExporter(endpoint=endpoint.rstrip("/") + "/v1/traces")
    provider = tracer_provider(settings.service_name, exporter)
    trace.set_tracer_provider(provider)
    HTTPXClientInstrumentor().instrument(tracer_provider=provider)
    return provider


def tracer_provider(service_name: str, exporter: SpanExporter) -> TracerProvider:
    """A provider batching every span, scrubbed, to `exporter`."""
    provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
    provider.add_span_processor(BatchSpanProcessor(ScrubbingExporter(exporter)))
    return provider


def trace_requests(app: FastAPI, provider: TracerProvider) -> None:
    """A server span for every HTTP request but probes, in the trace its `traceparent` names."""
    FastAPIInstrumentor.instrument_app(app, tracer_provider=provider, excluded_urls=UNTRACED_PATHS)
