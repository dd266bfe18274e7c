"""What the gateway's routes and consumers share."""

import logging
from dataclasses import dataclass
from typing import Annotated

import httpx
from contracts.events import Event
from fastapi import Depends
from redis.exceptions import RedisError
from service_kit.runtime import Runtime, from_app_state

from gateway.link_source import LinkSource
from gateway.previews import Signer
from gateway.rate_limit import UnknownTokenLimit
from gateway.settings import Settings

log = logging.getLogger(__name__)


class DropboxUnavailable(Exception):
    """dropbox-service could not hand out a temporary link."""


class OwnerDisconnected(DropboxUnavailable):
    """The owner's Dropbox is not connected (any more)."""


@dataclass(frozen=True)
class GatewayContext:
    """Settings, links by token, the dropbox-service client, the client fetching previews'
    bytes, the preview signer, the rate limit, the outbox."""

    settings: Settings
    runtime: Runtime
    links: LinkSource
    dropbox: httpx.AsyncClient
    content: httpx.AsyncClient
    signer: Signer
    limit: UnknownTokenLimit

    async def temporary_link(self, owner_id: str, path: str) -> str:
        """A Dropbox temporary link to the owner's file, from dropbox-service."""
        try:
            answer = await self.dropbox.post(
                "/internal/temporary-links", json={"owner_id": owner_id, "path": path}
            )
        except httpx.TransportError as error:
            raise DropboxUnavailable(repr(error)) from error
        if answer.status_code == 409:
            raise OwnerDisconnected(owner_id)
        if answer.status_code != 200:
            raise DropboxUnavailable(f"dropbox-service answered {answer.status_code}")
        url: str = answer.json()["url"]
        return url

    async def record(self, event: Event) -> None:
        """Stage an event in the outbox: one Redis write, relayed to Kafka off the request."""
        try:
            async with self.runtime.redis.pipeline(transaction=True) as pipe:
                self.runtime.outbox.stage(pipe, event)
                await pipe.execute()
        except RedisError as error:  # the page is served all the same
            log.error("could not record %s: %r", event.topic, error)


GatewayDep = Annotated[GatewayContext, Depends(from_app_state("gateway"))]
