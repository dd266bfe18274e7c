"""Redis Cluster's rules, checked wherever the tests run our code on one Redis: every key a
Lua script, a MULTI/EXEC with the keys it WATCHes, or an MGET/MSET touches is in one hash
slot, else a cluster answers CROSSSLOT (DESIGN §12, docs/decisions/0001-outbox.md); and no
pipeline is handed a command redis-py's cluster pipeline refuses (`pfcount`, a Script's
`evalsha`, `mget`, ...: send those with `execute_command`).

`checking()` patches redis-py's asyncio client so that such a call raises `CrossSlot`
before it is sent; the root conftest.py holds it for every test session, and the services
the tests start run under it too (`python -m service_kit.hash_slots <module>`). Never used
in production: there a cluster itself refuses.
"""

import runpy
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from weakref import WeakKeyDictionary

from redis.asyncio.client import Pipeline, Redis
from redis.cluster import PIPELINE_BLOCKED_COMMANDS
from redis.crc import key_slot

_SCRIPTS = {"EVAL", "EVALSHA", "EVAL_RO", "EVALSHA_RO", "FCALL", "FCALL_RO"}
_EVERY_ARGUMENT = {"MGET", "WATCH"}


class CrossSlot(AssertionError):
    """Keys of one script, transaction or multi-key command in more than one hash slot, or a
    command a cluster pipeline refuses."""


def keys_of(args: Sequence[Any]) -> list[str]:
    """The keys of a command whose keys must share a slot (none for any other command)."""
    name = str(args[0]).upper()
    if name in _SCRIPTS:
        return [_text(key) for key in args[3 : 3 + int(args[2])]]
    if name in _EVERY_ARGUMENT:
        return [_text(key) for key in args[1:]]
    if name == "MSET":
        return [_text(key) for key in args[1::2]]
    return []


def first_key(args: Sequence[Any]) -> list[str]:
    """Within a transaction every command's keys count: a script's, else its first key."""
    keys = keys_of(args)
    if keys or str(args[0]).upper() in _SCRIPTS:
        return keys
    return [_text(args[1])] if len(args) > 1 else []


def require_one_slot(keys: Iterable[str], what: str) -> None:
    """Raise CrossSlot unless every key of `what` hashes to the same slot."""
    slots = {key: key_slot(key.encode()) for key in keys}
    if len(set(slots.values())) > 1:
        listed = ", ".join(f"{key} → {slot}" for key, slot in slots.items())
        raise CrossSlot(f"{what} touches several hash slots (give them one hash tag): {listed}")


_ORIGINALS: dict[tuple[type, str], Any] = {
    (Redis, "execute_command"): Redis.execute_command,
    (Pipeline, "immediate_execute_command"): Pipeline.immediate_execute_command,
    (Pipeline, "_execute_transaction"): Pipeline._execute_transaction,
    (Pipeline, "_execute_pipeline"): Pipeline._execute_pipeline,
}
# Per pipeline, the keys WATCHed and read before its MULTI: on a cluster they run on the
# transaction's connection, so they belong to its slot.
_watched: "WeakKeyDictionary[Pipeline, list[str]]" = WeakKeyDictionary()


async def _execute_command(self: Redis, *args: Any, **options: Any) -> Any:
    require_one_slot(keys_of(args), str(args[0]))
    return await _ORIGINALS[(Redis, "execute_command")](self, *args, **options)


async def _immediate_execute_command(self: Pipeline, *args: Any, **options: Any) -> Any:
    _watched.setdefault(self, []).extend(first_key(args))
    return await _ORIGINALS[(Pipeline, "immediate_execute_command")](self, *args, **options)


async def _execute_transaction(self: Pipeline, connection: Any, commands: Any, *rest: Any) -> Any:
    keys = [*_watched.pop(self, []), *(key for args, _ in commands for key in first_key(args))]
    require_one_slot(keys, "MULTI/EXEC (with its WATCH)")
    original = _ORIGINALS[(Pipeline, "_execute_transaction")]
    return await original(self, connection, commands, *rest)


async def _execute_pipeline(self: Pipeline, connection: Any, commands: Any, *rest: Any) -> Any:
    for args, _ in commands:
        require_one_slot(keys_of(args), str(args[0]))
    return await _ORIGINALS[(Pipeline, "_execute_pipeline")](self, connection, commands, *rest)


def _refused_in_cluster_pipelines(name: str) -> Any:
    def refused(self: Pipeline, *args: Any, **options: Any) -> Any:
        raise CrossSlot(f"redis-py's cluster pipeline refuses {name}(): use execute_command")

    return refused


# Pipeline methods whose command redis-py's ClusterPipeline refuses (it raises when called).
_REFUSED = [
    name
    for name in (c.lower().replace(" ", "_") for c in PIPELINE_BLOCKED_COMMANDS)
    if hasattr(Pipeline, name) and name != "execute_command"
]
_ORIGINALS.update({(Pipeline, name): getattr(Pipeline, name) for name in _REFUSED})
_CHECKED: dict[tuple[type, str], Any] = {
    (Redis, "execute_command"): _execute_command,
    (Pipeline, "immediate_execute_command"): _immediate_execute_command,
    (Pipeline, "_execute_transaction"): _execute_transaction,
    (Pipeline, "_execute_pipeline"): _execute_pipeline,
    **{(Pipeline, name): _refused_in_cluster_pipelines(name) for name in _REFUSED},
}


_held = [0]  # checking() may nest (a test inside the session's): patched while any holds


@contextmanager
def checking() -> Iterator[None]:
    """Patch redis-py's asyncio client to check every call's slots while inside."""
    if not _held[0]:
        for (owner, name), checked in _CHECKED.items():
            setattr(owner, name, checked)
    _held[0] += 1
    try:
        yield
    finally:
        _held[0] -= 1
        if not _held[0]:
            for (cls, attribute), original in _ORIGINALS.items():
                setattr(cls, attribute, original)


def _text(key: Any) -> str:
    return key.decode() if isinstance(key, bytes) else str(key)


if __name__ == "__main__":  # python -m service_kit.hash_slots <module> [args]: run it checked
    module = sys.argv[1]
    sys.argv = sys.argv[1:]
    with checking():
        runpy.run_module(module, run_name="__main__", alter_sys=True)
