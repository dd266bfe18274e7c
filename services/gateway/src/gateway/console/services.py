"""The services' public APIs, called with the signed-in producer's JWT (one origin, no CORS).

An answer the producer can act on becomes an exception the pages show: 401 signs them out,
404 is the not-found page, 400/409/422/429 a message saying why (the problem's `detail`,
DESIGN §15); 5xx or no answer the outage page, as on the share pages.
"""

from typing import Any

import httpx
from service_kit.problems import problem_code

from gateway.console.session import SignedOut
from gateway.settings import Settings

# Lists read whole (the catalog for the grid): the services' largest page, and a bound.
PAGE_LIMIT = 200
MOST_ITEMS = 2000


class NotFound(Exception):
    """The producer has no such resource (or it is another producer's)."""


class Refused(Exception):
    """A service refused the request: its problem's `code`, and `detail` in words to show."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


class ServiceUnavailable(Exception):
    """A service could not be reached, or failed."""


class ConsoleApi:
    """One HTTP client per service, shared by every console request."""

    def __init__(self, settings: Settings) -> None:
        bases = {
            "links": settings.link_service_url,
            "dropbox": settings.dropbox_service_url,
            "notify": settings.notify_service_url,
            "analytics": settings.analytics_service_url,
        }
        self.clients = {
            name: httpx.AsyncClient(base_url=url, timeout=10.0) for name, url in bases.items()
        }

    async def call(
        self,
        jwt: str,
        method: str,
        service: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
    ) -> Any:
        """The JSON answer of `method path` on `service` as the producer of `jwt`."""
        headers = {"Authorization": f"Bearer {jwt}"}
        try:
            answer = await self.clients[service].request(
                method, path, json=json, params=params, headers=headers
            )
        except httpx.HTTPError as error:
            raise ServiceUnavailable(f"{service}: {error!r}") from error
        if answer.status_code == 401:
            raise SignedOut(f"{service} refused the session")
        if answer.status_code == 404:
            raise NotFound(path)
        if answer.status_code in (400, 409, 422, 429):  # 429: the owner's sharing budget
            raise _refused(answer)
        if answer.status_code >= 400:
            raise ServiceUnavailable(f"{service} answered {answer.status_code}")
        return answer.json()

    async def all_pages(self, jwt: str, service: str, path: str) -> list[Any]:
        """Every item of a list, page after page (the largest pages), up to MOST_ITEMS."""
        items: list[Any] = []
        cursor = None
        while len(items) < MOST_ITEMS:
            params = {"limit": PAGE_LIMIT} | ({"cursor": cursor} if cursor else {})
            page = await self.call(jwt, "GET", service, path, params=params)
            items += page["items"]
            cursor = page["next_cursor"]
            if not cursor:
                break
        return items

    async def aclose(self) -> None:
        """Close the clients."""
        for client in self.clients.values():
            await client.aclose()


def _refused(answer: httpx.Response) -> Refused:
    """The refusal a problem+json answer describes (DESIGN §15)."""
    code = problem_code(answer)
    if code is None:
        return Refused(f"http_{answer.status_code}", answer.text[:200])
    return Refused(code, str(answer.json().get("detail", "")))
