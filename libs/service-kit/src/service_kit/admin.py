"""The admin listener of a service facing the internet (DESIGN §12): health, docs, the
OpenAPI and AsyncAPI documents and Prometheus metrics on a second port, for operators,
while the public port serves none of them."""

import asyncio
import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import uvicorn
from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

from service_kit.problems import install_problem_handlers
from service_kit.routes import health_router, operator_router
from service_kit.runtime import Runtime


@dataclass(frozen=True)
class Admin:
    """Where the admin listener listens."""

    host: str
    port: int


class _SecondServer(uvicorn.Server):
    """A server sharing its process with the main one, which handles the signals."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class AdminListener:
    """The operators' app and the server running it beside the public one."""

    def __init__(self, admin: Admin, title: str, runtime: Runtime) -> None:
        self.app = FastAPI(
            title=f"{title} (admin)", docs_url=None, redoc_url=None, openapi_url=None
        )
        self.app.state.runtime = runtime
        install_problem_handlers(self.app, {})
        self.app.include_router(health_router)
        self.app.include_router(operator_router)
        config = uvicorn.Config(
            self.app,
            host=admin.host,
            port=admin.port,
            lifespan="off",
            log_config=None,
            access_log=False,
        )
        self.server = _SecondServer(config)
        self._task: asyncio.Task[None] | None = None

    def describe(self, public: FastAPI) -> None:
        """Serve the public app's OpenAPI document and docs here."""

        @self.app.get("/openapi.json", include_in_schema=False)
        async def openapi() -> dict[str, Any]:
            return public.openapi()

        @self.app.get("/docs", include_in_schema=False)
        async def docs() -> HTMLResponse:
            return get_swagger_ui_html(openapi_url="/openapi.json", title=public.title)

    async def start(self) -> None:
        """Listen; the public app's start waits until the admin port is bound."""
        self._task = asyncio.create_task(self.server.serve(), name="admin-listener")
        while not self.server.started:
            if self._task.done():
                await self._task  # raises why it could not start
                raise RuntimeError("the admin listener stopped at start")
            await asyncio.sleep(0.02)

    async def stop(self) -> None:
        """Stop listening."""
        self.server.should_exit = True
        if self._task is not None:
            await self._task
