"""What each consumer applies once, named in one table.

A marker's scope is `<service>:<purpose>` (the service's key namespace, `<KEY_PREFIX><name>`):
the service keeps two services apart, the
purpose keeps apart two things one service applies for the same event (notify-service's
in-app notice and its mail). Listing every purpose here means no two handlers can share a
marker by accident, and a newcomer sees at a glance what is deduplicated where. The values
are the names markers carry in Redis; changing one would re-apply events still being
redelivered.
"""

from enum import StrEnum, unique


@unique
class Purpose(StrEnum):
    """One thing a consumer applies once per event."""

    # link-service
    DROPBOX_FLAG = "dropbox"  # whether the owner may create links
    COLLAB_GRANTED = "collab-granted"
    COLLAB_FAILED = "collab-failed"
    COLLAB_REVOKED = "collab-revoked"
    COLLAB_REVOKE_FAILED = "collab-revoke-failed"
    # dropbox-service
    SHARE = "share"  # the Dropbox calls of one share request
    REVOKE = "revoke"  # the Dropbox calls of one removal
    # notify-service
    IN_APP = "in-app"
    MAIL = "mail"  # qualified by the recipient: one mail per (event, recipient)
    # analytics-service (the values are the tallies' kinds)
    VIEW = "v"
    DOWNLOAD = "d"
    PLAY = "p"


def scope(service: str, purpose: Purpose, qualifier: str = "") -> str:
    """The `consumer` argument of the apply-once helpers for `purpose` in `service` (its
    ServiceSettings.marker_group)."""
    return f"{service}:{purpose}:{qualifier}" if qualifier else f"{service}:{purpose}"
