"""Accesses given: `dropbox:grants:{tag}:<owner>:<track>:<collaborator>` (hash: target,
`folder:<shared folder id>` or `file:<path>` → the address it was given to)."""

from collections.abc import Iterable, Mapping

from messaging.outbox import Outbox
from redis.asyncio import Redis
from redis.asyncio.client import Pipeline

from dropbox_service.store.keys import namespace


class GrantStore:
    """The accesses each collaborator holds on each track, as recorded when given."""

    def __init__(self, redis: Redis, outbox: Outbox, prefix: str) -> None:
        self.redis = redis
        self.outbox = outbox
        self.prefix = namespace(prefix)

    def key(self, owner_id: str, track_id: str, collaborator_id: str) -> str:
        """The hash of the accesses one collaborator was given to one track."""
        tag = self.outbox.tag(track_id)
        return f"{self.prefix}grants:{tag}:{owner_id}:{track_id}:{collaborator_id}"

    async def get(self, owner_id: str, track_id: str, collaborator_id: str) -> dict[str, str]:
        """Every access the collaborator holds on the track, as recorded when it was given."""
        found: dict[str, str] = await self.redis.hgetall(  # type: ignore[assignment]
            self.key(owner_id, track_id, collaborator_id)
        )
        return found

    def add(
        self, pipe: Pipeline, owner_id: str, track_id: str, cid: str, given: Mapping[str, str]
    ) -> None:
        """Queue recording accesses given (beside those given before)."""
        if given:
            pipe.hset(self.key(owner_id, track_id, cid), mapping=dict(given))  # type: ignore[arg-type]

    def drop(
        self, pipe: Pipeline, owner_id: str, track_id: str, cid: str, targets: Iterable[str]
    ) -> None:
        """Queue forgetting accesses that were taken back."""
        if removed := list(targets):
            pipe.hdel(self.key(owner_id, track_id, cid), *removed)
