"""The shapes of the ids and tokens the services hand out, checked before any lookup."""

import re
from typing import Final

# A share token: 24 random bytes, URL-safe base64 (link-service's `new_token`).
TOKEN_PATTERN: Final = r"^[A-Za-z0-9_-]{32}$"
# `lnk_` and 24 hex digits of the token's SHA-256.
LINK_ID_PATTERN: Final = r"^lnk_[0-9a-f]{24}$"
JOB_ID_PATTERN: Final = r"^job_[0-9a-f]{24}$"
NOTIFICATION_ID_PATTERN: Final = r"^ntf_[0-9a-f]{32}$"
# A producer's user id (a JWT's `sub`), checked before it reaches any Redis key.
OWNER_ID_PATTERN: Final = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"
# Ids the dashboard chooses: tracks, files, collaborators, track groups.
CATALOG_ID_PATTERN: Final = r"^[A-Za-z0-9._:-]{1,128}$"


def is_token(value: str) -> bool:
    """Whether `value` has the shape of a share token (before any lookup)."""
    return re.fullmatch(TOKEN_PATTERN, value) is not None
