"""Kafka consumers: share with collaborators, remove a collaborator's access.

Both act on Dropbox before they record anything, so a request already applied is
recognised first and never acted on again (a late redelivery must not re-grant access a
later removal took back, nor remove access a later share gave).
"""

from collections.abc import Callable

from contracts import topics
from contracts.events import (
    CollabFailed,
    CollabGranted,
    CollabRevoked,
    CollabRevokeFailed,
    CollabRevokeRequested,
    CollabShareRequested,
    Event,
)
from messaging.delivery import RetryLater, subscriber
from messaging.idempotency import act_once
from redis.asyncio.client import Pipeline

from dropbox_service import sharing
from dropbox_service.context import DropboxContext
from dropbox_service.dropbox_api import RateLimited

Write = Callable[[Pipeline], None]


def register(context: DropboxContext) -> None:
    """Subscribe the service's handlers on its broker."""
    runtime = context.runtime
    settings = runtime.settings
    store = context.store
    group = settings.consumer_group

    @subscriber(runtime.broker, settings.topic(topics.COLLAB_SHARE_REQUESTED), group_id=group)
    async def share_with_collaborators(request: CollabShareRequested) -> None:
        """Grant each collaborator access; publish collab.granted or collab.failed for each."""

        async def grant() -> Write:
            try:
                outcome = await sharing.grant(context.calls, request)
            except RateLimited as error:
                raise RetryLater(str(error)) from error
            connection = await store.connection(request.owner_id)
            events = grant_events(request, outcome, connection.name if connection else None)

            def write(pipe: Pipeline) -> None:
                for cid, given in outcome.granted.items():
                    store.add_grants(pipe, request.owner_id, request.track_id, cid, given)
                for event in events:
                    runtime.outbox.stage(pipe, event)

            return write

        await act_once(
            runtime.redis,
            consumer=f"{group}:share",
            event_id=request.event_id,
            act=grant,
            tag=runtime.outbox.tag(request.track_id),
        )

    @subscriber(runtime.broker, settings.topic(topics.COLLAB_REVOKE_REQUESTED), group_id=group)
    async def remove_collaborator_access(request: CollabRevokeRequested) -> None:
        """Take back every access given to the collaborator; publish collab.revoked, or
        collab.revoke.failed with the reason."""
        cid = request.collaborator.collaborator_id

        async def remove() -> Write:
            given = await store.grants(request.owner_id, request.track_id, cid)
            answer = {
                "request_id": request.request_id,
                "owner_id": request.owner_id,
                "track_id": request.track_id,
                "collaborator_id": cid,
            }
            event: Event
            try:
                await sharing.revoke(context.calls, request.owner_id, given)
                removed, event = list(given), CollabRevoked(**answer)
            except sharing.RemovalFailed as failure:
                removed = failure.removed
                event = CollabRevokeFailed(**answer, reason=failure.reason)

            def write(pipe: Pipeline) -> None:
                store.drop_grants(pipe, request.owner_id, request.track_id, cid, removed)
                runtime.outbox.stage(pipe, event)

            return write

        await act_once(
            runtime.redis,
            consumer=f"{group}:revoke",
            event_id=request.event_id,
            act=remove,
            tag=runtime.outbox.tag(request.track_id),
        )


def grant_events(
    request: CollabShareRequested, outcome: sharing.Outcome, owner_name: str | None
) -> list[Event]:
    """One collab.granted or collab.failed per collaborator of the request."""
    events: list[Event] = []
    for person in request.collaborators:
        if person.collaborator_id in outcome.granted:
            events.append(
                CollabGranted(
                    request_id=request.request_id,
                    job_id=request.job_id,
                    owner_id=request.owner_id,
                    owner_name=owner_name or request.owner_id,
                    track_id=request.track_id,
                    track_title=request.track_title,
                    collaborator=person,
                    mode=request.mode,
                    access_url=outcome.access_url,
                    message=request.message,
                )
            )
        else:
            events.append(
                CollabFailed(
                    request_id=request.request_id,
                    job_id=request.job_id,
                    owner_id=request.owner_id,
                    track_id=request.track_id,
                    collaborator_id=person.collaborator_id,
                    reason=outcome.failed.get(person.collaborator_id, "unknown"),
                )
            )
    return events
