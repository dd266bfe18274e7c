"""Entry point: `python -m smtp_sink` (ports from SMTP_SINK_PORT and SMTP_SINK_WEB_PORT)."""

import asyncio
import logging

from smtp_sink.server import serve
from smtp_sink.settings import Settings

if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command
    asyncio.run(serve(Settings.from_env()))
