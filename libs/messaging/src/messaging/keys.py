"""Redis hash tags, once. Keys that a MULTI/EXEC, a Lua script or an MGET touch together
carry the same tag, so that Redis Cluster keeps them in one slot (DESIGN §12): an
aggregate's keys that stage events take its outbox shard's tag (`Outbox.tag`), the others
`hash_tag(family, id)`."""


def hash_tag(family: str, ident: str) -> str:
    """The hash tag of one `family`'s keys for `ident`: `{family:ident}`."""
    return "{" + f"{family}:{ident}" + "}"
