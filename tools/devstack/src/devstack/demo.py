"""Demo data for `make run` / `make up`: a producer with Dropbox connected, a catalog of three
buckets (versions, collaborators with and without accounts) and a link.

Idempotent: each step looks first (is Dropbox connected? does the link exist?).
"""

import json
import re
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from contracts.auth import (
    DEFAULT_AUDIENCE,
    DEFAULT_ISSUER,
    DEFAULT_MAX_TTL_S,
    issue_producer_token,
)
from contracts.clock import unix_s, utc_now
from service_kit.settings import DEV_JWT_SECRET

from devstack import services
from devstack.paths import DevstackError

DEMO_OWNER = "u-demo"
DEMO_NAME = "Mara Vale"
DEMO_DROPBOX = "producer@example.com"  # the emulator's seeded account
ROLE_OF_KIND = {"master": "bounce", "mp3": "bounce", "stems": "stem", "project": "project"}
# Ana has a Producer Dashboard account (sign in as her to see her notifications); Bo and Cy
# do not, so Dropbox invites them by mail.
ANA = {
    "collaborator_id": "c-ana",
    "email": "ana@example.com",
    "name": "Ana Ruiz",
    "user_id": "u-ana",
}
BO = {"collaborator_id": "c-bo", "email": "bo@example.com", "name": "Bo Lindqvist", "user_id": None}
CY = {"collaborator_id": "c-cy", "email": "cy@example.com", "name": "Cy Okafor", "user_id": None}
COLLABORATORS = {
    "Night Drive": [ANA, BO],
    "Neon Rain": [ANA],
    "Low Tide": [BO, CY],
    "Golden Hour": [ANA, CY],
}
DEMO_BUCKET = "EP 2026"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any) -> None:
        return None


def seed(
    env: Mapping[str, str], owner_id: str = DEMO_OWNER, name: str = DEMO_NAME
) -> dict[str, str]:
    """Load the demo for `owner_id` (the benchmarks use a producer of their own) and return
    what to print: the producer's token and a share URL."""
    token = issue_producer_token(
        owner_id,
        env.get("AUTH_JWT_SECRET", DEV_JWT_SECRET),
        expires_at=unix_s(utc_now()) + int(env.get("AUTH_JWT_MAX_TTL_S", DEFAULT_MAX_TTL_S)),
        name=name,
        issuer=env.get("AUTH_JWT_ISSUER", DEFAULT_ISSUER),
        audience=env.get("AUTH_JWT_AUDIENCE", DEFAULT_AUDIENCE),
    )
    headers = {"Authorization": f"Bearer {token}"}
    dropbox = _base(env, "dropbox-service")
    if not _call("GET", f"{dropbox}/v1/dropbox/status", headers)["connected"]:
        _connect(env, dropbox, headers)
    catalog = _call("GET", f"{services.EMULATOR.url(env)}/_emulator/catalog", context=_tls(env))
    link_service = _base(env, "link-service")
    for track in catalog:
        _put_track(link_service, headers, track)
    console = f"{_base(env, 'gateway')}/console/sign-in"
    return {
        "console": f"{console}  (sign in as {DEMO_NAME}; as Ana Ruiz to see a collaborator's bell)",
        "share link": _demo_link(link_service, headers),
        "producer token": token,
    }


def _connect(env: Mapping[str, str], dropbox: str, headers: dict[str, str]) -> None:
    authorize = _call("GET", f"{dropbox}/v1/dropbox/connect", headers)["authorize_url"]
    authorize += "&" + urlencode({"login_hint": DEMO_DROPBOX})  # approved without the page
    opener = urllib.request.build_opener(
        _NoRedirect, urllib.request.HTTPSHandler(context=_tls(env)), urllib.request.ProxyHandler({})
    )
    try:
        opener.open(authorize, timeout=10)
        raise DevstackError("the Dropbox emulator did not redirect back to dropbox-service")
    except urllib.error.HTTPError as redirect:
        callback = redirect.headers["Location"]
    query = dict(parse_qsl(urlsplit(callback).query))  # what the console posts on (DESIGN §7)
    body = {"code": query["code"], "state": query["state"]}
    _call("POST", f"{dropbox}/v1/dropbox/callback", headers, body)


def _put_track(link_service: str, headers: dict[str, str], track: Mapping[str, Any]) -> None:
    slug = re.sub(r"[^a-z0-9]+", "-", track["title"].lower()).strip("-")
    track_id = f"demo-{slug}" if track["latest"] else f"demo-{slug}-v{track['version']}"
    files = [
        {
            "file_id": f"{track_id}-{i}",
            "name": f["dropbox_path"].rsplit("/", 1)[1],
            "role": ROLE_OF_KIND.get(f["kind"], "other"),
            "dropbox_path": f["dropbox_path"],
            "size": f["size"],
        }
        for i, f in enumerate(track["files"])
    ]
    body = {
        "title": track["title"],
        "artist": track["artist"],
        "bucket": track["bucket"],
        "group_id": f"grp-{slug}",
        "version": track["version"],
        "dropbox_folder": track["folder"],
        "files": files,
        "collaborators": COLLABORATORS.get(track["title"], []),
    }
    _call("PUT", f"{link_service}/v1/catalog/tracks/{track_id}", headers, body)


def _demo_link(link_service: str, headers: dict[str, str]) -> str:
    existing = _call("GET", f"{link_service}/v1/links?status=active&limit=1", headers)["items"]
    if existing:
        return str(existing[0]["url"])
    body = {"buckets": [DEMO_BUCKET], "title": DEMO_BUCKET, "message": "Mixes v3, feedback welcome"}
    deadline = time.monotonic() + 30
    while True:  # link-service learns of the connection from Kafka, a moment later
        try:
            return str(_call("POST", f"{link_service}/v1/links", headers, body)["url"])
        except DevstackError as error:
            if "dropbox_not_connected" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def _base(env: Mapping[str, str], name: str) -> str:
    return next(s for s in services.SERVICES if s.name == name).url(env)


def _tls(env: Mapping[str, str]) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=env["DROPBOX_EMULATOR_CA_FILE"])


def _call(
    method: str,
    url: str,
    headers: Mapping[str, str] | None = None,
    body: Any = None,
    *,
    context: ssl.SSLContext | None = None,
) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers=dict(headers or {}))
    request.add_header("Content-Type", "application/json")
    handlers: list[Any] = [urllib.request.ProxyHandler({})]
    if context is not None:
        handlers.append(urllib.request.HTTPSHandler(context=context))
    try:
        with urllib.request.build_opener(*handlers).open(request, timeout=30) as answer:
            return json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as error:
        reason = f"{method} {url} answered {error.code}: {error.read()!r}"
        raise DevstackError(f"demo data: {reason}") from error
