"""Endpoints every service has: health (`health_router`), and for operators Prometheus
metrics and the AsyncAPI document (`operator_router`; on the gateway they live on its
admin listener, never its public port)."""

import asyncio
from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from service_kit.asyncapi import service_document
from service_kit.runtime import RuntimeDep

health_router = APIRouter()
operator_router = APIRouter()

PROBE_TIMEOUT_S = 2.0


@health_router.get("/health/live", tags=["health"])
async def live() -> dict[str, str]:
    """The process answers."""
    return {"status": "ok"}


@health_router.get("/health/ready", tags=["health"])
async def ready(runtime: RuntimeDep) -> JSONResponse:
    """Redis and Kafka both answer: 200, else 503 naming the one that does not."""
    redis_ok, kafka_ok = await asyncio.gather(
        _probe(runtime.redis.ping()), _probe(runtime.broker.ping(timeout=PROBE_TIMEOUT_S))
    )
    checks = {"redis": "ok" if redis_ok else "down", "kafka": "ok" if kafka_ok else "down"}
    ok = redis_ok and kafka_ok
    return JSONResponse(
        {"status": "ready" if ok else "not_ready", "checks": checks}, status_code=200 if ok else 503
    )


@operator_router.get("/metrics", tags=["health"], include_in_schema=False)
async def metrics() -> Response:
    """Prometheus text exposition of this process's metrics."""
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


@operator_router.get("/asyncapi.json", tags=["health"])
async def asyncapi(runtime: RuntimeDep) -> dict[str, Any]:
    """The AsyncAPI document of the topics this service publishes and consumes."""
    return service_document(runtime.broker, runtime.settings.service_name)


async def _probe(check: Any) -> bool:
    try:
        return bool(await asyncio.wait_for(check, PROBE_TIMEOUT_S))
    except Exception:
        return False
