"""Kafka consumers: which producers have Dropbox connected; answers to collaborator shares;
the leak guard's `disable`."""

from contracts import topics
from contracts.events import (
    CollabFailed,
    CollabGranted,
    CollabRevoked,
    CollabRevokeFailed,
    DropboxConnected,
    DropboxDisconnected,
    ShareAlert,
)
from messaging.delivery import subscriber
from messaging.markers import Purpose, scope

from link_service.context import LinkContext


def register(context: LinkContext) -> None:
    """Subscribe the service's handlers on its broker."""
    runtime = context.runtime
    settings = runtime.settings
    group, markers = settings.consumer_group, settings.marker_group

    @subscriber(runtime.broker, settings.topic(topics.DROPBOX_CONNECTED), group_id=group)
    async def remember_dropbox_connected(event: DropboxConnected) -> None:
        """From now on the owner may create links."""
        await context.connections.record(scope(markers, Purpose.DROPBOX_FLAG), event)

    @subscriber(runtime.broker, settings.topic(topics.DROPBOX_DISCONNECTED), group_id=group)
    async def forget_dropbox_connected(event: DropboxDisconnected) -> None:
        """The owner may no longer create links."""
        await context.connections.record(scope(markers, Purpose.DROPBOX_FLAG), event)

    @subscriber(runtime.broker, settings.topic(topics.SHARE_ALERT), group_id=group)
    async def disable_leaked(event: ShareAlert) -> None:
        """A leak guard set to `disable` revokes the token that leaked, or the link
        (revoking is idempotent: a redelivered alert changes nothing)."""
        if event.kind == "leak_suspected" and event.action == "disable" and event.link_id:
            await context.links.disable_leaked(event.owner_id, event.link_id, event.recipient_id)

    register_collaborator_answers(context)


def register_collaborator_answers(context: LinkContext) -> None:
    """Keep share status and job progress from dropbox-service's answers."""
    runtime = context.runtime
    settings = runtime.settings
    group, markers = settings.consumer_group, settings.marker_group
    collaborators = context.collaborators

    @subscriber(runtime.broker, settings.topic(topics.COLLAB_GRANTED), group_id=group)
    async def record_collaborator_granted(event: CollabGranted) -> None:
        """The collaborator has access: a green dot, one more answer for the job."""
        await collaborators.record_answer(scope(markers, Purpose.COLLAB_GRANTED), event)

    @subscriber(runtime.broker, settings.topic(topics.COLLAB_FAILED), group_id=group)
    async def record_collaborator_failed(event: CollabFailed) -> None:
        """Sharing with the collaborator failed, with the reason."""
        await collaborators.record_answer(scope(markers, Purpose.COLLAB_FAILED), event)

    @subscriber(runtime.broker, settings.topic(topics.COLLAB_REVOKED), group_id=group)
    async def record_collaborator_removed(event: CollabRevoked) -> None:
        """The collaborator's access is gone: not shared any more."""
        await collaborators.record_removal(scope(markers, Purpose.COLLAB_REVOKED), event)

    @subscriber(runtime.broker, settings.topic(topics.COLLAB_REVOKE_FAILED), group_id=group)
    async def record_collaborator_removal_failed(event: CollabRevokeFailed) -> None:
        """Dropbox refused the removal: failed with the reason; the producer may retry."""
        await collaborators.record_removal(scope(markers, Purpose.COLLAB_REVOKE_FAILED), event)
