"""Kafka consumers: which producers have Dropbox connected; answers to collaborator shares.

dropbox.connected and dropbox.disconnected are two topics, so Kafka does not order them
for one owner; the flag keeps the time of the event that set it and older events lose.
"""

from contracts import topics
from contracts.events import (
    CollabFailed,
    CollabGranted,
    CollabRevoked,
    CollabRevokeFailed,
    DropboxConnected,
    DropboxDisconnected,
)
from messaging.delivery import subscriber
from messaging.idempotency import apply_once
from redis.asyncio.client import Pipeline

from link_service.context import LinkContext


def register(context: LinkContext) -> None:
    """Subscribe the service's handlers on its broker."""
    runtime = context.runtime
    settings = runtime.settings
    store = context.links.store
    group = settings.consumer_group

    async def record(event: DropboxConnected | DropboxDisconnected, state: str) -> None:
        if (known := await store.dropbox_state(event.owner_id)) and known[1] > event.occurred_at:
            return  # a newer event already decided

        def write(pipe: Pipeline) -> None:
            store.set_dropbox_state(pipe, event.owner_id, state, event.occurred_at)

        await apply_once(
            runtime.redis, consumer=f"{group}:dropbox", event_id=event.event_id,
            write=write, tag=runtime.outbox.tag(event.owner_id),
        )  # fmt: skip

    @subscriber(runtime.broker, settings.topic(topics.DROPBOX_CONNECTED), group_id=group)
    async def remember_dropbox_connected(event: DropboxConnected) -> None:
        """From now on the owner may create links."""
        await record(event, "connected")

    @subscriber(runtime.broker, settings.topic(topics.DROPBOX_DISCONNECTED), group_id=group)
    async def forget_dropbox_connected(event: DropboxDisconnected) -> None:
        """The owner may no longer create links."""
        await record(event, "disconnected")

    register_collaborator_answers(context)


def register_collaborator_answers(context: LinkContext) -> None:
    """Keep share status and job progress from dropbox-service's answers."""
    runtime = context.runtime
    settings = runtime.settings
    group = settings.consumer_group
    collaborators = context.collaborators

    @subscriber(runtime.broker, settings.topic(topics.COLLAB_GRANTED), group_id=group)
    async def record_collaborator_granted(event: CollabGranted) -> None:
        """The collaborator has access: a green dot, one more answer for the job."""
        await collaborators.record_answer(f"{group}:collab-granted", event, "granted")

    @subscriber(runtime.broker, settings.topic(topics.COLLAB_FAILED), group_id=group)
    async def record_collaborator_failed(event: CollabFailed) -> None:
        """Sharing with the collaborator failed, with the reason."""
        await collaborators.record_answer(f"{group}:collab-failed", event, "failed")

    @subscriber(runtime.broker, settings.topic(topics.COLLAB_REVOKED), group_id=group)
    async def record_collaborator_removed(event: CollabRevoked) -> None:
        """The collaborator's access is gone: not shared any more."""
        await collaborators.record_removal(f"{group}:collab-revoked", event)

    @subscriber(runtime.broker, settings.topic(topics.COLLAB_REVOKE_FAILED), group_id=group)
    async def record_collaborator_removal_failed(event: CollabRevokeFailed) -> None:
        """Dropbox refused the removal: failed with the reason; the producer may retry."""
        await collaborators.record_removal(f"{group}:collab-revoke-failed", event)
