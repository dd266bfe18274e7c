"""Sharing tracks with collaborators end to end (DESIGN §8, §9, issue 7): link-service,
dropbox-service and notify-service as processes on real Kafka and Redis, the Dropbox
emulator over HTTPS and the SMTP sink; only HTTP in and out."""

import re
import time
from collections.abc import Iterator
from typing import Any
from uuid import uuid4

import httpx
import pytest
from dropbox_emulator.testing import RunningEmulator
from messaging.testing import wait_until, wait_until_sync
from service_kit.testing import (
    ServiceProcess,
    bearer,
    finish_dropbox_flow,
    free_port,
    infra_env,
    start_service,
)
from smtp_sink.testing import RunningSink

pytestmark = pytest.mark.e2e

FOLDER = "/Producer Dashboard/{title}"
FILE_NAMES = ("Master.wav", "Stems.zip")


@pytest.fixture(scope="module")
def stack(
    kafka_bootstrap: str,
    redis_url: str,
    module_prefix: str,
    dropbox_emulator: RunningEmulator,
    sink: RunningSink,
) -> Iterator[dict[str, ServiceProcess]]:
    """link-, dropbox- and notify-service, started together, stopped at the module's end."""
    common = infra_env(kafka_bootstrap, redis_url, module_prefix)
    dropbox_port = free_port()
    link = start_service("link-service", common)
    services = {
        "link": link,
        "dropbox": start_service(
            "dropbox-service",
            common
            | {
                "DROPBOX_SERVICE_PORT": str(dropbox_port),
                "LINK_SERVICE_URL": link.base_url,  # whose catalog every share is checked with
                "DROPBOX_CA_FILE": str(dropbox_emulator.ca_file),
                "DROPBOX_REDIRECT_URI": "http://console.test/console/dropbox/callback",
                "DROPBOX_BACKOFF_BASE_S": "0.05",
                # A storm longer than this redelivers the request instead of waiting inside it.
                "DROPBOX_RATE_LIMIT_BUDGET_S": "2",
                # A request Dropbox keeps failing is redelivered this long, then failed.
                "DROPBOX_OUTAGE_GIVE_UP_S": "15",
            },
        ),
        "notify": start_service(
            "notify-service",
            common
            | {
                "SMTP_HOST": sink.host,
                "SMTP_PORT": str(sink.smtp_port),
                "CONSOLE_URL": "http://console.test/console",
            },
        ),
    }
    try:
        for service in services.values():
            service.wait_ready()
        yield services
    finally:
        for service in services.values():
            service.stop()


class Producer:
    """A producer with Dropbox connected through the emulator, talking HTTP to the services."""

    def __init__(self, stack: dict[str, ServiceProcess], control: httpx.Client) -> None:
        self.owner_id = f"u-{uuid4().hex[:8]}"
        self.email = f"p-{uuid4().hex[:8]}@example.com"
        self.headers = bearer(self.owner_id)
        self.link = httpx.Client(
            base_url=stack["link"].base_url, headers=self.headers, trust_env=False, timeout=30
        )
        self.dropbox_url = stack["dropbox"].base_url
        self.notify_url = stack["notify"].base_url
        self.control = control

    def connect_dropbox(self, emulator: RunningEmulator) -> None:
        """The whole OAuth flow, as in the console."""
        start = httpx.get(f"{self.dropbox_url}/v1/dropbox/connect", headers=self.headers)
        assert start.status_code == 200, start.text
        callback = emulator.approve(start.json()["authorize_url"], self.email)
        assert finish_dropbox_flow(self.dropbox_url, self.owner_id, callback).status_code == 200

    def put_track(self, track_id: str, title: str, people: list[dict[str, Any]]) -> None:
        """A track whose folder and files exist in the producer's Dropbox."""
        folder = FOLDER.format(title=title)
        files = []
        for index, name in enumerate(FILE_NAMES):
            path = f"{folder}/{title} {name}"
            self.control.put(
                "/_emulator/files", params={"account": self.email, "path": path}, content=b"audio"
            ).raise_for_status()
            files.append(
                {
                    "file_id": f"f-{index}",
                    "name": f"{title} {name}",
                    "role": "bounce",
                    "dropbox_path": path,
                    "size": 5,
                }
            )
        body = {
            "title": title,
            "artist": "Mara Vale",
            "dropbox_folder": folder,
            "files": files,
            "collaborators": people,
        }
        answer = self.link.put(f"/v1/catalog/tracks/{track_id}", json=body)
        assert answer.status_code == 200, answer.text

    def share(self, track_id: str, mode: str, message: str | None = None) -> str:
        """Share once link-service has heard of the Dropbox connection; answer the job id."""
        body = {"mode": mode, "message": message}
        answer = wait_until_sync(
            lambda: self.link.post(f"/v1/tracks/{track_id}/collaborators/share", json=body),
            until=lambda answer: answer.status_code != 409,
            interval_s=0.2,
            message="link-service to hear of the Dropbox connection",
        )
        assert answer.status_code == 202, answer.text
        job_id: str = answer.json()["job_id"]
        return job_id

    def job(self, job_id: str) -> dict[str, Any]:
        answer = self.link.get(f"/v1/jobs/{job_id}")
        assert answer.status_code == 200, answer.text
        job: dict[str, Any] = answer.json()
        return job

    def share_status(self, track_id: str) -> dict[str, Any]:
        answer = self.link.get(f"/v1/tracks/{track_id}/share-status")
        assert answer.status_code == 200, answer.text
        view: dict[str, Any] = answer.json()
        return view

    def members(self, path: str) -> set[str]:
        answer = self.control.get(
            "/_emulator/members", params={"account": self.email, "path": path}
        )
        assert answer.status_code == 200, answer.text
        return {m["email"].lower() for m in answer.json()["members"]}


@pytest.fixture
def producer(stack, control, dropbox_emulator) -> Iterator[Producer]:
    owner = Producer(stack, control)
    owner.connect_dropbox(dropbox_emulator)
    yield owner
    owner.link.close()


def people() -> list[dict[str, Any]]:
    """Two collaborators: Ana has a Producer Dashboard account, Bo has not."""
    tag = uuid4().hex[:8]
    return [
        {
            "collaborator_id": "c-ana",
            "email": f"ana-{tag}@example.com",
            "name": "Ana",
            "user_id": f"u-ana-{tag}",
        },
        {
            "collaborator_id": "c-bo",
            "email": f"bo-{tag}@example.com",
            "name": "Bo",
            "user_id": None,
        },
    ]


async def finished(producer: Producer, job_id: str, timeout_s: float = 60) -> dict[str, Any]:
    """The job once it is no longer running."""

    async def over() -> bool:
        return producer.job(job_id)["state"] != "running"

    await wait_until(over, timeout_s=timeout_s, interval_s=0.2)
    return producer.job(job_id)


async def mails_to(sink: RunningSink, address: str, count: int = 1) -> list[dict[str, Any]]:
    async def arrived() -> bool:
        return len(sink.messages_to(address)) >= count

    await wait_until(arrived, timeout_s=30)
    return sink.messages_to(address)


@pytest.mark.parametrize("mode", ["folder", "files"])
async def test_sharing_with_a_user_and_a_non_user_grants_both_and_invites_each_once(
    producer, sink, mode
):
    ana, bo = people()
    producer.put_track("t-1", "Night Drive", [ana, bo])

    job = await finished(producer, producer.share("t-1", mode, message="Mixes v3 <3"))

    assert (job["state"], job["total"], job["done"], job["failed"]) == ("done", 1, 1, 0)
    folder = FOLDER.format(title="Night Drive")
    targets = [folder] if mode == "folder" else [f"{folder}/Night Drive {n}" for n in FILE_NAMES]
    for path in targets:
        assert {ana["email"], bo["email"]} <= producer.members(path)
    view = producer.share_status("t-1")
    assert view["status"] == "all"
    assert {c["status"] for c in view["collaborators"]} == {"granted"}

    [to_ana] = await mails_to(sink, ana["email"])
    [to_bo] = await mails_to(sink, bo["email"])
    for mail in (to_ana, to_bo):
        assert mail["subject"].endswith("shared “Night Drive” with you")
        assert "Mixes v3 <3" in mail["text"] and "Mixes v3 &lt;3" in mail["html"]
    assert "http://console.test/console" in to_ana["text"]
    assert "How to get to it" in to_bo["text"] and "console.test" not in to_bo["text"]
    notifications = httpx.get(
        f"{producer.notify_url}/v1/notifications", headers=bearer(ana["user_id"])
    ).json()
    [notification] = notifications["items"]
    assert (notification["track_title"], notification["mode"]) == ("Night Drive", mode)


@pytest.mark.parametrize("mode", ["folder", "files"])
async def test_a_non_user_following_the_mail_reaches_the_shared_files(
    producer, sink, control, dropbox_emulator, mode
):
    ana, bo = people()
    producer.put_track("t-1", "Night Drive", [ana, bo])
    await finished(producer, producer.share("t-1", mode))
    [mail] = await mails_to(sink, bo["email"])
    text = mail["text"]
    # 1. Open the link in the mail, or the invitation Dropbox sent (it did: Bo has no account).
    assert f"the invitation Dropbox sent to {bo['email']}" in text
    invitations = control.get("/_emulator/invitations", params={"email": bo["email"]}).json()
    assert len(invitations) == (1 if mode == "folder" else len(FILE_NAMES))
    assert control.get("/_emulator/invitations", params={"email": ana["email"]}).json() == []
    starts = [invitation["url"] for invitation in invitations]
    if mode == "folder":
        [in_mail] = re.findall(r"Open (https://\S+) ", text)
        assert in_mail == starts[0]
    # 2. Sign in to Dropbox as the invited address (a new account is made for it).
    assert f"Sign in to Dropbox as {bo['email']}" in text
    reached: list[bytes] = []
    with httpx.Client(
        verify=dropbox_emulator.ssl_context(), trust_env=False, follow_redirects=True
    ) as browser:
        for start in starts:
            page = browser.get(start)
            if page.url.path == "/login":  # once per browser
                page = browser.get(page.url.copy_merge_params({"email": bo["email"]}))
            assert page.status_code == 200 and str(page.url) == start
            # 3. The files are there to view and download.
            for href in re.findall(r'href="([^"]+)"', page.text):
                reached.append(browser.get(page.url.join(href.replace("&amp;", "&"))).content)
    assert reached == [b"audio"] * len(FILE_NAMES)


async def test_bulk_share_of_ten_tracks_skips_three_and_reports_rising_progress(producer, control):
    for index in range(10):
        producer.put_track(f"t-{index}", f"Song {index}", people() if index < 7 else [])
    producer.share("t-0", "folder")  # waits until link-service knows Dropbox is connected
    # Slow each grant a little, so that the tracks finish one after another.
    slow = {"route": "sharing/add_folder_member", "delay_ms": 250, "count": 14}
    control.post("/_emulator/faults", json=slow)

    answer = producer.link.post(
        "/v1/collaborators/share-bulk",
        json={"track_ids": [f"t-{i}" for i in range(10)], "mode": "folder"},
    )

    assert answer.status_code == 202, answer.text
    started = answer.json()
    assert (started["total"], len(started["queued"])) == (7, 7)
    assert started["skipped"] == [
        {"track_id": f"t-{i}", "reason": "no_collaborators"} for i in (7, 8, 9)
    ]
    seen: list[int] = []

    def progress() -> dict[str, Any]:
        job = producer.job(started["job_id"])
        if job["state"] == "running":
            seen.append(job["done"])
        return job

    job = await wait_until(
        progress,
        until=lambda job: job["state"] != "running",
        timeout_s=60,
        message=lambda: f"the job to finish; progress seen: {seen}",
    )
    assert (job["state"], job["total"], job["done"], job["failed"]) == ("done", 7, 7, 0)
    assert seen == sorted(seen) and seen[0] < 7
    assert len(set(seen + [7])) >= 3, f"progress did not rise step by step: {seen}"
    assert {producer.share_status(f"t-{i}")["status"] for i in range(7)} == {"all"}
    assert {producer.share_status(f"t-{i}")["status"] for i in (7, 8, 9)} == {"none"}


async def test_a_429_storm_delays_grants_but_loses_none(producer, control):
    ana, bo = people()
    producer.put_track("t-1", "Storm", [ana, bo])
    storm = {"route": "sharing/add_folder_member", "status": 429, "count": 6, "retry_after": 1}
    assert control.post("/_emulator/faults", json=storm).status_code == 200
    started = time.monotonic()

    job = await finished(producer, producer.share("t-1", "folder"), timeout_s=90)

    assert (job["state"], job["done"], job["failed"]) == ("done", 1, 0)
    assert time.monotonic() - started >= 3  # six 429s of one second each were waited out
    assert control.get("/_emulator/faults").json() == []  # the storm was spent on us
    assert producer.share_status("t-1")["status"] == "all"
    assert {ana["email"], bo["email"]} <= producer.members(FOLDER.format(title="Storm"))


async def test_removing_one_collaborator_takes_their_dropbox_access_and_status_turns_partial(
    producer,
):
    ana, bo = people()
    producer.put_track("t-1", "Night Drive", [ana, bo])
    await finished(producer, producer.share("t-1", "folder"))
    folder = FOLDER.format(title="Night Drive")
    assert {ana["email"], bo["email"]} <= producer.members(folder)

    answer = producer.link.delete("/v1/tracks/t-1/collaborators/c-bo/access")

    assert answer.status_code == 202, answer.text

    async def removed() -> bool:
        return producer.share_status("t-1")["status"] == "partial"

    await wait_until(removed, timeout_s=30)
    statuses = {
        c["collaborator_id"]: c["status"] for c in producer.share_status("t-1")["collaborators"]
    }
    assert statuses == {"c-ana": "granted", "c-bo": "not_shared"}
    members = producer.members(folder)
    assert ana["email"] in members and bo["email"] not in members


async def test_a_removal_dropbox_refuses_shows_failed_then_a_retry_removes_every_access(
    producer, control
):
    ana, bo = people()
    producer.put_track("t-1", "Night Drive", [ana, bo])
    for mode in ("files", "folder"):  # the same track shared both ways
        await finished(producer, producer.share("t-1", mode))
    folder = FOLDER.format(title="Night Drive")
    everywhere = [folder, *(f"{folder}/Night Drive {n}" for n in FILE_NAMES)]
    assert all(bo["email"] in producer.members(path) for path in everywhere)

    def bo_now() -> dict[str, Any]:
        [bo_status] = [
            c
            for c in producer.share_status("t-1")["collaborators"]
            if c["collaborator_id"] == "c-bo"
        ]
        return bo_status

    async def settled() -> bool:
        return not bo_now()["revoking"]

    outage = {"route": "sharing/remove_folder_member", "status": 503, "count": 100}
    control.post("/_emulator/faults", json=outage)
    assert producer.link.delete("/v1/tracks/t-1/collaborators/c-bo/access").status_code == 202
    await wait_until(settled, timeout_s=60)
    control.delete("/_emulator/faults")
    assert (bo_now()["status"], bo_now()["reason"]) == (
        "failed",
        "remove_failed:dropbox_unavailable",
    )
    assert bo["email"] in producer.members(folder), "Dropbox kept the folder access"

    assert producer.link.delete("/v1/tracks/t-1/collaborators/c-bo/access").status_code == 202
    await wait_until(settled, timeout_s=60)

    assert bo_now()["status"] == "not_shared"
    for path in everywhere:
        assert bo["email"] not in producer.members(path), path
        assert ana["email"] in producer.members(path), path
