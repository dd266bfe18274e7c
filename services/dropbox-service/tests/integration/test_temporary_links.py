"""POST /internal/temporary-links of the service process, over the real SDK (cache, single
flight, accounts and the problems in-process: test_temporary_links_core.py)."""

from datetime import datetime, timedelta
from uuid import uuid4

import httpx
import pytest
from service_kit.testing import internal_headers

from .conftest import AUDIO

AS_GATEWAY = internal_headers("gateway")  # an internal call as gateway makes it

pytestmark = pytest.mark.integration


@pytest.fixture
def owner(connect, control, owner_id) -> dict[str, str]:
    """A connected producer with one file in their Dropbox."""
    email = f"p{uuid4().hex[:8]}@example.com"
    connect(owner_id, email)
    path = "/Producer Dashboard/Night Drive/Night Drive (Master).wav"
    stored = control.put("/_emulator/files", params={"account": email, "path": path}, content=AUDIO)
    assert stored.status_code in (200, 201), stored.text
    return {"owner_id": owner_id, "email": email, "path": path}


def _link(service, body: dict[str, str], headers=AS_GATEWAY) -> httpx.Response:
    return httpx.post(f"{service.base_url}/internal/temporary-links", json=body, headers=headers)


def test_link_serves_the_files_bytes_and_lives_four_hours(dropbox_service, owner, dropbox_emulator):
    answer = _link(dropbox_service, {"owner_id": owner["owner_id"], "path": owner["path"]})
    assert answer.status_code == 200, answer.text
    expires_at = datetime.fromisoformat(answer.json()["expires_at"])
    assert expires_at.utcoffset() == timedelta(0)
    download = httpx.get(
        answer.json()["url"], verify=dropbox_emulator.ssl_context(), trust_env=False
    )
    assert download.status_code == 200
    assert download.content == AUDIO
