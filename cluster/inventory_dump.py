"""Print a pyinfra inventory as JSON: `python -m cluster.inventory_dump INVENTORY`.

Runs in its own process because importing pyinfra's CLI monkey-patches the whole
interpreter with gevent, which the asyncio code of the drills and tests must not inherit.
"""

from __future__ import annotations

import json
import sys

from pyinfra.api import State
from pyinfra.context import ctx_state
from pyinfra_cli.inventory import make_inventory_from_files


def dump(path: str) -> list[dict]:
    ctx_state.set(State())
    inventory = make_inventory_from_files(path)
    return [
        {"name": host.name, "groups": list(host.groups), "data": dict(host.data.dict())}
        for host in inventory
    ]


if __name__ == "__main__":
    json.dump(dump(sys.argv[1]), sys.stdout, default=str)
