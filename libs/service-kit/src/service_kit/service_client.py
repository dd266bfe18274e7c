"""Calls to another service's HTTP API, one way: with the internal token (`X-Internal-Token`)
or a producer's JWT per call, the caller's timeouts, and every answer that is no success
read once into an exception by its status and problem `code` (DESIGN §15):

| answer | raised |
|---|---|
| none in time, a transport error, 5xx, or another status | `ServiceUnavailable` |
| 401 | `Unauthenticated` |
| 404 | `NotFound` (its `code`: `link_not_found`, or `not_found` for an unknown route) |
| 400, 409, 422, 429 | `Refused` (its `code`, and `detail` in words for a person) |

A path may carry a share token, so no exception's message holds the path or the URL: they
name the service and the status (or the transport error's kind) only.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from pydantic import SecretStr

from service_kit.problems import problem_code

REFUSALS = frozenset({400, 409, 422, 429})  # 429: a budget the caller spent


class ServiceError(Exception):
    """Another service did not do what was asked; `service` names it."""

    def __init__(self, service: str, reason: str) -> None:
        super().__init__(f"{service}: {reason}")
        self.service = service


class ServiceUnavailable(ServiceError):
    """The service could not be reached in time, failed, or answered what its API does not
    promise."""


class Unauthenticated(ServiceError):
    """401: the service refused the caller's credentials (an expired JWT, a wrong token)."""


class NotFound(ServiceError):
    """404: what the `code` names is not there (None: the answer was no problem)."""

    def __init__(self, service: str, code: str | None) -> None:
        super().__init__(service, f"404 {code}")
        self.code = code


class Refused(ServiceError):
    """The service refused the request: its problem's `code`, and `detail` to show (not in
    the message: a proxy's page might repeat the path)."""

    def __init__(self, service: str, code: str, detail: str) -> None:
        super().__init__(service, code)
        self.code = code
        self.detail = detail


class ServiceClient:
    """One other service's API at `base_url`: one connection pool for every caller (or
    `transport`, in a test that builds the service in-process)."""

    def __init__(
        self,
        service: str,
        base_url: str,
        *,
        timeout_s: float,
        connect_timeout_s: float,
        internal_token: SecretStr | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        headers = {"X-Internal-Token": internal_token.get_secret_value()} if internal_token else {}
        self.service = service
        self.http = httpx.AsyncClient(
            base_url=base_url,
            headers=headers,
            timeout=httpx.Timeout(timeout_s, connect=connect_timeout_s),
            transport=transport,  # tests: the service built in-process, over ASGI
        )

    async def call(
        self,
        method: str,
        path: str,
        *,
        jwt: str | None = None,
        json: Any = None,
        params: dict[str, Any] | None = None,
    ) -> Any:
        """The JSON of a successful `method path`, as the producer of `jwt` when given;
        otherwise the exception its answer maps to (the table above)."""
        headers = {"Authorization": f"Bearer {jwt}"} if jwt else None
        try:
            answer = await self.http.request(
                method, path, json=json, params=params, headers=headers
            )
        except httpx.HTTPError as error:
            raise ServiceUnavailable(self.service, type(error).__name__) from error
        if answer.status_code >= 300:
            raise _failure(self.service, answer)
        if not answer.content:
            return None
        try:
            return answer.json()
        except ValueError as error:
            raise ServiceUnavailable(self.service, "answered no JSON") from error

    @asynccontextmanager
    async def stream(
        self,
        method: str,
        path: str,
        *,
        jwt: str | None = None,
        params: dict[str, Any] | None = None,
    ) -> AsyncIterator[httpx.Response]:
        """A successful `method path` whose body is read as it comes (a download passed on);
        otherwise the exception its answer maps to, as `call`."""
        headers = {"Authorization": f"Bearer {jwt}"} if jwt else None
        try:
            async with self.http.stream(method, path, params=params, headers=headers) as answer:
                if answer.status_code >= 300:
                    await answer.aread()
                    raise _failure(self.service, answer)
                yield answer
        except httpx.HTTPError as error:
            raise ServiceUnavailable(self.service, type(error).__name__) from error

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self.http.aclose()


def _failure(service: str, answer: httpx.Response) -> ServiceError:
    """The exception an answer that is no success maps to (the table above)."""
    status = answer.status_code
    if status == 401:
        return Unauthenticated(service, "401")
    if status == 404:
        return NotFound(service, problem_code(answer))
    if status in REFUSALS:
        code = problem_code(answer)
        if code is None:  # not a service's problem: a proxy's page, say
            return Refused(service, f"http_{status}", answer.text[:200])
        return Refused(service, code, str(answer.json().get("detail", "")))
    return ServiceUnavailable(service, f"answered {status}")
