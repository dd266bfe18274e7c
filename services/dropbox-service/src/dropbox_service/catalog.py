"""link-service's catalog, asked before a share (docs/decisions/0005): dropbox-service
shares only the folder, files and collaborators the owner's catalog holds now, so a forged
or mistaken collab.share.requested cannot reach anything else of the owner's Dropbox."""

import re

import httpx
from contracts.catalog import CatalogTrack
from contracts.ids import CATALOG_ID_PATTERN, OWNER_ID_PATTERN
from pydantic import ValidationError
from service_kit.service_client import NotFound, ServiceClient, ServiceError

from dropbox_service.settings import Settings


class CatalogUnavailable(Exception):
    """link-service could not say what the catalog holds; the request is to be tried again."""


class Catalog:
    """The owners' tracks, read from link-service's internal API with the internal token."""

    def __init__(
        self, settings: Settings, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.client = ServiceClient(
            "link-service",
            settings.link_service_url,
            timeout_s=settings.catalog_check_timeout_s,
            connect_timeout_s=settings.service_connect_timeout_s,
            internal_token=settings.internal_token,
            transport=transport,  # tests: a link-service of their own
        )

    async def track(self, owner_id: str, track_id: str) -> CatalogTrack | None:
        """The owner's track as the catalog holds it now, or None; CatalogUnavailable when
        link-service cannot tell."""
        if not (_askable(owner_id, OWNER_ID_PATTERN) and _askable(track_id, CATALOG_ID_PATTERN)):
            return None  # no catalog holds such ids
        try:
            answer = await self.client.call(
                "GET", f"/internal/catalog/{owner_id}/tracks/{track_id}"
            )
        except NotFound as missing:
            if missing.code == "track_not_found":
                return None
            # An unknown route: a link-service older than the check, not "no track".
            raise CatalogUnavailable(str(missing)) from missing
        except ServiceError as error:  # down, slow, or refusing our token: try again later
            raise CatalogUnavailable(str(error)) from error
        try:
            return CatalogTrack.model_validate(answer)
        except ValidationError as error:
            raise CatalogUnavailable("link-service answered an unreadable track") from error

    async def aclose(self) -> None:
        """Close the client."""
        await self.client.aclose()


def _askable(value: str, pattern: str) -> bool:
    # `.` and `..` match the id patterns, but a URL path cannot carry them as a segment.
    return re.fullmatch(pattern, value) is not None and value.strip(".") != ""
