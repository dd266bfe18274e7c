"""Kafka topic names: the only place a topic string is written (DESIGN §11)."""

from typing import Final

SHARE_CREATED: Final = "share.created"
SHARE_REVOKED: Final = "share.revoked"
SHARE_UPDATED: Final = "share.updated"
SHARE_RECIPIENT_REVOKED: Final = "share.recipient.revoked"
SHARE_VIEWED: Final = "share.viewed"
SHARE_PLAYED: Final = "share.played"
SHARE_ALERT: Final = "share.alert"
DOWNLOAD_RECORDED: Final = "download.recorded"
COLLAB_SHARE_REQUESTED: Final = "collab.share.requested"
COLLAB_GRANTED: Final = "collab.granted"
COLLAB_FAILED: Final = "collab.failed"
COLLAB_REVOKE_REQUESTED: Final = "collab.revoke.requested"
COLLAB_REVOKED: Final = "collab.revoked"
COLLAB_REVOKE_FAILED: Final = "collab.revoke.failed"
DROPBOX_CONNECTED: Final = "dropbox.connected"
DROPBOX_DISCONNECTED: Final = "dropbox.disconnected"

ALL: Final = (
    SHARE_CREATED,
    SHARE_REVOKED,
    SHARE_UPDATED,
    SHARE_RECIPIENT_REVOKED,
    SHARE_VIEWED,
    SHARE_PLAYED,
    SHARE_ALERT,
    DOWNLOAD_RECORDED,
    COLLAB_SHARE_REQUESTED,
    COLLAB_GRANTED,
    COLLAB_FAILED,
    COLLAB_REVOKE_REQUESTED,
    COLLAB_REVOKED,
    COLLAB_REVOKE_FAILED,
    DROPBOX_CONNECTED,
    DROPBOX_DISCONNECTED,
)

DLQ_SUFFIX: Final = ".dlq"


def dlq(topic: str) -> str:
    """The dead-letter topic of `topic`."""
    return topic + DLQ_SUFFIX
