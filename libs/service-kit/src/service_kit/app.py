"""`create_service_app`: the FastAPI app whose lifespan owns Redis, Kafka and the outbox relay."""

import asyncio
import inspect
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager, suppress
from typing import Any

from contracts.events import Event
from fastapi import APIRouter, FastAPI
from messaging.context import correlation_id_var, safe_correlation_id
from messaging.kafka import ensure_topics, make_broker
from messaging.outbox import Outbox, OutboxRelay
from messaging.redis_client import connect_redis
from prometheus_client import Histogram
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service_kit.admin import Admin, AdminListener
from service_kit.body_limit import BodyLimit
from service_kit.lag import watch_lag
from service_kit.openapi import development_servers, operation_id, with_problem_schemas
from service_kit.problems import ProblemFor, install_problem_handlers, storage_unavailable
from service_kit.routes import health_router, operator_router
from service_kit.runtime import Runtime
from service_kit.services import BY_NAME
from service_kit.settings import ServiceSettings
from service_kit.tracing import start_tracing, trace_requests

log = logging.getLogger(__name__)

HTTP_SECONDS = Histogram(
    "http_request_duration_seconds",
    "HTTP answers by route template and status",
    ["method", "route", "status"],
)

Closer = Callable[[], Awaitable[None] | None]
# A service's own loop, run as a task from start to stop (cancelled at stop).
Loop = Callable[[], Coroutine[Any, Any, None]]


def build_runtime(settings: ServiceSettings) -> Runtime:
    """The service's Redis client, broker and outbox; nothing connects yet."""
    tracing = start_tracing(settings)
    # One id per process: its outbox relay's lease holder and its Kafka client id (so a
    # consumer group's description tells the instances apart).
    instance_id = f"{settings.service_name}-{uuid.uuid4().hex[:12]}"
    return Runtime(
        settings=settings,
        instance_id=instance_id,
        redis=connect_redis(
            settings.redis_address,
            cluster=settings.redis_cluster,
            max_connections=settings.redis_max_connections,
            timeout_s=settings.redis_pool_timeout_s,
        ),
        broker=make_broker(
            settings.kafka,
            client_id=instance_id,
            traced=tracing is not None,
        ),
        outbox=Outbox(
            service=settings.service_name,
            key_prefix=settings.service_key_prefix,
            topic_prefix=settings.topic_prefix,
            shards=settings.outbox_shards,
        ),
        tracing=tracing,
    )


def create_service_app(
    runtime: Runtime,
    *,
    title: str,
    routers: Iterable[APIRouter] = (),
    publishes: Iterable[type[Event]] = (),
    on_shutdown: Iterable[Closer] = (),
    background: Iterable[Loop] = (),
    problems: Mapping[type[Exception], ProblemFor] | None = None,
    admin: Admin | None = None,
) -> FastAPI:
    """Build a service's app around `runtime`, whose subscribers are already registered.

    `publishes`: the events the service relays from its outbox (its AsyncAPI document);
    `on_shutdown`: its own resources, closed after the broker stops; `background`: its
    own loops, run from start to stop beside the relay; `problems`: the
    problem details each of its domain exceptions is answered with. With `admin` the app
    faces the internet: docs, OpenAPI, metrics and AsyncAPI go on the admin listener.
    """
    for event in publishes:
        topic = runtime.settings.topic(event.topic)
        runtime.broker.publisher(topic, schema=event, description=event.__doc__)
    listener = AdminListener(admin, title, runtime) if admin else None
    lifespan = _lifespan(runtime, list(on_shutdown), list(background), listener)
    app = _documented_app(title, runtime.settings.service_name, lifespan, serves_docs=not admin)
    app.state.runtime = runtime
    app.add_middleware(BodyLimit, max_bytes=runtime.settings.max_body_bytes)
    app.add_middleware(RequestContext)
    install_problem_handlers(app, _OUTAGES | dict(problems or {}))
    for router in (health_router, *routers):
        app.include_router(router)
    if listener is None:
        app.include_router(operator_router)
    else:
        listener.describe(app)
    if runtime.tracing is not None:
        trace_requests(app, runtime.tracing)
    return app


# Redis away (restarting, failing over): 503 and when to retry, never a 500.
_OUTAGES: dict[type[Exception], ProblemFor] = {
    RedisConnectionError: storage_unavailable,
    RedisTimeoutError: storage_unavailable,
}


def _documented_app(
    title: str,
    service_name: str,
    lifespan: Callable[[FastAPI], AbstractAsyncContextManager[None]],
    serves_docs: bool,
) -> FastAPI:
    """The app and how its OpenAPI document describes it (docs/openapi/)."""
    app = FastAPI(
        title=title,
        lifespan=lifespan,
        docs_url="/docs" if serves_docs else None,
        redoc_url="/redoc" if serves_docs else None,
        openapi_url="/openapi.json" if serves_docs else None,
        servers=development_servers(BY_NAME[service_name].default_port),
        generate_unique_id_function=operation_id,
    )
    app.openapi = with_problem_schemas(app)  # type: ignore[method-assign]
    return app


def _lifespan(
    runtime: Runtime,
    closers: list[Closer],
    loops: list[Loop],
    admin: AdminListener | None,
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Start: topics, the broker, the outbox relay, the service's loops. Stop: in reverse,
    then `closers`, Redis."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await _provision_topics(runtime.settings)
        await runtime.broker.start()
        tasks = _start_loops(runtime, loops)
        if admin is not None:
            await admin.start()
        log.info("started", extra={"port": runtime.settings.port})
        try:
            yield
        finally:
            if admin is not None:
                await admin.stop()
            for task in tasks:
                task.cancel()
                with suppress(asyncio.CancelledError):
                    await task
            await runtime.broker.stop()
            for close in closers:
                if inspect.isawaitable(result := close()):
                    await result
            await runtime.redis.aclose()
            if runtime.tracing is not None:
                runtime.tracing.shutdown()  # the last spans are exported

    return lifespan


def _start_loops(runtime: Runtime, loops: list[Loop]) -> list[asyncio.Task[None]]:
    """The outbox relay, the consumer-lag gauge and the service's own loops, started."""
    relay = OutboxRelay(
        runtime.redis, runtime.broker, runtime.outbox, instance_id=runtime.instance_id
    )
    interval = runtime.settings.consumer_lag_interval_s
    return [
        asyncio.create_task(relay.run(), name="outbox-relay"),
        asyncio.create_task(watch_lag(runtime.settings, interval), name="lag"),
        *(asyncio.create_task(loop(), name=loop.__qualname__) for loop in loops),
    ]


async def _provision_topics(settings: ServiceSettings) -> None:
    """Create the topics this service touches (those its principal may create: DESIGN §19),
    waiting for Kafka up to the start-up timeout."""
    names = [settings.topic(name) for name in BY_NAME[settings.service_name].topics]
    deadline = time.monotonic() + settings.startup_timeout_s
    while True:
        try:
            await ensure_topics(
                settings.kafka,
                names,
                partitions=settings.kafka_topic_partitions,
                replication_factor=settings.kafka_replication_factor,
            )
            return
        except Exception as error:
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"Kafka at {settings.kafka_bootstrap_servers} did not answer within "
                    f"{settings.startup_timeout_s:.0f}s; start it (make up) or set "
                    "KAFKA_BOOTSTRAP_SERVERS"
                ) from error
            log.warning(
                "waiting for Kafka",
                extra={"kafka": settings.kafka_bootstrap_servers, "error": repr(error)},
            )
            await asyncio.sleep(2.0)


class RequestContext:
    """ASGI middleware giving each request its correlation id (its `X-Request-ID` when plain,
    else a new one): in its logs, on the events it stages, and back in the answer's
    `X-Request-ID`; and timing it by route template. Plain ASGI: it runs on every request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        asked = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        correlation_id = safe_correlation_id(asked) or uuid.uuid4().hex
        status = 500  # what the server answers when the app fails before starting a response

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", correlation_id.encode()),
                ]
            await send(message)

        token = correlation_id_var.set(correlation_id)
        started = time.perf_counter()
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            correlation_id_var.reset(token)
            # The route's template, never the path: no share token or id becomes a label.
            route = getattr(scope.get("route"), "path", "unmatched")
            HTTP_SECONDS.labels(scope["method"], route, str(status)).observe(
                time.perf_counter() - started
            )
