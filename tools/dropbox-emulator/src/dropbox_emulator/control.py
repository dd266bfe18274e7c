"""The control API for tests and demos: plain JSON under /_emulator, no auth."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from dropbox import files as dropbox_files
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from . import seed
from .api import encode
from .faults import FaultSpec, add_fault, list_faults
from .files import metadata
from .members import effective_members
from .settings import Settings
from .state import Account, World
from .tree import TreeConflict, lookup, put_file


class ClockAdvance(BaseModel):
    """How far to move the emulator's clock (to expire tokens, codes, links); < 0 moves it back."""

    advance_s: float


class AccountCreate(BaseModel):
    """An account to make (or find) by email."""

    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")
    name: str | None = None


def make_router(world: World, settings: Settings) -> APIRouter:
    """The /_emulator endpoints about the whole world: health, reset, catalog and clock."""
    router = APIRouter(prefix="/_emulator")

    @router.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @router.post("/reset")
    def reset() -> dict[str, Any]:
        with world.lock:
            world.reset()
            tracks = seed.seed_demo(world) if settings.seed_demo else []
        return {"reset": True, "seeded_tracks": len(tracks)}

    @router.get("/catalog")
    def catalog() -> list[dict[str, Any]]:
        return [track.as_json() for track in seed.demo_catalog()] if settings.seed_demo else []

    @router.post("/clock")
    def advance_clock(body: ClockAdvance) -> dict[str, float]:
        with world.lock:
            world.clock_offset_s += body.advance_s
            return {"offset_s": world.clock_offset_s}

    return router


def make_data_router(world: World) -> APIRouter:
    """The /_emulator endpoints that put and read data: files, accounts and members."""
    router = APIRouter(prefix="/_emulator")

    @router.put("/files")
    async def put_file_bytes(account: str, path: str, request: Request) -> Response:
        return write_file(world, account, path, await request.body())

    @router.get("/accounts")
    def accounts() -> list[dict[str, str]]:
        with world.lock:
            return [account_json(a) for a in world.accounts.values()]

    @router.post("/accounts")
    def create_account(body: AccountCreate) -> dict[str, str]:
        with world.lock:
            return account_json(world.ensure_account(body.email, body.name))

    @router.get("/members")
    def members(account: str, path: str) -> Response:
        return who_has_access(world, account, path)

    @router.get("/invitations")
    def invitations(email: str | None = None) -> list[dict[str, Any]]:
        with world.lock:
            sent = [i for i in world.invitations if email is None or i.email == email.lower()]
            return [asdict(i) | {"sent_at": i.sent_at.isoformat() + "Z"} for i in sent]

    @router.delete("/tokens")
    def forget_tokens(account: str) -> Response:
        with world.lock:
            found = world.account_by_email(account)
            if found is None:
                return problem(404, f"no account {account!r}")
            return JSONResponse({"refresh_tokens_forgotten": world.forget_tokens(found)})

    return router


def make_traffic_router(world: World) -> APIRouter:
    """The /_emulator endpoints about traffic: call counts and injected faults."""
    router = APIRouter(prefix="/_emulator")

    @router.get("/calls")
    def calls() -> dict[str, int]:
        with world.lock:
            return dict(world.calls)

    @router.get("/faults")
    def faults() -> list[FaultSpec]:
        return list_faults(world)

    @router.post("/faults")
    def arm_fault(spec: FaultSpec) -> FaultSpec:
        add_fault(world, spec)
        return spec

    @router.delete("/faults")
    def clear_faults() -> dict[str, bool]:
        with world.lock:
            world.faults.clear()
        return {"cleared": True}

    return router


def write_file(world: World, email: str, path: str, data: bytes) -> Response:
    """Put bytes at a path in an account (made if new); answer with the file's metadata."""
    with world.lock:
        owner = world.ensure_account(email)
        try:
            node = put_file(owner, path, data)
        except TreeConflict as clash:
            return problem(409, f"{clash.node.path_display} is in the way")
        encoded = encode(dropbox_files.Metadata_validator, metadata(world, owner, node))
    return Response(encoded, media_type="application/json")


def who_has_access(world: World, email: str, path: str) -> Response:
    """Everyone with access to a folder or file, and who was removed from it."""
    with world.lock:
        owner = world.account_by_email(email)
        node = lookup(owner, path) if owner else None
        if owner is None or node is None:
            return problem(404, f"no {path!r} in {email!r}'s Dropbox")
        shared_folder_id, people = effective_members(world, owner, node)
        if node.is_folder:
            share = world.folder_shares.get(shared_folder_id or "")
        else:
            share = world.file_shares.get(node.id)
        removed = share.removed if share else []
        return JSONResponse(
            {
                "path": node.path_display,
                "is_folder": node.is_folder,
                "shared_folder_id": shared_folder_id,
                "members": [
                    {"email": m.email, "access_level": m.access_level, "inherited": m.inherited}
                    for m in people
                ],
                "removed": [{"email": r.email, "leave_a_copy": r.leave_a_copy} for r in removed],
            }
        )


def account_json(account: Account) -> dict[str, str]:
    """An account as the control API shows it."""
    return {
        "email": account.email,
        "display_name": account.display_name,
        "account_id": account.account_id,
        "uid": account.uid,
    }


def problem(status: int, detail: str) -> Response:
    """A control-API error."""
    return JSONResponse({"detail": detail}, status_code=status)
