"""The connect flow of the service process with the real SDK against the emulator over HTTPS,
Kafka and Redis real (states, status, disconnects in-process: test_connections_core.py)."""

import json
from uuid import uuid4

import httpx
import pytest
from contracts.topics import DROPBOX_CONNECTED
from messaging.testing import read_topic
from redis.asyncio import Redis
from service_kit.testing import bearer

pytestmark = pytest.mark.integration


def _email() -> str:
    return f"p{uuid4().hex[:8]}@example.com"


def _status(service, owner_id: str) -> dict:
    return httpx.get(f"{service.base_url}/v1/dropbox/status", headers=bearer(owner_id)).json()


async def test_connect_flow_stores_an_encrypted_token_and_announces_the_connection(
    dropbox_service, connect, kafka, redis_url, module_prefix, topic, owner_id
):
    email = _email()
    finished = connect(owner_id, email)
    assert finished.status_code == 200, finished.text
    assert finished.json()["account"]["email"] == email

    status = _status(dropbox_service, owner_id)
    assert status["connected"] is True
    assert status["account"]["email"] == email
    assert _status(dropbox_service, owner_id + "-other") == {"connected": False, "account": None}

    [event] = await read_topic(
        kafka,
        topic(DROPBOX_CONNECTED),
        expect=1,
        match=lambda record: record.key == owner_id.encode(),
    )
    payload = json.loads(event.value)
    assert (payload["owner_id"], payload["account_email"]) == (owner_id, email)

    redis = Redis.from_url(redis_url, decode_responses=True)
    [key] = await redis.keys(f"{module_prefix}dropbox-service:dropbox:conn:*:{owner_id}")
    stored = await redis.hget(key, "refresh_token")
    await redis.aclose()
    assert stored.startswith("gAAAAA"), "the refresh token is stored Fernet-encrypted"
