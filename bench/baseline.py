"""Bare servers the benchmarks compare against, each run as a process of its own with the
services' uvicorn settings (service_kit.serve).

usage: python bench/baseline.py <page|redirect|multi> <port> [argument]
  page      GET /s/{token} answers the bytes of the file named by the argument
  redirect  GET /s/{token}/files/{file_id}/download answers 302 to the argument
  multi     POST /v1/links does one Redis MULTI of 5 writes at the Redis URL given (link
            creation; a cluster client with CLUSTER=1, as the services)
"""

import sys
import uuid
from pathlib import Path

import uvicorn
from devstack import cluster
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from messaging.redis_client import connect_redis
from messaging.transactions import transaction


def page(body: bytes) -> FastAPI:
    app = FastAPI()

    @app.get("/s/{token}")
    async def share_page(token: str) -> HTMLResponse:
        return HTMLResponse(body)

    return app


def redirect(location: str) -> FastAPI:
    app = FastAPI()

    @app.get("/s/{token}/files/{file_id}/download")
    async def download(token: str, file_id: str) -> RedirectResponse:
        return RedirectResponse(location, status_code=302)

    return app


def multi(redis_url: str) -> FastAPI:
    app = FastAPI()
    redis = connect_redis(redis_url, cluster=cluster.enabled())

    @app.post("/v1/links")
    async def create(request: Request) -> JSONResponse:
        body = await request.json()
        key = f"bench:{{{uuid.uuid4().hex}}}"  # one hash tag: one slot on a cluster
        async with transaction(redis, key) as pipe:
            pipe.hset(key, mapping={"tracks": ",".join(body["tracks"])})
            for track in body["tracks"][:4]:
                pipe.sadd(f"{key}:tracks", track)
            pipe.expire(key, 60)
            await pipe.execute()
        return JSONResponse({"id": key}, status_code=201)

    return app


def main() -> None:
    kind, port = sys.argv[1], int(sys.argv[2])
    argument = sys.argv[3] if len(sys.argv) > 3 else ""
    apps = {
        "page": lambda: page(Path(argument).read_bytes()),
        "redirect": lambda: redirect(argument),
        "multi": lambda: multi(argument),
    }
    uvicorn.run(
        apps[kind](),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        proxy_headers=False,
        access_log=False,
        loop="asyncio",
    )


if __name__ == "__main__":
    main()
