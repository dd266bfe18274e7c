"""What the dropbox-service's routes and consumers share."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from service_kit.runtime import Runtime

from dropbox_service.dropbox_api import DropboxCalls
from dropbox_service.settings import Settings
from dropbox_service.store import Store
from dropbox_service.temporary_links import TemporaryLinks


@dataclass(frozen=True)
class DropboxContext:
    """Settings, the Redis store, the SDK pool and the temporary-link cache."""

    settings: Settings
    runtime: Runtime
    store: Store
    calls: DropboxCalls
    links: TemporaryLinks


def dropbox_context(request: Request) -> DropboxContext:
    """The running service's context (a FastAPI dependency)."""
    context: DropboxContext = request.app.state.dropbox
    return context


DropboxDep = Annotated[DropboxContext, Depends(dropbox_context)]
