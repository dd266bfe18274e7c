"""Faults under a steady load, then an exact reconciliation (issue 13, DESIGN §12).

The whole system runs as processes on devstack's Kafka and Redis (with CLUSTER=1 a
three-broker Kafka and a Redis Cluster, DESIGN §14): two instances of every service (the
consumers in one group each, the people's requests spread over both gateways), the Dropbox
emulator over HTTPS and the SMTP sink. During each scenario people
open a share page (through the link's own URL or one of its two recipients'), listen (each
report sent twice) and download its files, and a producer shares new tracks with two
collaborators each (one a Producer Dashboard user); one fault strikes meanwhile. Then every
view, play milestone and download served must be counted once (views by recipient too),
every share accepted must be granted in Dropbox, every collaborator mailed once and every
user notified once in the app.
"""

import asyncio
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest
from devstack import cluster, kafka, redis
from dropbox_emulator.testing import RunningEmulator
from service_kit.testing import (
    BROWSER,
    ServiceProcess,
    bearer,
    finish_dropbox_flow,
    free_port,
    infra_env,
    start_service,
)
from smtp_sink.testing import RunningSink, running_sink

pytestmark = pytest.mark.chaos

CONSUMER_SERVICES = ("link-service", "dropbox-service", "notify-service", "analytics-service")
VIEWS_PER_S, DOWNLOADS_PER_S, LISTENS_PER_S, SHARES_PER_S = 10, 2, 2, 0.5
# How far a listen got, and what it counts: a report as the players send it.
REPORTS = {
    "play": ({"event": "play", "position_s": 0.0}, ("started",)),
    "listened": ({"event": "progress", "position_s": 31.0}, ("started", "30s")),
    "ended": ({"event": "ended", "position_s": 200.0}, ("started", "30s", "95pct")),
}
FILES = {"bounce": "Master.wav", "project": "Session.als", "stem": "Stems.zip"}
# Every Dropbox call the system makes under this load, for the latency scenario.
DROPBOX_ROUTES = (
    "files/get_temporary_link",
    "files/get_metadata",
    "sharing/share_folder",
    "sharing/add_folder_member",
    "sharing/list_folder_members",
    "sharing/add_file_member",
    "oauth2/token",
)


class Mail:
    """The SMTP sink, which a scenario may take down; keeps what earlier runs of it kept."""

    def __init__(self) -> None:
        self.port = free_port()
        self.kept: list[dict[str, Any]] = []
        self._running = ExitStack()
        self.sink: RunningSink | None = None

    def start(self) -> None:
        self.sink = self._running.enter_context(running_sink(self.port))

    def stop(self) -> None:
        assert self.sink is not None
        self.kept += self.sink.messages()
        self._running.close()
        self.sink = None

    def counts(self) -> Counter[str]:
        """How many mails reached each address, over every run of the sink."""
        current = self.sink.messages() if self.sink else []
        return Counter(to.lower() for message in self.kept + current for to in message["to"])


@dataclass
class Fleet:
    """The running system: instances by service name, the producer, the mail sink."""

    instances: dict[str, list[ServiceProcess]]
    emulator: RunningEmulator
    mail: Mail
    logs: Path
    owner_id: str = field(default_factory=lambda: f"u-{uuid4().hex[:8]}")
    email: str = field(default_factory=lambda: f"p-{uuid4().hex[:8]}@example.com")

    # Gateways the load sends people to: one taken out is drained before it is killed (a
    # request it answered as it died would be counted and not known to the ledger).
    serving: set[int] = field(default_factory=lambda: {0, 1})

    def url(self, name: str) -> str:
        """Where requests to service `name` go: its first instance."""
        return self.instances[name][0].base_url

    def gateway(self) -> str:
        """A gateway serving people, either one."""
        return self.instances["gateway"][random.choice(sorted(self.serving))].base_url

    async def kill(self, name: str, index: int) -> None:
        """SIGKILL one instance, whatever it was doing (a gateway once people left it)."""
        if name == "gateway":
            self.serving.discard(index)
            await asyncio.sleep(1)
        self.instances[name][index].stop()

    async def restart(self, name: str, index: int) -> None:
        """Start a killed instance again, on its port, and wait until it is ready."""
        old = self.instances[name][index]
        new = start_service(name, old.env, log=self.logs / f"{name}-{index}.log")
        self.instances[name][index] = new
        await asyncio.to_thread(new.wait_ready, 90)
        if name == "gateway":
            self.serving.add(index)

    def stop(self) -> None:
        for instances in self.instances.values():
            for instance in instances:
                instance.stop()


def _start_fleet(base: dict[str, str], emulator: RunningEmulator, mail: Mail, logs: Path) -> Fleet:
    gateway_port = free_port()
    common = base | {
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{gateway_port}",
        "DROPBOX_CA_FILE": str(emulator.ca_file),
        "DROPBOX_REDIRECT_URI": f"http://127.0.0.1:{gateway_port}/console/dropbox/callback",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(mail.port),
        "SHARE_JOBS_PER_HOUR": "100000",
        "SHARE_INVITATIONS_PER_DAY": "100000",
    }
    fleet = Fleet({}, emulator, mail, logs)
    for name in CONSUMER_SERVICES:  # link-service first: dropbox-service checks shares with it
        fleet.instances[name] = [
            start_service(
                name, common | _peers(fleet, name, index), log=logs / f"{name}-{index}.log"
            )
            for index in (0, 1)
        ]
    gateway = common | {
        "GATEWAY_PORT": str(gateway_port),
        "LINK_SERVICE_URL": fleet.url("link-service"),
        "DROPBOX_SERVICE_URL": fleet.url("dropbox-service"),
        "TRUSTED_PROXIES": "127.0.0.1",  # the load's clients stand in for a proxy
    }
    fleet.instances["gateway"] = [
        start_service(
            "gateway", gateway | {"GATEWAY_PORT": str(port)}, log=logs / f"gateway-{i}.log"
        )
        for i, port in enumerate((gateway_port, free_port()))
    ]
    for instances in fleet.instances.values():
        for instance in instances:
            instance.wait_ready(90)
    return fleet


def _peers(fleet: Fleet, name: str, index: int) -> dict[str, str]:
    """Instance `index` of dropbox-service checks shares with link-service's of that index."""
    if name != "dropbox-service":
        return {}
    return {"LINK_SERVICE_URL": fleet.instances["link-service"][index].base_url}


def _connect_dropbox(fleet: Fleet) -> None:
    """The producer connects Dropbox; wait until link-service has heard of it."""
    dropbox, producer = fleet.url("dropbox-service"), bearer(fleet.owner_id)
    start = httpx.get(f"{dropbox}/v1/dropbox/connect", headers=producer)
    callback = fleet.emulator.approve(start.json()["authorize_url"], fleet.email)
    assert finish_dropbox_flow(dropbox, fleet.owner_id, callback).status_code == 200
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        probe = httpx.post(
            f"{fleet.url('link-service')}/v1/links", json={"tracks": ["none"]}, headers=producer
        )
        if probe.status_code != 409:
            return
        time.sleep(0.2)
    raise AssertionError("link-service never learned that Dropbox is connected")


@pytest.fixture(scope="module")
def fleet(
    kafka_bootstrap: str,
    redis_url: str,
    module_prefix: str,
    dropbox_emulator: RunningEmulator,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Fleet]:
    mail, logs = Mail(), tmp_path_factory.mktemp("logs")
    mail.start()
    running = _start_fleet(
        infra_env(kafka_bootstrap, redis_url, module_prefix), dropbox_emulator, mail, logs
    )
    try:
        _connect_dropbox(running)
        yield running
    finally:
        running.stop()
        if mail.sink is not None:
            mail.stop()
        print(f"fault runs: the services' logs are in {logs}")


@dataclass
class Share:
    """A track shared with two collaborators; `job_id` is None when the answer was unsure."""

    track_id: str
    people: list[dict[str, Any]]
    job_id: str | None


@dataclass
class Ledger:
    """What the load was served: the figures the system must reconcile with."""

    views: int = 0
    views_by: Counter[str | None] = field(default_factory=Counter)  # by recipient id
    milestones: Counter[str] = field(default_factory=Counter)  # started, 30s, 95pct
    downloads: Counter[str] = field(default_factory=Counter)  # by format
    shares: list[Share] = field(default_factory=list)
    refused: Counter[str] = field(default_factory=Counter)  # what was not served, and why

    def note_refusal(self, what: str, answer: httpx.Response | Exception) -> None:
        reason = type(answer).__name__ if isinstance(answer, Exception) else answer.status_code
        self.refused[f"{what} {reason}"] += 1


class Load:
    """People on one share link, and a producer sharing new tracks, at steady rates."""

    def __init__(self, fleet: Fleet, link: dict[str, Any], files: list[dict[str, Any]]) -> None:
        self.fleet, self.link, self.files = fleet, link, files
        self.ledger = Ledger()
        self.http = httpx.AsyncClient(trust_env=False, timeout=60)
        self.control = _emulator_control(fleet)

    async def run(self, duration_s: float) -> Ledger:
        """Views, downloads and shares for `duration_s`, each at its rate; every request is
        answered (or failed) before this returns."""
        await asyncio.gather(
            _steady(VIEWS_PER_S, duration_s, self.view),
            _steady(LISTENS_PER_S, duration_s, self.listen),
            _steady(DOWNLOADS_PER_S, duration_s, self.download),
            _steady(SHARES_PER_S, duration_s, self.share),
        )
        await self.http.aclose()
        await self.control.aclose()
        return self.ledger

    def _token(self) -> tuple[str, str | None]:
        """The link's own URL or a recipient's, by chance: its token and recipient id."""
        who = random.choice([None, *self.link["recipients"]])
        return (who["token"], who["recipient_id"]) if who else (self.link["token"], None)

    async def view(self) -> None:
        token, recipient = self._token()
        answer = await self._get(f"/s/{token}", "view")
        if answer is not None:
            self.ledger.views += 1
            self.ledger.views_by[recipient] += 1

    async def listen(self) -> None:
        """One listen, reported twice as a player might (a retried beacon): counted once if
        either report was answered 204."""
        token, _ = self._token()
        how = random.choice(sorted(REPORTS))
        fields, reached = REPORTS[how]
        report = {"listen_id": str(uuid4()), "file_id": self.files[0]["file_id"]}
        report |= {"duration_s": 200.0, **fields}
        person = {"User-Agent": BROWSER, "X-Forwarded-For": _some_address()}
        answered = False
        for _ in range(2):
            try:
                answer = await self.http.post(
                    f"{self.fleet.gateway()}/s/{token}/listening", json=report, headers=person
                )
            except httpx.TransportError as error:
                self.ledger.note_refusal("listening", error)
                continue
            if answer.status_code == 204:
                answered = True
            else:
                self.ledger.note_refusal("listening", answer)
        if answered:
            self.ledger.milestones.update(reached)

    async def download(self) -> None:
        file = random.choice(self.files)
        path = f"/s/{self.link['token']}/files/{file['file_id']}/download"
        if await self._get(path, "download", expect=(302, 307)) is not None:
            self.ledger.downloads[file["format"]] += 1

    async def _get(self, path: str, what: str, expect: tuple[int, ...] = (200,)) -> Any:
        person = {"User-Agent": BROWSER, "X-Forwarded-For": _some_address()}
        try:
            answer = await self.http.get(self.fleet.gateway() + path, headers=person)
        except httpx.TransportError as error:
            return self.ledger.note_refusal(what, error)
        if answer.status_code not in expect:
            return self.ledger.note_refusal(what, answer)
        return answer

    async def share(self) -> None:
        """A new track with two collaborators, shared as a folder. Its share counts only when
        link-service answered 202; any other answer may or may not have started it."""
        track_id, tag = f"t-{uuid4().hex[:10]}", uuid4().hex[:10]
        people = [
            {"collaborator_id": "c-1", "email": f"ana-{tag}@example.com", "name": "Ana"},
            {"collaborator_id": "c-2", "email": f"bo-{tag}@example.com", "name": "Bo"},
        ]
        people[0]["user_id"] = f"u-ana-{tag}"
        producer = bearer(self.fleet.owner_id)
        links = self.fleet.url("link-service")
        try:
            body = await self._track(track_id, people)
            put = await self.http.put(
                f"{links}/v1/catalog/tracks/{track_id}", json=body, headers=producer
            )
            if put.status_code != 200:
                return self.ledger.note_refusal("catalog", put)
            answer = await self.http.post(
                f"{links}/v1/tracks/{track_id}/collaborators/share",
                json={"mode": "folder"},
                headers=producer,
            )
        except httpx.TransportError as error:
            return self.ledger.note_refusal("share", error)
        job_id = answer.json()["job_id"] if answer.status_code == 202 else None
        if job_id is None:
            self.ledger.note_refusal("share", answer)
        self.ledger.shares.append(Share(track_id, people, job_id))
        return None

    async def _track(self, track_id: str, people: list[dict[str, Any]]) -> dict[str, Any]:
        """The track's file put in the producer's Dropbox; its catalog entry."""
        folder = f"/Producer Dashboard/{track_id}"
        stored = await self.control.put(
            "/_emulator/files",
            params={"account": self.fleet.email, "path": f"{folder}/{track_id}.wav"},
            content=b"RIFF" + track_id.encode(),
        )
        stored.raise_for_status()
        file = {
            "file_id": f"{track_id}-wav",
            "name": f"{track_id}.wav",
            "role": "bounce",
            "dropbox_path": f"{folder}/{track_id}.wav",
            "size": 4 + len(track_id),
        }
        return {
            "title": f"Song {track_id}",
            "artist": "Mara Vale",
            "dropbox_folder": folder,
            "files": [file],
            "collaborators": people,
        }


async def _steady(per_s: float, duration_s: float, one: Callable[[], Awaitable[None]]) -> None:
    """Start `one()` `per_s` times a second for `duration_s`, however long each takes."""
    started: list[asyncio.Task[None]] = []
    deadline = time.monotonic() + duration_s
    while time.monotonic() < deadline:
        started.append(asyncio.create_task(one()))
        await asyncio.sleep(1 / per_s)
    await asyncio.gather(*started)


def _some_address() -> str:
    """A visitor's address, different each time, so no visitor meets a rate limit."""
    return f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"


@dataclass
class Found:
    """What the system counted and did for a ledger, once it settled."""

    views: int
    views_by: Counter[str | None]
    milestones: Counter[str]
    downloads: Counter[str]
    shares_done: int
    grants_missing: list[str]
    mails: Counter[str]
    notifications: Counter[str]

    def mailed(self, shares: list[Share]) -> int:
        return sum(self.mails[p["email"]] >= 1 for s in shares for p in s.people)

    def doubled_mails(self, shares: list[Share]) -> int:
        return sum(self.mails[p["email"]] > 1 for s in shares for p in s.people)

    def kept(self, shares: list[Share]) -> int:
        return sum(self.notifications[s.track_id] == 1 for s in shares)

    def matches(self, ledger: Ledger) -> bool:
        accepted = [s for s in ledger.shares if s.job_id]
        return (
            self.views == ledger.views
            and self.views_by == ledger.views_by
            and self.milestones == ledger.milestones
            and self.downloads == ledger.downloads
            and self.shares_done == len(accepted)
            and not self.grants_missing
            and self.mailed(accepted) == 2 * len(accepted)
            and self.kept(accepted) == len(accepted)
        )

    def row(self, scenario: str, ledger: Ledger) -> str:
        accepted = [s for s in ledger.shares if s.job_id]
        downloads = ledger.downloads.total(), self.downloads.total()
        plays = ledger.milestones.total(), self.milestones.total()
        mails = 2 * len(accepted), self.mailed(accepted), self.doubled_mails(ledger.shares)
        return (
            f"| {scenario} | {ledger.views} / {self.views} | {plays[0]} / {plays[1]} | "
            f"{downloads[0]} / {downloads[1]} | "
            f"{len(accepted)} / {self.shares_done} | {mails[0]} / {mails[1]} / {mails[2]} | "
            f"{len(accepted)} / {self.kept(accepted)} |"
        )


async def _found(fleet: Fleet, link: dict[str, Any], ledger: Ledger) -> Found:
    producer = bearer(fleet.owner_id)
    async with (
        httpx.AsyncClient(trust_env=False, timeout=30) as http,
        _emulator_control(fleet) as control,
    ):
        stats = await http.get(
            f"{fleet.url('analytics-service')}/v1/stats/links/{link['id']}", headers=producer
        )
        counted = stats.json() if stats.status_code == 200 else {}
        done, missing, notifications = 0, [], Counter[str]()
        for share in ledger.shares:
            if share.job_id:
                job = await http.get(
                    f"{fleet.url('link-service')}/v1/jobs/{share.job_id}", headers=producer
                )
                done += job.json().get("state") == "done" and job.json().get("failed") == 0
                missing += await _missing_members(control, fleet, share)
            user = share.people[0]
            listed = await http.get(
                f"{fleet.url('notify-service')}/v1/notifications",
                headers=bearer(user["user_id"], email=user["email"]),
            )
            for item in listed.json().get("items", []):
                notifications[item["track_id"]] += 1
    milestones = {"started": "plays", "30s": "listens", "95pct": "completions"}
    return Found(
        views=counted.get("views", -1),
        views_by=Counter(
            {r["recipient_id"]: r["views"] for r in counted.get("by_recipient", []) if r["views"]}
        ),
        milestones=Counter(
            {m: counted[name] for m, name in milestones.items() if counted.get(name)}
        ),
        downloads=Counter(counted.get("downloads_by_format", {})),
        shares_done=done,
        grants_missing=missing,
        mails=await asyncio.to_thread(fleet.mail.counts),
        notifications=notifications,
    )


def _emulator_control(fleet: Fleet) -> httpx.AsyncClient:
    """A client of the emulator's control API."""
    return httpx.AsyncClient(
        base_url=fleet.emulator.base_url, verify=fleet.emulator.ssl_context(), trust_env=False
    )


async def _missing_members(control: httpx.AsyncClient, fleet: Fleet, share: Share) -> list[str]:
    """Collaborators of `share` who are not members of its track's folder in Dropbox."""
    answer = await control.get(
        "/_emulator/members",
        params={"account": fleet.email, "path": f"/Producer Dashboard/{share.track_id}"},
    )
    members = {m["email"].lower() for m in answer.json().get("members", [])}
    return [p["email"] for p in share.people if p["email"] not in members]


async def _settled(fleet: Fleet, link: dict[str, Any], ledger: Ledger) -> Found:
    """The system's figures once they match the ledger (or after five minutes), and again
    ten seconds later, so that a late duplicate shows."""
    deadline = time.monotonic() + 300
    while not (found := await _found(fleet, link, ledger)).matches(ledger):
        if time.monotonic() > deadline:
            return found
        await asyncio.sleep(2)
    await asyncio.sleep(10)
    return await _found(fleet, link, ledger)


def _shared_link(fleet: Fleet) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A new track of three files, shared on a link that lets every type be downloaded."""
    track_id = f"t-{uuid4().hex[:10]}"
    folder = f"/Producer Dashboard/{track_id}"
    files = [
        {
            "file_id": f"{track_id}-{role}",
            "name": name,
            "role": role,
            "dropbox_path": f"{folder}/{name}",
            "size": 4,
            "format": name.rsplit(".", 1)[1],
        }
        for role, name in FILES.items()
    ]
    with httpx.Client(verify=fleet.emulator.ssl_context(), trust_env=False) as control:
        for file in files:
            control.put(
                f"{fleet.emulator.base_url}/_emulator/files",
                params={"account": fleet.email, "path": file["dropbox_path"]},
                content=b"data",
            ).raise_for_status()
    links, producer = fleet.url("link-service"), bearer(fleet.owner_id)
    track = {
        "title": "Night Drive",
        "artist": "Mara Vale",
        "dropbox_folder": folder,
        "files": [{k: v for k, v in f.items() if k != "format"} for f in files],
    }
    put = httpx.put(f"{links}/v1/catalog/tracks/{track_id}", json=track, headers=producer)
    assert put.status_code == 200, put.text
    recipients = [
        {"name": name, "email": f"{name.lower()}-{track_id}@example.com"}
        for name in ("Label", "Curator")
    ]
    link = httpx.post(
        f"{links}/v1/links",
        json={"tracks": [track_id], "recipients": recipients},
        headers=producer,
    )
    assert link.status_code == 201, link.text
    return link.json(), files


@dataclass(frozen=True)
class Scenario:
    """A fault striking while the load runs for `load_s` seconds."""

    key: str
    name: str
    load_s: float
    fault: Callable[[Fleet, Any], Awaitable[None]]


async def _instances_killed(fleet: Fleet, outages: Any) -> None:
    await asyncio.sleep(5)
    await asyncio.gather(*(fleet.kill(name, 1) for name in (*CONSUMER_SERVICES, "gateway")))
    await asyncio.sleep(5)
    await asyncio.gather(*(fleet.restart(name, 1) for name in (*CONSUMER_SERVICES, "gateway")))
    every = [(name, i) for name in ("notify-service", "analytics-service") for i in (0, 1)]
    await asyncio.gather(*(fleet.kill(name, i) for name, i in every))
    await asyncio.sleep(3)
    await asyncio.gather(*(fleet.restart(name, i) for name, i in every))


async def _kafka_stopped(fleet: Fleet, outages: Any) -> None:
    await asyncio.sleep(5)
    await outages.stop(kafka, pause_s=20)


async def _redis_crashed(fleet: Fleet, outages: Any) -> None:
    await asyncio.sleep(5)
    await outages.stop(redis, pause_s=3, hard=True)


async def _smtp_down(fleet: Fleet, outages: Any) -> None:
    await asyncio.sleep(3)
    await asyncio.to_thread(fleet.mail.stop)
    await asyncio.sleep(60)
    await asyncio.to_thread(fleet.mail.start)


async def _dropbox_faults(fleet: Fleet, faults: list[dict[str, Any]], last_s: float) -> None:
    async with _emulator_control(fleet) as control:
        for fault in faults:
            (await control.post("/_emulator/faults", json=fault)).raise_for_status()
        await asyncio.sleep(last_s)
        (await control.delete("/_emulator/faults")).raise_for_status()


async def _dropbox_slow(fleet: Fleet, outages: Any) -> None:
    slow = [{"route": route, "delay_ms": 5000, "count": 100_000} for route in DROPBOX_ROUTES]
    await _dropbox_faults(fleet, slow, last_s=20)


async def _dropbox_storm(fleet: Fleet, outages: Any) -> None:
    await asyncio.sleep(3)
    storm = [
        {"route": "sharing/add_folder_member", "status": 429, "retry_after": 1, "count": 40},
        {"route": "sharing/share_folder", "status": 500, "count": 10},
        {"route": "files/get_temporary_link", "status": 503, "count": 20},
        {"route": "oauth2/token", "status": 500, "count": 5},
    ]
    await _dropbox_faults(fleet, storm, last_s=15)


async def _broker_killed(fleet: Fleet, outages: Any) -> None:
    await asyncio.sleep(5)
    await asyncio.to_thread(kafka.kill, 2)  # leaders on it move to the other two
    await asyncio.sleep(15)
    await asyncio.to_thread(kafka.ensure_running)


async def _redis_primary_killed(fleet: Fleet, outages: Any) -> None:
    await asyncio.sleep(5)
    primary = (await asyncio.to_thread(redis.primaries))[0]
    await asyncio.to_thread(redis.kill, primary)  # its replica takes over its slots
    await asyncio.sleep(10)
    await asyncio.to_thread(redis.ensure_running)  # back, as the new primary's replica


INSTANCES_KILLED = Scenario(
    "instances-killed",
    "one of two instances of every service SIGKILLed, then every instance of notify- and "
    "analytics-service",
    30,
    _instances_killed,
)
CLUSTER_SCENARIOS = [
    INSTANCES_KILLED,
    Scenario(
        "broker-killed", "one of three Kafka brokers SIGKILLed, back after 15 s", 30, _broker_killed
    ),
    Scenario(
        "redis-primary-killed",
        "one of three Redis primaries SIGKILLed (its replica takes over), back after 10 s",
        30,
        _redis_primary_killed,
    ),
]
SCENARIOS = [
    INSTANCES_KILLED,
    Scenario("kafka-stopped", "Kafka stopped for 20 s", 40, _kafka_stopped),
    Scenario(
        "redis-crashed",
        "Redis SIGKILLed (appendfsync always), back after 3 s",
        25,
        _redis_crashed,
    ),
    Scenario("smtp-down", "SMTP sink down for 60 s", 70, _smtp_down),
    Scenario("dropbox-slow", "Dropbox answering every call 5 s late for 20 s", 30, _dropbox_slow),
    Scenario("dropbox-storm", "Dropbox 429 and 5xx storms", 25, _dropbox_storm),
]


@pytest.mark.timeout(900)
@pytest.mark.parametrize(
    "scenario", CLUSTER_SCENARIOS if cluster.enabled() else SCENARIOS, ids=lambda s: s.key
)
async def test_every_view_download_grant_and_mail_once_through(fleet, outages, report, scenario):
    link, files = _shared_link(fleet)
    load = Load(fleet, link, files)
    ledger, _ = await asyncio.gather(load.run(scenario.load_s), scenario.fault(fleet, outages))
    print(f"{scenario.name}: not served {dict(ledger.refused)}")

    found = await _settled(fleet, link, ledger)
    report.append(found.row(scenario.name, ledger))

    accepted = [s for s in ledger.shares if s.job_id]
    assert (found.views, found.downloads) == (ledger.views, ledger.downloads)
    assert found.views_by == ledger.views_by, "each recipient's views counted under them"
    assert found.milestones == ledger.milestones, "each listen's milestones once"
    assert found.shares_done == len(accepted) and not found.grants_missing
    assert found.mailed(accepted) == 2 * len(accepted), "every collaborator mailed"
    assert found.doubled_mails(ledger.shares) == 0, "nobody mailed twice"
    assert found.kept(accepted) == len(accepted), "every user notified once"
    assert all(found.notifications[s.track_id] <= 1 for s in ledger.shares)
    assert ledger.views > 0 and accepted, "the load was served at all"
