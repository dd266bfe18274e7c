"""OAuth flows under way: `dropbox:oauth:<state>` (string, ten minutes) → the owner who
started the flow and its PKCE verifier."""

import json

from redis.asyncio import Redis

from dropbox_service.store.keys import namespace

OAUTH_STATE_TTL_S = 600


class OAuthStateStore:
    """Single-use OAuth states."""

    def __init__(self, redis: Redis, prefix: str) -> None:
        self.redis = redis
        self.prefix = namespace(prefix)

    async def remember(self, state: str, owner_id: str, code_verifier: str) -> None:
        """Bind a single-use OAuth `state` to its caller and PKCE verifier for ten minutes."""
        value = json.dumps({"owner_id": owner_id, "code_verifier": code_verifier})
        await self.redis.set(self._key(state), value, ex=OAUTH_STATE_TTL_S)

    async def take(self, state: str) -> dict[str, str] | None:
        """The state's binding, deleted as it is read; None if unknown, used or expired."""
        value = await self.redis.getdel(self._key(state))
        return json.loads(value) if value else None

    def _key(self, state: str) -> str:
        return f"{self.prefix}oauth:{state}"
