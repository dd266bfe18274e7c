"""The running `make up` stack as the benchmarks use it: its URLs, a producer of their own
with the demo catalog, tracks put in its Dropbox and catalog, and the emulator's call log."""

import os
from typing import Any

import httpx
from devstack import demo, kafka, redis, services


class Stack:
    """The stack's URLs, the bench producer (`u-bench`, so that the links the benchmarks
    make stay out of the demo's console) and a 10-track playlist of the demo catalog."""

    def __init__(self) -> None:
        self.env = services.service_env(os.environ, kafka.address(), redis.url())
        self.producer = self.new_producer("u-bench")
        self.http = httpx.Client(headers=self.producer, timeout=30)  # shared by threads
        self.links = self.url("link-service")
        self.gateway = self.url("gateway")
        tracks = self.get(f"{self.links}/v1/catalog/tracks?limit=50")["items"]
        # The demo catalog's tracks; benchmarks add tracks of their own to the producer's.
        self.track_ids = [t["track_id"] for t in tracks if t["track_id"].startswith("demo-")]
        self.playlist = self.create_link(self.track_ids[:10])

    def new_producer(self, owner_id: str) -> dict[str, str]:
        """A producer with Dropbox connected and the demo catalog: its request headers."""
        seeded = demo.seed(self.env, owner_id=owner_id, name="Bench")
        return {"Authorization": f"Bearer {seeded['producer token']}"}

    def url(self, name: str) -> str:
        return next(s for s in services.SERVICES if s.name == name).url(self.env)

    def get(self, url: str) -> Any:
        answer = self.http.get(url)
        answer.raise_for_status()
        return answer.json()

    def create_link(self, track_ids: list[str]) -> dict[str, Any]:
        answer = self.http.post(f"{self.links}/v1/links", json={"tracks": track_ids})
        answer.raise_for_status()
        return dict(answer.json())

    def downloads(self, link_id: str) -> int:
        """The link's download count in /v1/stats; -1 while analytics has not heard of it."""
        answer = self.http.get(f"{self.url('analytics-service')}/v1/stats/links/{link_id}")
        return int(answer.json()["downloads"]) if answer.status_code == 200 else -1

    def emulator(self) -> httpx.Client:
        """A client of the Dropbox emulator's control API."""
        return httpx.Client(
            base_url=self.url("dropbox-emulator"),
            verify=self.env["DROPBOX_EMULATOR_CA_FILE"],
            trust_env=False,
            timeout=120,
        )

    def dropbox_calls(self, route: str | None = None) -> int:
        """Calls the emulator has answered so far: to `route`, or to any."""
        with self.emulator() as emulator:
            calls: dict[str, int] = emulator.get("/_emulator/calls").json()
        return calls.get(route, 0) if route else sum(calls.values())

    def put_track(
        self,
        track_id: str,
        folder: str,
        bounce: bytes,
        *,
        producer: dict[str, str] | None = None,
        collaborators: list[dict[str, str]] | None = None,
    ) -> str:
        """A track whose one file, its bounce, is `folder/<track_id>.wav` in the producer's
        Dropbox (the demo account); answers its id."""
        path = f"{folder}/{track_id}.wav"
        with self.emulator() as emulator:
            emulator.put(
                "/_emulator/files",
                params={"account": demo.DEMO_DROPBOX, "path": path},
                content=bounce,
            ).raise_for_status()
        bounce_file = {"file_id": track_id, "name": f"{track_id}.wav", "role": "bounce"}
        body = {
            "title": track_id,
            "artist": "Bench",
            "bucket": "Bench",
            "dropbox_folder": folder,
            "files": [bounce_file | {"dropbox_path": path, "size": len(bounce)}],
            "collaborators": collaborators or [],
        }
        url = f"{self.links}/v1/catalog/tracks/{track_id}"
        answer = httpx.put(url, json=body, headers=producer or self.producer, timeout=30)
        answer.raise_for_status()
        return track_id
