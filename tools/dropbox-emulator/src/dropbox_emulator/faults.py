"""Call counting and injected failures (429, 5xx, 401, delays) for any route."""

from __future__ import annotations

import asyncio

from fastapi.responses import PlainTextResponse, Response
from pydantic import BaseModel, Field

from .api import auth_error
from .state import Fault, World

EVERY_ROUTE = "*"  # a fault for every route that has none of its own (a slow Dropbox)


class FaultSpec(BaseModel):
    """A failure to answer the next `count` calls to `route` (`*`: any route) with, or just
    a delay."""

    route: str = Field(min_length=1)
    status: int | None = Field(default=None, ge=400, le=599)
    count: int = Field(default=1, ge=1)
    retry_after: int = Field(default=1, ge=0)
    delay_ms: int = Field(default=0, ge=0)


def add_fault(world: World, spec: FaultSpec) -> None:
    """Arm a fault, replacing any earlier one for the same route."""
    with world.lock:
        world.faults[spec.route] = Fault(spec.status, spec.count, spec.retry_after, spec.delay_ms)


def list_faults(world: World) -> list[FaultSpec]:
    """The armed faults with the calls they still have to answer."""
    with world.lock:
        return [
            FaultSpec(
                route=r,
                status=f.status,
                count=f.remaining,
                retry_after=f.retry_after,
                delay_ms=f.delay_ms,
            )
            for r, f in world.faults.items()
        ]


async def observe(world: World, name: str) -> Response | None:
    """Count a call to `name`; answer it with its armed fault, if there is one."""
    with world.lock:
        world.calls[name] += 1
        route = name if name in world.faults else EVERY_ROUTE
        fault = world.faults.get(route)
        if fault is not None:
            fault.remaining -= 1
            if fault.remaining <= 0:
                del world.faults[route]
    if fault is None:
        return None
    if fault.delay_ms:
        await asyncio.sleep(fault.delay_ms / 1000)
    return None if fault.status is None else fault_response(fault)


def fault_response(fault: Fault) -> Response:
    """The answer for a fault, shaped as Dropbox sends it so the SDK raises the real error."""
    status = fault.status or 500
    if status == 429:
        headers = {"Retry-After": str(fault.retry_after)}
        return PlainTextResponse("too_many_requests", status_code=429, headers=headers)
    if status == 401:
        return auth_error("expired_access_token")
    return PlainTextResponse(f"emulated failure {status}", status_code=status)
