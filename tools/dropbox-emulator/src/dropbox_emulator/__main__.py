"""Run the emulator: `python -m dropbox_emulator` (settings from DROPBOX_EMULATOR_* vars)."""

from __future__ import annotations

import argparse
import dataclasses
import logging

import uvicorn

from .app import create_app
from .settings import Settings
from .tls import prepare_tls

ENV_HELP = """environment:
  DROPBOX_EMULATOR_HOST                address to listen on (127.0.0.1)
  DROPBOX_EMULATOR_PORT                port for the api, content and web hosts (8443)
  DROPBOX_EMULATOR_CA_FILE             CA PEM to write (<repo>/.cache/dropbox-emulator/ca.pem)
  DROPBOX_EMULATOR_CERT_HOSTS          extra comma-separated names for the server certificate
  DROPBOX_EMULATOR_PUBLIC_URL          origin for temporary links (https://localhost:<port>)
  DROPBOX_EMULATOR_ACCESS_TOKEN_TTL_S  access token lifetime (14400)
  DROPBOX_EMULATOR_TEMP_LINK_TTL_S     temporary link lifetime (14400)
  DROPBOX_EMULATOR_AUTH_CODE_TTL_S     authorization code lifetime (600)
  DROPBOX_EMULATOR_SEED_DEMO           seed producer@example.com's demo tracks (true)
"""


def main() -> None:
    """Parse the command line, write the TLS files and serve over HTTPS."""
    parser = argparse.ArgumentParser(
        prog="python -m dropbox_emulator",
        description="A Dropbox API v2 look-alike over HTTPS for the unmodified dropbox SDK.",
        epilog=ENV_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", help="overrides DROPBOX_EMULATOR_HOST")
    parser.add_argument("--port", type=int, help="overrides DROPBOX_EMULATOR_PORT")
    args = parser.parse_args()
    settings = Settings.from_env()
    overrides = {k: v for k, v in (("host", args.host), ("port", args.port)) if v is not None}
    settings = dataclasses.replace(settings, **overrides)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    server_pem = prepare_tls(settings)
    announce(settings)
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        ssl_keyfile=str(server_pem),
        ssl_certfile=str(server_pem),
        access_log=False,
        # Clients keep idle connections open; an emulator need not wait for them.
        timeout_graceful_shutdown=1,
        log_level="info",
    )


def announce(settings: Settings) -> None:
    """Tell the user where the emulator is and how to point the SDK at it."""
    host = f"localhost:{settings.port}"
    lines = [
        f"Dropbox emulator: {settings.base_url} (api, content and web hosts)",
        f"CA certificate: {settings.ca_file}",
        f"export DROPBOX_API_HOST={host} DROPBOX_API_CONTENT_HOST={host} DROPBOX_WEB_HOST={host}",
    ]
    print("\n".join(lines), flush=True)  # noqa: T201 - this is the command's output


if __name__ == "__main__":
    main()
