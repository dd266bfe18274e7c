"""The shapes of the ids and tokens the services hand out, checked before any lookup."""

import hashlib
import hmac
import re
import secrets
from typing import Final

# A share token: 24 random bytes, URL-safe base64 (link-service's `new_token`).
TOKEN_PATTERN: Final = r"^[A-Za-z0-9_-]{32}$"
# `lnk_` and 24 hex digits of the token's SHA-256.
LINK_ID_PATTERN: Final = r"^lnk_[0-9a-f]{24}$"
# `rcp_` and 24 hex digits of the recipient's own token's SHA-256.
RECIPIENT_ID_PATTERN: Final = r"^rcp_[0-9a-f]{24}$"
JOB_ID_PATTERN: Final = r"^job_[0-9a-f]{24}$"
NOTIFICATION_ID_PATTERN: Final = r"^ntf_[0-9a-f]{32}$"
# A producer's user id (a JWT's `sub`), checked before it reaches any Redis key.
OWNER_ID_PATTERN: Final = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"
# Ids the dashboard chooses: tracks, files, collaborators, track groups.
CATALOG_ID_PATTERN: Final = r"^[A-Za-z0-9._:-]{1,128}$"


def is_token(value: str) -> bool:
    """Whether `value` has the shape of a share token (before any lookup)."""
    return re.fullmatch(TOKEN_PATTERN, value) is not None


def new_token(nbytes: int) -> str:
    """An unguessable, URL-safe token of `nbytes` random bytes from the OS CSPRNG."""
    return secrets.token_urlsafe(nbytes)


def new_id(kind: str, nbytes: int = 12) -> str:
    """A random id: `kind`, an underscore and `nbytes` random bytes in hex (`job_…`)."""
    return f"{kind}_{secrets.token_hex(nbytes)}"


def digest(text: str, length: int) -> str:
    """The first `length` hex digits of `text`'s SHA-256: an id or a key part derived from a
    value (a token, an address, a path) that reveals nothing of it."""
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def keyed_digest(key: bytes, message: bytes, length: int) -> str:
    """The first `length` hex digits of `message`'s HMAC-SHA256 under `key`: a signature, or
    a digest only the key's holder can make."""
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:length]
