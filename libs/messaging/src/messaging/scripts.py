"""Lua scripts in Redis, run one way: `EVALSHA` by the SHA computed here, falling back to
`EVAL` with the text when the node has not seen it (a restart, a promoted replica); queued
on a pipeline always as `EVAL` with the text, since redis-py's cluster pipeline refuses a
Script's EVALSHA and a NOSCRIPT inside a pipeline cannot be retried alone."""

import hashlib
from collections.abc import Sequence
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from redis.exceptions import NoScriptError
from redis.typing import EncodableT


class LuaScript:
    """One script's text; every key it touches is passed in `keys`, all in one hash slot."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.sha = hashlib.sha1(source.encode()).hexdigest()  # noqa: S324 - Redis names scripts by SHA-1

    async def run(
        self,
        redis: Redis,
        keys: Sequence[str],
        args: Sequence[EncodableT] = (),
    ) -> Any:
        """Run the script now and answer what it returns."""
        try:
            return await redis.execute_command(  # type: ignore[no-untyped-call]
                "EVALSHA", self.sha, len(keys), *keys, *args
            )
        except NoScriptError:
            return await redis.execute_command(  # type: ignore[no-untyped-call]
                "EVAL", self.source, len(keys), *keys, *args
            )

    def queue(
        self,
        pipe: Pipeline,
        keys: Sequence[str],
        args: Sequence[EncodableT] = (),
    ) -> None:
        """Queue the script on `pipe`; its answer comes with the pipeline's."""
        pipe.execute_command("EVAL", self.source, len(keys), *keys, *args)
