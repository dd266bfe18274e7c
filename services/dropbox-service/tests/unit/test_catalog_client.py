"""link-service's catalog as dropbox-service reads it: what counts as "not held" (a share
refused for good) and what as "cannot tell" (the request redelivered)."""

import httpx
import pytest
from dropbox_service.catalog import Catalog, CatalogUnavailable
from dropbox_service.settings import Settings

PROBLEM = {"content-type": "application/problem+json"}
TRACK = {
    "owner_id": "u-1",
    "track_id": "t-1",
    "dropbox_folder": "/Tracks/One",
    "files": [{"file_id": "f-1", "dropbox_path": "/Tracks/One/a.wav"}],
    "collaborators": [{"collaborator_id": "c-1", "email": "ana@example.com"}],
}


def _catalog(status: int, body: object, headers: dict[str, str] | None = None) -> Catalog:
    def answer(request: httpx.Request) -> httpx.Response:
        assert request.headers["X-Internal-Token"] == Settings().internal_token.get_secret_value()
        return httpx.Response(status, json=body, headers=headers)

    return Catalog(Settings(), httpx.MockTransport(answer))


async def test_the_track_the_catalog_holds_is_read():
    track = await _catalog(200, TRACK).track("u-1", "t-1")
    assert track is not None and track.files[0].dropbox_path == "/Tracks/One/a.wav"


async def test_a_track_link_service_does_not_have_is_none():
    missing = _catalog(404, {"code": "track_not_found", "status": 404}, PROBLEM)
    assert await missing.track("u-1", "t-1") is None


@pytest.mark.parametrize("ids", [("u-1", ".."), ("u-1", "."), ("u/1", "t-1"), ("u-1", "t 1")])
async def test_ids_no_catalog_holds_are_none_without_asking(ids):
    def never(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"asked {request.url}")

    assert await Catalog(Settings(), httpx.MockTransport(never)).track(*ids) is None


@pytest.mark.parametrize(
    ("status", "body", "headers"),
    [
        (503, {"code": "service_unavailable"}, PROBLEM),
        (401, {"code": "not_authenticated"}, PROBLEM),
        # A link-service older than the route: an outage to wait out, not "no track".
        (404, {"detail": "Not Found"}, None),
        (200, {"owner_id": "u-1"}, None),
    ],
)
async def test_what_link_service_cannot_answer_is_an_outage(status, body, headers):
    with pytest.raises(CatalogUnavailable):
        await _catalog(status, body, headers).track("u-1", "t-1")
