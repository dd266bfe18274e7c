"""Kafka consumers: share with collaborators, remove a collaborator's access."""

import json
from dataclasses import asdict

from contracts import topics
from contracts.events import (
    CollabFailed,
    CollabGranted,
    CollabRevoked,
    CollabRevokeRequested,
    CollabShareRequested,
    Event,
)
from messaging.delivery import RetryLater, subscriber
from messaging.idempotency import apply_once
from redis.asyncio.client import Pipeline

from dropbox_service import sharing
from dropbox_service.context import DropboxContext
from dropbox_service.dropbox_api import RateLimited


def register(context: DropboxContext) -> None:
    """Subscribe the service's handlers on its broker."""
    runtime = context.runtime
    settings = runtime.settings
    group = settings.consumer_group

    @subscriber(runtime.broker, settings.topic(topics.COLLAB_SHARE_REQUESTED), group_id=group)
    async def share_with_collaborators(request: CollabShareRequested) -> None:
        """Grant each collaborator access; publish collab.granted or collab.failed for each."""
        try:
            outcome = await sharing.grant(context.calls, request)
        except RateLimited as error:
            raise RetryLater(str(error)) from error
        connection = await context.store.connection(request.owner_id)
        owner_name = connection.name if connection else request.owner_id
        events: list[Event] = []
        for person in request.collaborators:
            if person.collaborator_id in outcome.granted:
                events.append(
                    CollabGranted(
                        request_id=request.request_id,
                        job_id=request.job_id,
                        owner_id=request.owner_id,
                        owner_name=owner_name,
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

        def write(pipe: Pipeline) -> None:
            for collaborator_id, grant in outcome.granted.items():
                key = context.store.grant_key(request.owner_id, request.track_id, collaborator_id)
                pipe.set(key, json.dumps(asdict(grant)))
            for event in events:
                runtime.outbox.stage(pipe, event)

        await apply_once(
            runtime.redis,
            consumer=f"{group}:share",
            event_id=request.event_id,
            write=write,
            tag=runtime.outbox.tag(request.track_id),
        )

    @subscriber(runtime.broker, settings.topic(topics.COLLAB_REVOKE_REQUESTED), group_id=group)
    async def remove_collaborator_access(request: CollabRevokeRequested) -> None:
        """Take back what was granted to the collaborator; publish collab.revoked."""
        person = request.collaborator
        key = context.store.grant_key(request.owner_id, request.track_id, person.collaborator_id)
        if recorded := await context.store.grant(
            request.owner_id, request.track_id, person.collaborator_id
        ):
            try:
                await sharing.revoke(context.calls, request, recorded)
            except RateLimited as error:
                raise RetryLater(str(error)) from error
        revoked = CollabRevoked(
            request_id=request.request_id,
            owner_id=request.owner_id,
            track_id=request.track_id,
            collaborator_id=person.collaborator_id,
        )

        def write(pipe: Pipeline) -> None:
            pipe.delete(key)
            runtime.outbox.stage(pipe, revoked)

        await apply_once(
            runtime.redis,
            consumer=f"{group}:revoke",
            event_id=request.event_id,
            write=write,
            tag=runtime.outbox.tag(request.track_id),
        )
