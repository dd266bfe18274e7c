import time
from types import SimpleNamespace

import httpx
import pytest
from contracts.auth import TokenPolicy, internal_token_digest, issue_producer_token
from fastapi import FastAPI
from service_kit.auth import CurrentOwner, internal_caller
from service_kit.problems import PROBLEM_JSON, install_problem_handlers
from service_kit.settings import DEV_JWT_SECRET, dev_internal_token


@pytest.fixture
async def client() -> httpx.AsyncClient:
    app = FastAPI()
    install_problem_handlers(app, {})
    app.state.runtime = SimpleNamespace(
        settings=SimpleNamespace(
            token_policy=TokenPolicy(DEV_JWT_SECRET),
            admitted_callers={
                name: internal_token_digest(dev_internal_token(name))
                for name in ("gateway", "dropbox-service")
            },
        )
    )

    @app.get("/mine")
    def mine(owner: CurrentOwner) -> dict[str, str]:
        return {"owner": owner.user_id}

    @app.get("/internal/x", dependencies=[internal_caller("gateway")])
    def internal() -> dict[str, bool]:
        return {"ok": True}

    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


def _token(secret: str = DEV_JWT_SECRET, ttl: int = 60) -> str:
    return issue_producer_token("u-1", secret, expires_at=int(time.time()) + ttl)


async def test_valid_bearer_names_the_owner(client: httpx.AsyncClient):
    answer = await client.get("/mine", headers={"Authorization": f"Bearer {_token()}"})
    assert answer.status_code == 200
    assert answer.json() == {"owner": "u-1"}


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic dTpw"}],
    ids=["missing", "garbage", "wrong-scheme"],
)
async def test_missing_or_invalid_bearer_is_401(client: httpx.AsyncClient, headers: dict[str, str]):
    answer = await client.get("/mine", headers=headers)
    assert answer.status_code == 401
    assert answer.headers["content-type"] == PROBLEM_JSON
    assert answer.headers["www-authenticate"] == "Bearer"
    assert answer.json()["code"] == "not_authenticated"
    assert answer.headers["www-authenticate"] == "Bearer"


async def test_expired_bearer_is_401(client: httpx.AsyncClient):
    answer = await client.get("/mine", headers={"Authorization": f"Bearer {_token(ttl=-10)}"})
    assert answer.status_code == 401
    assert "expired" in answer.json()["detail"].lower()


async def test_internal_endpoint_needs_the_internal_token(client: httpx.AsyncClient):
    assert (await client.get("/internal/x")).status_code == 401
    wrong = await client.get("/internal/x", headers={"X-Internal-Token": "wrong"})
    assert (wrong.status_code, wrong.json()["code"]) == (401, "not_authenticated")
    assert wrong.headers["content-type"] == PROBLEM_JSON
    ok = await client.get(
        "/internal/x", headers={"X-Internal-Token": dev_internal_token("gateway")}
    )
    assert ok.status_code == 200


async def test_another_callers_valid_token_is_403_on_a_route_it_may_not_call(
    client: httpx.AsyncClient,
):
    token = {"X-Internal-Token": dev_internal_token("dropbox-service")}
    answer = await client.get("/internal/x", headers=token)
    assert (answer.status_code, answer.json()["code"]) == (403, "caller_not_allowed")
    unknown = {"X-Internal-Token": dev_internal_token("notify-service")}  # admitted nowhere here
    assert (await client.get("/internal/x", headers=unknown)).status_code == 401


async def test_a_producer_token_is_no_internal_token(client: httpx.AsyncClient):
    answer = await client.get("/internal/x", headers={"Authorization": f"Bearer {_token()}"})
    assert answer.status_code == 401


async def test_a_token_for_another_audience_is_401(client: httpx.AsyncClient):
    token = issue_producer_token(
        "u-1", DEV_JWT_SECRET, expires_at=int(time.time()) + 60, audience="another-app"
    )
    answer = await client.get("/mine", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 401
    assert "audience" in answer.json()["detail"].lower()
