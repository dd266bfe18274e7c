"""3. Preview streaming: a 50 MB WAV played by 20 listeners at once through the gateway's
signed preview URL, against the same 20 reading the emulator's temporary link directly;
and how much the gateway's memory grows meanwhile."""

import json
import re
import subprocess
import sys
import threading
from typing import Any

import httpx
from devstack import demo
from harness import HERE, rss_mib

BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/130.0 bench"}
TRACK_ID = "bench-long-bounce"


def preview_streaming(stack: Any, megabytes: int, streams: int) -> dict[str, Any]:
    """Ours: the gateway relaying the preview; baseline: the emulator serving the file."""
    link = stack.create_link([_put_long_track(stack, megabytes)])
    page = httpx.get(f"{stack.gateway}/s/{link['token']}", headers=BROWSER).text
    preview = stack.gateway + re.search(r'src="(/s/[^"]+/preview\?[^"]+)"', page)[1]
    preview = preview.replace("&amp;", "&")
    file_id = link["tracks"][0]["files"][0]["file_id"]
    download = f"{stack.gateway}/s/{link['token']}/files/{file_id}/download"
    direct = httpx.get(download, headers=BROWSER).headers["location"]
    size = megabytes * 1_000_000
    base = _listen(direct, streams, size, stack.env["DROPBOX_EMULATOR_CA_FILE"])
    before = rss_mib("gateway")
    peak = _Peak("gateway")
    with peak:
        ours = _listen(preview, streams, size)
    ratio = ours["mib_per_s"] / base["mib_per_s"]
    return {
        "name": f"preview streaming, {megabytes} MB WAV, {streams} listeners at once",
        "ours_mib_per_s": ours["mib_per_s"],
        "baseline_mib_per_s": base["mib_per_s"],
        "ratio": round(ratio, 2),
        "gateway_rss_growth_mib": round(peak.most - before, 1),
        "complete": ours["complete"] and base["complete"],
        "target": ">= 0.5, gateway RSS growth < 20 MiB",
        "met": ratio >= 0.5 and peak.most - before < 20,
    }


def _put_long_track(stack: Any, megabytes: int) -> str:
    """A track whose bounce is a `megabytes` MB WAV in the bench producer's Dropbox."""
    path = f"/Producer Dashboard/Bench/{TRACK_ID}.wav"
    size = megabytes * 1_000_000
    emulator = httpx.Client(verify=stack.env["DROPBOX_EMULATOR_CA_FILE"], trust_env=False)
    with emulator:
        wav = b"RIFF" + (size - 8).to_bytes(4, "little") + b"WAVE" + bytes(size - 12)
        emulator.put(
            f"{stack.url('dropbox-emulator')}/_emulator/files",
            params={"account": demo.DEMO_DROPBOX, "path": path},
            content=wav,
            timeout=120,
        ).raise_for_status()
    file = {"file_id": TRACK_ID, "name": f"{TRACK_ID}.wav", "role": "bounce", "size": size}
    body = {
        "title": "Bench (long bounce)",
        "artist": "Bench",
        "bucket": "Bench",
        "dropbox_folder": "/Producer Dashboard/Bench",
        "files": [file | {"dropbox_path": path}],
    }
    stack.put(f"{stack.links}/v1/catalog/tracks/{TRACK_ID}", body)
    return TRACK_ID


def _listen(url: str, streams: int, size: int, ca_file: str = "") -> dict[str, Any]:
    """The stream client (bench/streams.py) in a process of its own; whether every listener
    got the whole file."""
    command = [
        sys.executable,
        str(HERE / "streams.py"),
        url,
        str(streams),
        *([ca_file] if ca_file else []),
    ]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    played = json.loads(out)
    return {
        "mib_per_s": round(played["bytes"] / played["seconds"] / 2**20, 1),
        "complete": played["statuses"] == [206] and played["bytes"] == streams * size,
    }


class _Peak:
    """The highest RSS of one service while the block runs, sampled every 50 ms."""

    def __init__(self, service: str) -> None:
        self.service = service
        self.most = rss_mib(service)
        self._done = threading.Event()
        self._sampler = threading.Thread(target=self._sample)

    def _sample(self) -> None:
        while not self._done.wait(0.05):
            self.most = max(self.most, rss_mib(self.service))

    def __enter__(self) -> None:
        self._sampler.start()

    def __exit__(self, *_: object) -> None:
        self._done.set()
        self._sampler.join()
