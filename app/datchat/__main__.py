"""`python -m datchat --config PATH` (also the `datchat` command)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

import uvloop
from aiohttp import web

from .app import init_app
from .config import ConfigError, load_settings

DEFAULT_CONFIG = "/etc/datchat/config.toml"


def new_event_loop(kind: str) -> asyncio.AbstractEventLoop:
    # uvloop's transports write in C: fan-out is mostly writes (README, "Fan-out benchmark").
    if kind == "uvloop":
        return uvloop.new_event_loop()
    return asyncio.new_event_loop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="datchat", description="dat-chat app node")
    parser.add_argument("--config", default=DEFAULT_CONFIG, help=f"TOML file [{DEFAULT_CONFIG}]")
    args = parser.parse_args(argv)
    try:
        settings = load_settings(args.config)
    except ConfigError as error:
        print(f"datchat: bad config: {error}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    web.run_app(
        init_app(settings),
        loop=new_event_loop(settings.event_loop),
        host=settings.listen_host,
        port=settings.listen_port,
        shutdown_timeout=3,
        access_log=None,
        print=lambda line: logging.getLogger("datchat").info(line.strip()),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
