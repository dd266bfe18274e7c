"""GET /internal/catalog/{owner_id}/tracks/{track_id}: the track as the owner's catalog holds
it now, what dropbox-service checks every share against (docs/decisions/0005)."""

import pytest
from service_kit.testing import internal_headers, problem_of

AS_DROPBOX_SERVICE = internal_headers(
    "dropbox-service"
)  # an internal call as dropbox-service makes it

pytestmark = pytest.mark.integration


async def _catalog_track(http, owner_id: str, track_id: str, headers=AS_DROPBOX_SERVICE):
    return await http.get(f"/internal/catalog/{owner_id}/tracks/{track_id}", headers=headers)


async def test_the_track_comes_with_its_folder_files_and_collaborators_now(http, producer):
    await producer.put_track("t-1", "Night Drive")
    body = producer.track_body("Night Drive")
    body["collaborators"] = body["collaborators"][:1]
    assert (await producer.put_raw("t-1", body)).status_code == 200  # Bo removed meanwhile

    answer = await _catalog_track(http, producer.owner_id, "t-1")

    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "owner_id": producer.owner_id,
        "track_id": "t-1",
        "dropbox_folder": "/Producer Dashboard/Night Drive",
        "files": [
            {"file_id": f["file_id"], "dropbox_path": f["dropbox_path"]} for f in body["files"]
        ],
        "collaborators": [{"collaborator_id": "c-1", "email": "ana@example.com"}],
    }


async def test_a_deleted_or_another_owners_track_is_404(http, producer, make_producer):
    await producer.put_track("t-1", "Night Drive")
    other = make_producer()
    assert problem_of(await _catalog_track(http, other.owner_id, "t-1")) == (
        404,
        "track_not_found",
    )
    assert (await producer.delete_track("t-1")).status_code == 204
    assert problem_of(await _catalog_track(http, producer.owner_id, "t-1")) == (
        404,
        "track_not_found",
    )


async def test_only_services_may_read_a_catalog(http, producer):
    await producer.put_track("t-1", "Night Drive")
    assert (await _catalog_track(http, producer.owner_id, "t-1", headers={})).status_code == 401
    as_producer = await _catalog_track(http, producer.owner_id, "t-1", headers=producer.headers)
    assert as_producer.status_code == 401


async def test_ids_of_no_catalog_are_422(http, producer):
    assert (await _catalog_track(http, producer.owner_id, "t%201")).status_code == 422
    assert (await _catalog_track(http, "-owner", "t-1")).status_code == 422
