"""Kafka consumers: share a track with its collaborators, remove one's access
(services/grants.py)."""

from contracts import topics
from contracts.events import CollabRevokeRequested, CollabShareRequested
from messaging.delivery import subscriber

from dropbox_service.context import DropboxContext


def register(context: DropboxContext) -> None:
    """Subscribe the service's handlers on its broker."""
    runtime = context.runtime
    settings = runtime.settings
    group = settings.consumer_group

    # Share requests are keyed by track: a bulk share spreads over the partitions, and each
    # of these consumers takes its own (one request at a time per partition, in order).
    @subscriber(
        runtime.broker,
        settings.topic(topics.COLLAB_SHARE_REQUESTED),
        group_id=group,
        max_workers=context.settings.share_consumers,
    )
    async def share_with_collaborators(request: CollabShareRequested) -> None:
        """Grant each collaborator access; publish collab.granted or collab.failed for each."""
        await context.grants.share(request)

    @subscriber(runtime.broker, settings.topic(topics.COLLAB_REVOKE_REQUESTED), group_id=group)
    async def remove_collaborator_access(request: CollabRevokeRequested) -> None:
        """Take back every access given; publish collab.revoked or collab.revoke.failed."""
        await context.grants.remove(request)
