"""OpenTelemetry traces of a service, exported over OTLP/HTTP when a collector is configured.

The SDK provider is installed globally, so FastAPI's instrumentation, FastStream's Kafka
middleware and messaging.tracing all record into it; calls one service makes to another
with httpx carry the trace on. Without OTEL_EXPORTER_OTLP_ENDPOINT
nothing is installed and every span is a no-op.
"""

from fastapi import FastAPI
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

from service_kit.settings import ServiceSettings

# Probes and scrapes would fill every trace store with noise.
UNTRACED_PATHS = "health/live,health/ready,metrics"


def start_tracing(settings: ServiceSettings) -> TracerProvider | None:
    """Install a provider exporting to the configured collector; None when there is none."""
    endpoint = settings.otel_exporter_otlp_endpoint
    if not endpoint:
        return None
    provider = TracerProvider(resource=Resource.create({"service.name": settings.service_name}))
    exporter = OTLPSpanExporter(endpoint=endpoint.rstrip("/") + "/v1/traces")
    provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    HTTPXClientInstrumentor().instrument(tracer_provider=provider)
    return provider


def trace_requests(app: FastAPI, provider: TracerProvider) -> None:
    """A server span for every HTTP request but probes, in the trace its `traceparent` names."""
    FastAPIInstrumentor.instrument_app(app, tracer_provider=provider, excluded_urls=UNTRACED_PATHS)
