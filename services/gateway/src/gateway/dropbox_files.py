"""The owners' files on Dropbox, as the gateway reaches them: a temporary link from
dropbox-service, and the client that reads one for a preview.

A temporary link is reused for TEMPORARY_LINK_CACHE_S (5 minutes): dropbox-service hands
out only links with hours left, so a download costs no call to it while the link's file
stays hot. Revocation and disconnection are checked on the share link before, every time.
"""

import ssl

import httpx
from service_kit.auth import internal_client
from service_kit.caching import Recent
from service_kit.problems import problem_code

from gateway.settings import Settings


class DropboxUnavailable(Exception):
    """dropbox-service could not hand out a temporary link."""


class OwnerDisconnected(DropboxUnavailable):
    """The owner's Dropbox is not connected (any more)."""


class DropboxFiles:
    """Temporary links from dropbox-service's internal API, and the client reading them."""

    def __init__(self, settings: Settings) -> None:
        self.service = internal_client(settings, settings.dropbox_service_url, timeout_s=20.0)
        # With a look-alike's CA it trusts only that CA, whatever the environment's says.
        verify: ssl.SSLContext | bool = True
        if settings.dropbox_ca_file:
            verify = ssl.create_default_context(cafile=str(settings.dropbox_ca_file))
        self.content = httpx.AsyncClient(
            verify=verify,
            trust_env=settings.dropbox_ca_file is None,
            timeout=httpx.Timeout(30.0, connect=5.0),
        )
        self.reuse_s = settings.temporary_link_cache_s
        self._links: Recent[tuple[str, str], str] = Recent(settings.link_cache_size)

    async def temporary_link(self, owner_id: str, path: str) -> str:
        """A Dropbox temporary link to the owner's file, reused for `reuse_s`."""
        cached = self._links.entry((owner_id, path))
        if cached and cached.age_s < self.reuse_s:
            return cached.value
        url = await self._ask(owner_id, path)
        self._links.put((owner_id, path), url)
        return url

    async def _ask(self, owner_id: str, path: str) -> str:
        try:
            answer = await self.service.post(
                "/internal/temporary-links", json={"owner_id": owner_id, "path": path}
            )
        except httpx.TransportError as error:
            raise DropboxUnavailable(repr(error)) from error
        if problem_code(answer) == "dropbox_not_connected":
            raise OwnerDisconnected(owner_id)
        if answer.status_code != 200:
            raise DropboxUnavailable(f"dropbox-service answered {answer.status_code}")
        url: str = answer.json()["url"]
        return url

    async def aclose(self) -> None:
        """Close both clients."""
        await self.service.aclose()
        await self.content.aclose()
