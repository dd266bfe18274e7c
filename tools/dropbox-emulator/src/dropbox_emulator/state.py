"""The emulator's in-memory model: accounts, file trees, shares, tokens, links and jobs."""

from __future__ import annotations

import secrets
import string
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

_ALNUM = string.ascii_letters + string.digits


def now() -> datetime:
    """The current time as Dropbox timestamps carry it: naive UTC, whole seconds."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def random_text(length: int, alphabet: str = _ALNUM) -> str:
    """A random string for ids and secrets."""
    return "".join(secrets.choice(alphabet) for _ in range(length))


def new_rev() -> str:
    """A file revision: lowercase hex, at least 9 characters as the SDK's validator wants."""
    return secrets.token_hex(8)


@dataclass
class Node:
    """A file or folder in one account's tree; `path_display` keeps the case it was made with."""

    id: str
    path_display: str
    is_folder: bool
    data: bytes = b""
    rev: str = field(default_factory=new_rev)
    modified: datetime = field(default_factory=now)

    @property
    def path_lower(self) -> str:
        """The case-insensitive key, as Dropbox compares paths."""
        return self.path_display.lower()

    @property
    def name(self) -> str:
        """The last path component."""
        return self.path_display.rsplit("/", 1)[-1]


@dataclass
class Account:
    """A Dropbox user and their file tree, keyed by lower-case path."""

    account_id: str
    uid: str
    email: str
    display_name: str
    namespace_id: str
    nodes: dict[str, Node] = field(default_factory=dict)


@dataclass
class Removal:
    """A member taken off a share; `leave_a_copy` is None for file shares."""

    email: str
    leave_a_copy: bool | None
    at: datetime = field(default_factory=now)


@dataclass
class Share:
    """A shared folder (with an id) or a shared file: its owner and members by email."""

    owner_id: str
    node_id: str
    shared_folder_id: str | None = None
    members: dict[str, str] = field(default_factory=dict)
    removed: list[Removal] = field(default_factory=list)
    created: datetime = field(default_factory=now)
    acl_update_policy: str = "editors"
    shared_link_policy: str = "anyone"


@dataclass
class AccessToken:
    """A short-lived bearer token and the refresh token it came from, if any."""

    account_id: str
    expires_at: float
    refresh_token: str | None


@dataclass
class Grant:
    """What a refresh token stands for."""

    account_id: str
    client_id: str
    scope: str


@dataclass
class AuthCode:
    """An authorization code waiting to be exchanged once."""

    account_id: str
    client_id: str
    challenge: str
    redirect_uri: str | None
    scope: str
    offline: bool
    expires_at: float


@dataclass
class TempLink:
    """A temporary download link to one file."""

    account_id: str
    node_id: str
    expires_at: float


@dataclass
class Job:
    """An async job; `key` names what it acted on (a shared folder id, a member email)."""

    kind: str
    key: str


@dataclass
class Page:
    """What is left of a listing that a cursor continues."""

    kind: str
    account_id: str
    items: list[Any]
    limit: int


@dataclass
class Invitation:
    """A mail Dropbox sent to someone added to a shared folder or file without `quiet`."""

    email: str
    kind: str  # "folder" or "file"
    name: str
    url: str
    message: str | None
    sent_at: datetime = field(default_factory=now)


@dataclass
class Fault:
    """A canned failure for the next `remaining` calls to one route."""

    status: int | None
    remaining: int
    retry_after: int = 1
    delay_ms: int = 0


class World:
    """Everything the emulator knows; hold `lock` while reading or changing it."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        """Forget everything."""
        self.accounts: dict[str, Account] = {}
        self.folder_shares: dict[str, Share] = {}
        self.file_shares: dict[str, Share] = {}
        self.access_tokens: dict[str, AccessToken] = {}
        self.refresh_tokens: dict[str, Grant] = {}
        self.codes: dict[str, AuthCode] = {}
        self.links: dict[str, TempLink] = {}
        self.jobs: dict[str, Job] = {}
        self.pages: dict[str, Page] = {}
        self.faults: dict[str, Fault] = {}
        self.invitations: list[Invitation] = []
        self.calls: Counter[str] = Counter()
        self.clock_offset_s = 0.0

    def clock(self) -> float:
        """Seconds since the epoch as the emulator sees them (tests can move it forward)."""
        return time.time() + self.clock_offset_s

    def account_by_email(self, email: str) -> Account | None:
        """The account with this email, compared case-insensitively."""
        wanted = email.lower()
        return next((a for a in self.accounts.values() if a.email.lower() == wanted), None)

    def ensure_account(self, email: str, display_name: str | None = None) -> Account:
        """The account with this email, made on first sight."""
        found = self.account_by_email(email)
        if found is not None:
            return found
        account = Account(
            account_id="dbid:AA" + random_text(33, _ALNUM + "-_"),
            uid=str(secrets.randbelow(9 * 10**9) + 10**9),
            email=email,
            display_name=display_name or name_from_email(email),
            namespace_id=str(secrets.randbelow(9 * 10**9) + 10**9),
        )
        self.accounts[account.account_id] = account
        return account

    def invite(self, email: str, kind: str, name: str, url: str, message: str | None) -> None:
        """Record the invitation mail Dropbox sends to a member added without `quiet`."""
        self.invitations.append(Invitation(email, kind, name, url, message))

    def forget_tokens(self, account: Account) -> int:
        """Forget every token of the account, as when its owner removes the app in
        Dropbox's settings; answers how many refresh tokens went."""
        refresh = [t for t, g in self.refresh_tokens.items() if g.account_id == account.account_id]
        for token in refresh:
            del self.refresh_tokens[token]
        for token in [
            t for t, a in self.access_tokens.items() if a.account_id == account.account_id
        ]:
            del self.access_tokens[token]
        return len(refresh)

    def start_job(self, kind: str, key: str) -> str:
        """Record an async job (they finish at once) and return its id."""
        job_id = "dbjid:" + random_text(40)
        self.jobs[job_id] = Job(kind, key)
        return job_id

    def paginate(self, page: Page, always: bool = False) -> tuple[list[Any], str | None]:
        """The first `limit` items of a listing and a cursor for the rest (if any, or `always`)."""
        first, rest = page.items[: page.limit], page.items[page.limit :]
        if not rest and not always:
            return first, None
        cursor = "AA" + random_text(40)
        self.pages[cursor] = Page(page.kind, page.account_id, rest, page.limit)
        return first, cursor

    def resume(self, cursor: str, kind: str, account_id: str) -> Page | None:
        """The rest of a listing that `cursor` continues, if it is that caller's and kind."""
        page = self.pages.get(cursor)
        if page is None or page.kind != kind or page.account_id != account_id:
            return None
        del self.pages[cursor]
        return page


def name_from_email(email: str) -> str:
    """A display name guessed from an address: "bob.smith@x" → "Bob Smith"."""
    local = email.split("@", 1)[0]
    words = [w for w in local.replace("_", ".").replace("-", ".").split(".") if w]
    return " ".join(w.capitalize() for w in words) or email
