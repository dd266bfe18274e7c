"""Kafka consumers: a revoked link leaves this instance's cache at once."""

import uuid

from contracts import topics
from contracts.events import ShareRevoked
from messaging.delivery import subscriber
from service_kit.runtime import Runtime

from gateway.link_source import LinkSource


def register(runtime: Runtime, links: LinkSource) -> None:
    """Subscribe the gateway's handlers on its broker."""
    settings = runtime.settings
    # Every instance keeps its own cache, so every instance needs every share.revoked:
    # a group of its own, reading from now on (the cache is younger than that anyway).
    group = f"{settings.consumer_group}.cache.{uuid.uuid4().hex[:12]}"

    @subscriber(
        runtime.broker,
        settings.topic(topics.SHARE_REVOKED),
        group_id=group,
        auto_offset_reset="latest",
    )
    async def on_share_revoked_forget_link(event: ShareRevoked) -> None:
        """Drop the revoked link from the cache."""
        links.forget(event.link_id)
