from uuid import UUID

from messaging.idempotency import marker_key
from messaging.markers import Purpose, scope

EVENT = UUID("00000000-0000-4000-8000-000000000001")


def test_markers_keep_the_names_redis_already_holds():
    # A renamed marker would re-apply every event Kafka redelivers after a deploy.
    assert (
        marker_key(scope("lnk", Purpose.DROPBOX_FLAG), EVENT, "{o}")
        == f"lnk:dropbox:applied:{{o}}{EVENT}"
    )
    assert marker_key(scope("ntf", Purpose.MAIL, "ab12"), EVENT) == f"ntf:mail:ab12:applied:{EVENT}"
    assert marker_key(scope("ana", Purpose("d")), EVENT) == f"ana:d:applied:{EVENT}"


def test_one_consumer_group_keeps_its_purposes_apart():
    scopes = {scope("group", purpose) for purpose in Purpose}
    assert len(scopes) == len(Purpose) == len({p.value for p in Purpose})
