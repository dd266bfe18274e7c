"""Kafka consumers: a revoked link, or a recipient's revoked token, leaves this instance's
cache at once."""

from contracts import topics
from contracts.events import ShareRecipientRevoked, ShareRevoked
from messaging.delivery import broadcast_subscriber

from gateway.context import GatewayContext


def register(context: GatewayContext) -> None:
    """Subscribe the gateway's handlers on its broker."""
    runtime = context.runtime
    # Every instance keeps its own cache, so every instance needs every share.revoked,
    # from now on (the cache is younger than that anyway).

    @broadcast_subscriber(runtime.broker, runtime.settings.topic(topics.SHARE_REVOKED))
    async def on_share_revoked_forget_link(event: ShareRevoked) -> None:
        """Drop the revoked link from the cache."""
        context.shares.forget(event.link_id)

    @broadcast_subscriber(runtime.broker, runtime.settings.topic(topics.SHARE_RECIPIENT_REVOKED))
    async def on_recipient_revoked_forget_token(event: ShareRecipientRevoked) -> None:
        """Drop the recipient's token from the cache; the link's others stay."""
        context.shares.forget(event.recipient_id)
