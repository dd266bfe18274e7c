"""A track stored before catalog paths were confined (issue 24) still loads, but sharing it
with collaborators, or on a new link, is refused until it is put again inside its folder:
no job, no collab.share.requested for dropbox-service to act on, no link."""

import pytest
from contracts import topics
from link_service.catalog.models import Track
from service_kit.testing import problem_of

pytestmark = pytest.mark.integration


async def test_sharing_a_stored_track_outside_its_folder_is_422_and_starts_nothing(
    producer, app_context, events
):
    body = producer.track_body("Night Drive")
    body["files"][0]["dropbox_path"] = "/Private/taxes.pdf"
    legacy = Track(track_id="t-1", **body)
    await app_context[1].state.links.catalog.store.put(producer.owner_id, legacy)
    assert (await producer.get_track("t-1")).json()["files"][0]["dropbox_path"] == (
        "/Private/taxes.pdf"
    )

    one = await producer.http.post(
        "/v1/tracks/t-1/collaborators/share", json={"mode": "files"}, headers=producer.headers
    )
    bulk = await producer.http.post(
        "/v1/collaborators/share-bulk",
        json={"track_ids": ["t-1"], "mode": "folder"},
        headers=producer.headers,
    )

    assert problem_of(one) == (422, "track_paths_outside_folder"), one.text
    assert problem_of(bulk) == (422, "track_paths_outside_folder"), bulk.text
    assert "t-1" in one.json()["detail"]
    assert await events(topics.COLLAB_SHARE_REQUESTED, owner_id=producer.owner_id) == []
    link = await producer.post_link({"tracks": ["t-1"]})
    assert problem_of(link) == (422, "invalid_selection"), link.text
    assert "t-1" in link.json()["detail"]
    assert await producer.link_ids() == []
    await producer.put_track("t-1", "Night Drive")  # put again, inside its folder
    again = await producer.http.post(
        "/v1/tracks/t-1/collaborators/share", json={"mode": "files"}, headers=producer.headers
    )
    assert again.status_code == 202, again.text
