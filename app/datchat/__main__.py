"""`python -m datchat --config PATH` (also the `datchat` command).

`datchat --check-config PATH` validates a config without starting a node: the deploy runs it
on the host before a new config goes live, so a bad value never crash-loops the nodes in turn.
"""

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
    parser.add_argument(
        "--check-config",
        metavar="PATH",
        help="validate this TOML file, print the result and exit (0: valid, 2: not)",
    )
    args = parser.parse_args(argv)
    path = args.check_config or args.config
    try:
        settings = load_settings(path)
    except ConfigError as error:
        print(f"datchat: bad config: {error}", file=sys.stderr)
        return 2
    if args.check_config:
        print(f"datchat: {path}: config valid (node {settings.node_name}, {settings.listen})")
        return 0
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
