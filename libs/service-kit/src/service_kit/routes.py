"""Endpoints every service has: health (`health_router`, in the OpenAPI document, no
credentials), and for operators Prometheus metrics and the AsyncAPI document
(`operator_router`, outside the OpenAPI document like /openapi.json itself; on the gateway
they live on its admin listener, never its public port)."""

import asyncio
from typing import Any, Literal

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel

from service_kit.asyncapi import service_document
from service_kit.openapi import PUBLIC, problem_responses
from service_kit.runtime import RuntimeDep

health_router = APIRouter()
operator_router = APIRouter()

PROBE_TIMEOUT_S = 2.0


class Liveness(BaseModel):
    """The process answers."""

    status: Literal["ok"]


class Readiness(BaseModel):
    """Whether Redis and Kafka answer (`ready`), and each one's check."""

    status: Literal["ready", "not_ready"]
    checks: dict[str, Literal["ok", "down"]]


# 422: any request with a body over MAX_BODY_BYTES, even here (service_kit.body_limit).
@health_router.get(
    "/health/live", tags=["health"], openapi_extra=PUBLIC, responses=problem_responses(422)
)
async def get_liveness() -> Liveness:
    """The process answers."""
    return Liveness(status="ok")


@health_router.get(
    "/health/ready",
    tags=["health"],
    openapi_extra=PUBLIC,
    response_model=Readiness,
    responses={
        **problem_responses(422),
        503: {"model": Readiness, "description": "Redis or Kafka does not answer"},
    },
)
async def get_readiness(runtime: RuntimeDep) -> JSONResponse:
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


@operator_router.get("/asyncapi.json", tags=["health"], include_in_schema=False)
async def asyncapi(runtime: RuntimeDep) -> dict[str, Any]:
    """The AsyncAPI document of the topics this service publishes and consumes."""
    return service_document(runtime.broker, runtime.settings.service_name)


async def _probe(check: Any) -> bool:
    try:
        return bool(await asyncio.wait_for(check, PROBE_TIMEOUT_S))
    except Exception:
        return False
