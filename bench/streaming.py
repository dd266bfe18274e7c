"""3. Preview streaming: a 50 MB WAV played by 20 listeners at once through the gateway's
signed preview URL, against the same 20 reading the emulator's temporary link directly;
and how much the gateway's memory grows meanwhile."""

import re
from typing import Any

import httpx
from harness import BROWSER, Sampler, rss_mib, run_script
from stack import Stack


def preview_streaming(stack: Stack, megabytes: int, streams: int) -> dict[str, Any]:
    """Ours: the gateway relaying the preview; baseline: the emulator serving the file."""
    size = megabytes * 1_000_000
    wav = b"RIFF" + (size - 8).to_bytes(4, "little") + b"WAVE" + bytes(size - 12)
    link = stack.create_link([stack.put_track("bench-long-bounce", "/Bench", wav)])
    page = httpx.get(f"{stack.gateway}/s/{link['token']}", headers=BROWSER).text
    preview = stack.gateway + re.search(r'src="(/s/[^"]+/preview\?[^"]+)"', page)[1]
    preview = preview.replace("&amp;", "&")
    file_id = link["tracks"][0]["files"][0]["file_id"]
    download = f"{stack.gateway}/s/{link['token']}/files/{file_id}/download"
    direct = httpx.get(download, headers=BROWSER).headers["location"]
    base = _listen(direct, streams, size, stack.env["DROPBOX_EMULATOR_CA_FILE"])
    with Sampler(lambda: rss_mib("gateway"), every_s=0.05) as memory:
        ours = _listen(preview, streams, size)
    growth = max(mib for _, mib in memory.samples) - memory.samples[0][1]
    ratio = ours["mib_per_s"] / base["mib_per_s"]
    return {
        "name": f"preview streaming, {megabytes} MB WAV, {streams} listeners at once",
        "ours_mib_per_s": ours["mib_per_s"],
        "baseline_mib_per_s": base["mib_per_s"],
        "ratio": round(ratio, 2),
        "gateway_rss_growth_mib": round(growth, 1),
        "complete": ours["complete"] and base["complete"],
        "target": ">= 0.5, gateway RSS growth < 20 MiB",
        "met": ratio >= 0.5 and growth < 20,
    }


def _listen(url: str, streams: int, size: int, *ca_file: str) -> dict[str, Any]:
    """The stream client (bench/streams.py) in a process of its own; whether every listener
    got the whole file."""
    played = run_script("streams.py", url, streams, *ca_file)
    return {
        "mib_per_s": round(played["bytes"] / played["seconds"] / 2**20, 1),
        "complete": played["statuses"] == [206] and played["bytes"] == streams * size,
    }
