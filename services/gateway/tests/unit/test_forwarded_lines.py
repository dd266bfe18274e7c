"""The client behind trusted proxies, when X-Forwarded-For comes in more than one header line
(a proxy appending its own line after the client's): every line counts, in order."""

from ipaddress import ip_network

import httpx
import pytest
from fastapi import FastAPI, Request
from gateway.domain import client_address

pytestmark = pytest.mark.unit

PROXIES = [ip_network("127.0.0.1/32"), ip_network("10.0.0.0/8")]


def _request(peer: str, *lines: str) -> Request:
    headers = [(b"x-forwarded-for", line.encode()) for line in lines]
    return Request({"type": "http", "client": (peer, 5000), "headers": headers})


@pytest.mark.parametrize(
    ("lines", "client"),
    [
        (("6.6.6.6", "203.0.113.1"), "203.0.113.1"),  # the client's own line comes first
        (("6.6.6.6, 7.7.7.7", "203.0.113.1, 10.1.2.3"), "203.0.113.1"),
        (("203.0.113.1", "10.1.2.3"), "203.0.113.1"),
    ],
)
def test_a_second_forwarded_line_is_read_after_the_first(lines, client):
    assert client_address(_request("127.0.0.1", *lines), PROXIES) == client


async def test_duplicate_forwarded_lines_reach_the_app_as_sent():
    """An in-process client passes both lines on, as uvicorn does: the address is the
    proxy's line, not the one the client chose."""
    app = FastAPI()

    @app.get("/")
    async def whom(request: Request) -> str:
        return client_address(request, PROXIES)

    transport = httpx.ASGITransport(app, client=("127.0.0.1", 5000))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        headers = [("X-Forwarded-For", "6.6.6.6"), ("X-Forwarded-For", "203.0.113.1")]
        answer = await client.get("/", headers=headers)
    assert answer.json() == "203.0.113.1"
