"""Calls to another service, against a real HTTP server answering as our services do:
credentials sent, each answer mapped to its one exception, and no path in any message."""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from types import SimpleNamespace
from typing import ClassVar

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.responses import HTMLResponse, Response
from pydantic import SecretStr
from service_kit.auth import CurrentOwner, internal_caller
from service_kit.problems import Problem, install_problem_handlers
from service_kit.service_client import (
    NotFound,
    Refused,
    ServiceClient,
    ServiceUnavailable,
    Unauthenticated,
)
from service_kit.settings import ServiceSettings, dev_internal_token
from service_kit.testing import bearer, free_port

pytestmark = pytest.mark.integration

TOKEN = "S3cretShareToken" * 2  # a share token in a path must not reach a message


class _Settings(ServiceSettings):
    service_name: ClassVar[str] = "link-service"  # the gateway calls it
    port: int = 0


def _answering_service() -> FastAPI:
    app = FastAPI()
    app.state.runtime = SimpleNamespace(settings=_Settings())
    install_problem_handlers(app, {})

    @app.get("/internal/links/by-token/{token}", dependencies=[internal_caller("gateway")])
    async def by_token(token: str) -> dict[str, str]:
        if token == "known":
            return {"id": "lnk_1"}
        raise Problem.not_found("link")

    @app.get("/v1/me")
    async def me(owner: CurrentOwner) -> dict[str, str]:
        return {"user_id": owner.user_id}

    @app.post("/v1/links")
    async def create(owner: CurrentOwner) -> dict[str, str]:
        raise Problem(409, "dropbox_not_connected", "Not connected", "Connect Dropbox first.")

    @app.get("/v1/proxied")
    async def proxied() -> Response:
        return HTMLResponse("<h1>a proxy's page</h1>", status_code=429)

    @app.get("/v1/failing/{token}")
    async def failing(token: str) -> Response:
        return Response("boom", status_code=502)

    @app.get("/v1/slow/{token}")
    async def slow(token: str) -> dict[str, str]:
        await asyncio.sleep(1)  # longer than the client's timeout
        return {}

    @app.delete("/v1/things")
    async def delete() -> Response:
        return Response(status_code=204)

    return app


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:  # pytest keeps its own
        yield


@pytest.fixture(scope="module")
async def base_url() -> AsyncIterator[str]:
    port = free_port()
    config = uvicorn.Config(
        _answering_service(), port=port, lifespan="off", log_config=None, access_log=False
    )
    server = _Server(config)
    serving = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await serving


def _client(base_url: str, internal_token: SecretStr | None = None) -> ServiceClient:
    return ServiceClient(
        "answering",
        base_url,
        timeout_s=0.5,
        connect_timeout_s=0.5,
        internal_token=internal_token,
    )


@pytest.fixture
async def internal(base_url: str) -> AsyncIterator[ServiceClient]:
    client = _client(base_url, SecretStr(dev_internal_token("gateway")))
    yield client
    await client.aclose()


@pytest.fixture
async def public(base_url: str) -> AsyncIterator[ServiceClient]:
    client = _client(base_url)
    yield client
    await client.aclose()


def _jwt(user_id: str) -> str:
    return bearer(user_id)["Authorization"].removeprefix("Bearer ")


async def test_an_internal_call_carries_the_internal_token(internal: ServiceClient):
    assert await internal.call("GET", "/internal/links/by-token/known") == {"id": "lnk_1"}


async def test_a_wrong_internal_token_is_unauthenticated(base_url: str):
    client = _client(base_url, SecretStr("not-the-token"))
    with pytest.raises(Unauthenticated):
        await client.call("GET", "/internal/links/by-token/known")
    await client.aclose()


async def test_a_call_as_a_producer_carries_their_jwt(public: ServiceClient):
    assert await public.call("GET", "/v1/me", jwt=_jwt("u-7")) == {"user_id": "u-7"}
    with pytest.raises(Unauthenticated):
        await public.call("GET", "/v1/me")


async def test_a_404_keeps_its_code_and_an_unknown_route_says_not_found(internal: ServiceClient):
    with pytest.raises(NotFound) as unknown_link:
        await internal.call("GET", f"/internal/links/by-token/{TOKEN}")
    with pytest.raises(NotFound) as unknown_route:
        await internal.call("GET", f"/internal/nothing/{TOKEN}")
    assert (unknown_link.value.code, unknown_route.value.code) == ("link_not_found", "not_found")
    assert TOKEN not in f"{unknown_link.value} {unknown_route.value}"


async def test_a_refusal_keeps_its_code_and_detail(public: ServiceClient):
    with pytest.raises(Refused) as refused:
        await public.call("POST", "/v1/links", jwt=_jwt("u-7"), json={})
    assert (refused.value.code, refused.value.detail) == (
        "dropbox_not_connected",
        "Connect Dropbox first.",
    )


async def test_a_refusal_that_is_no_problem_is_named_by_its_status(public: ServiceClient):
    with pytest.raises(Refused) as refused:
        await public.call("GET", "/v1/proxied")
    assert refused.value.code == "http_429" and "a proxy's page" in refused.value.detail
    assert "proxy" not in str(refused.value), "a body may repeat the path: never in a message"


@pytest.mark.parametrize("path", [f"/v1/failing/{TOKEN}", f"/v1/slow/{TOKEN}"])
async def test_a_5xx_or_no_answer_in_time_is_unavailable_without_the_path(
    public: ServiceClient, path: str
):
    with pytest.raises(ServiceUnavailable) as unavailable:
        await public.call("GET", path)
    assert str(unavailable.value).startswith("answering: ") and TOKEN not in str(unavailable.value)


async def test_nobody_listening_is_unavailable():
    client = _client(f"http://127.0.0.1:{free_port()}")
    with pytest.raises(ServiceUnavailable, match="ConnectError"):
        await client.call("GET", f"/internal/links/by-token/{TOKEN}")
    await client.aclose()


async def test_an_answer_without_a_body_is_none(public: ServiceClient):
    assert await public.call("DELETE", "/v1/things") is None
