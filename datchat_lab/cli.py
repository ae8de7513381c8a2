"""`datchat-lab`: the lab, the cluster and the drills from the command line.

It sits above `lab/` (the Podman substrate), `cluster/` (any deployed cluster) and `drills/`,
since it drives all three; none of them imports it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from cluster import ssh
from cluster.errors import LabError
from cluster.health import check
from cluster.model import Cluster
from cluster.paths import ROOT
from cluster.status import print_status
from drills.catalog import CATALOG
from drills.chaos import fault_table, run_chaos
from drills.chaos_schedule import RESOURCES
from drills.plot import plot
from drills.report import public, table
from drills.runner import run_drill
from lab import containers
from lab.image import build_image, image_present, image_ref, remove_images

DEFAULT_INVENTORY = "inventories/lab.py"


def cmd_up(cluster: Cluster, args: argparse.Namespace) -> int:
    containers.up(cluster)
    return 0


def cmd_down(cluster: Cluster, args: argparse.Namespace) -> int:
    containers.down(cluster)
    if args.images:
        for image in remove_images():
            print(f"image: {image} removed")
    return 0


def cmd_status(cluster: Cluster, args: argparse.Namespace) -> int:
    substrate = None
    if cluster.lab is not None:
        states = containers.container_states(cluster)
        substrate = {host: state.status for host, state in states.items()}
    print_status(cluster, substrate)
    return 0


def cmd_hosts(cluster: Cluster, args: argparse.Namespace) -> int:
    """How to reach each host over SSH, as JSON (the shape of Molecule's instance config)."""
    print(
        json.dumps(
            [
                {
                    "instance": node.name,
                    "address": node.data.get("ssh_hostname", node.address),
                    "user": node.data.get("ssh_user", "root"),
                    "port": node.data.get("ssh_port", 22),
                    "identity_file": node.data.get("ssh_key"),
                    "connection": "ssh",
                }
                for node in cluster.nodes
            ],
            indent=1,
        )
    )
    return 0


def cmd_ssh(cluster: Cluster, args: argparse.Namespace) -> int:
    command = ssh.command(cluster.ssh_config, cluster.node(args.host).name, *args.command)
    os.execvp(command[0], command)


def cmd_exec(cluster: Cluster, args: argparse.Namespace) -> int:
    if not args.command:
        raise LabError("exec: give a command after --, e.g. datchat-lab exec lb1 -- ip addr")
    return containers.exec_in(cluster, cluster.node(args.host), args.command)


def cmd_deploy(cluster: Cluster | None, args: argparse.Namespace) -> int:
    """Run the site deploy with pyinfra against the inventory (lab, Vagrant or real hosts)."""
    started = time.monotonic()
    result = subprocess.run(
        [str(Path(sys.executable).with_name("pyinfra")), "-y", args.inventory, "deploy/site.py"],
        cwd=ROOT,
        check=False,
    )
    print(f"deploy: exit {result.returncode} after {time.monotonic() - started:.0f} s")
    return result.returncode


def cmd_verify(cluster: Cluster, args: argparse.Namespace) -> int:
    # Right after a deploy keepalived still elects its master (a few advert intervals).
    deadline = time.monotonic() + args.wait
    while not (health := check(cluster)).ok and time.monotonic() < deadline:
        time.sleep(1)
    print(f"VIP {cluster.vip} on {', '.join(health.vip_holders) or 'no LB'}")
    print(f"Redis master: {', '.join(health.masters) or 'none'}")
    for lb, states in health.backends.items():
        print(f"{lb}: " + ", ".join(f"{app} {state}" for app, state in sorted(states.items())))
    if health.ok:
        print(f"healthy: chat at http://{cluster.vip}/")
        return 0
    for problem in health.problems:
        print(f"PROBLEM: {problem}")
    return 1


def cmd_drill(cluster: Cluster | None, args: argparse.Namespace) -> int:
    if args.name == "list":
        for drill in CATALOG.values():
            print(f"{drill.name:24} {drill.breaks}")
        return 0
    report = asyncio.run(
        run_drill(
            args.name,
            cluster or Cluster(args.inventory),
            clients=args.clients,
            rate=args.rate,
            rooms=args.rooms,
            duration=args.duration,
        )
    )
    print()
    print(table(report))
    if args.json:
        Path(args.json).write_text(json.dumps(public(report), indent=2) + "\n")
        print(f"JSON: {args.json}")
    if args.plot:
        plot(report, Path(args.plot))
        print(f"plot: {args.plot}")
    return 0 if report["verdict"]["passed"] else 1


def duration_s(text: str) -> float:
    """`600`, `90s` or `10m`."""
    try:
        if text.endswith("m"):
            return float(text[:-1]) * 60
        return float(text.removesuffix("s"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration (600, 90s, 10m)") from None


def cmd_chaos(cluster: Cluster, args: argparse.Namespace) -> int:
    report = asyncio.run(
        run_chaos(
            cluster,
            args.duration,
            args.seed,
            faults=args.faults.split(",") if args.faults else None,
            clients=args.clients,
            rate=args.rate,
            rooms=args.rooms,
        )
    )
    print()
    print(table(report))
    print()
    print(fault_table(report))
    if args.json:
        Path(args.json).write_text(json.dumps(public(report), indent=2) + "\n")
        print(f"JSON: {args.json}")
    if args.plot:
        plot(report, Path(args.plot))
        print(f"plot: {args.plot}")
    return 0 if report["verdict"]["passed"] else 1


def cmd_image(cluster: Cluster | None, args: argparse.Namespace) -> int:
    if args.action == "build":
        print(build_image())
    else:
        print(f"{image_ref()} {'present' if image_present() else 'not built'}")
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="datchat-lab", description=__doc__)
    top.add_argument("--inventory", "-i", default=DEFAULT_INVENTORY, help=f"[{DEFAULT_INVENTORY}]")
    sub = top.add_subparsers(dest="command_name", required=True)
    sub.add_parser("up", help="create or repair every host of the inventory").set_defaults(
        run=cmd_up
    )
    down = sub.add_parser("down", help="remove the lab's containers, network and state")
    down.add_argument("--images", action="store_true", help="also remove the host image")
    down.set_defaults(run=cmd_down)
    sub.add_parser("status", help="hosts, addresses, VIP holder, Redis roles").set_defaults(
        run=cmd_status
    )
    sub.add_parser("hosts", help="every host's SSH address, user and key, as JSON").set_defaults(
        run=cmd_hosts
    )
    ssh_parser = sub.add_parser("ssh", help="SSH into a host with the lab's key")
    ssh_parser.add_argument("host")
    ssh_parser.add_argument("command", nargs=argparse.REMAINDER)
    ssh_parser.set_defaults(run=cmd_ssh)
    exec_parser = sub.add_parser("exec", help="run a command in a host: exec HOST -- CMD")
    exec_parser.add_argument("host")
    exec_parser.add_argument("command", nargs=argparse.REMAINDER)
    exec_parser.set_defaults(run=cmd_exec)
    sub.add_parser("deploy", help="run deploy/site.py on the inventory (pyinfra)").set_defaults(
        run=cmd_deploy, needs_cluster=False
    )
    verify = sub.add_parser("verify", help="check the cluster's invariants over SSH")
    verify.add_argument("--wait", type=float, default=0, help="seconds to wait for health [0]")
    verify.set_defaults(run=cmd_verify)
    drill = sub.add_parser("drill", help="run a failover drill: drill NAME | drill list")
    drill.add_argument("name", help="a drill from `drill list`")
    drill.add_argument("--clients", type=int, default=20)
    drill.add_argument("--rate", type=float, default=5, help="messages/s per client [5]")
    drill.add_argument("--rooms", type=int, default=4)
    drill.add_argument("--duration", type=float, default=30, help="seconds at least [30]")
    drill.add_argument("--json", help="write the report as JSON here")
    drill.add_argument("--plot", help="write the timeline as PNG here")
    # `drill list` needs no inventory: the cluster is read only for a real drill.
    drill.set_defaults(run=cmd_drill, needs_cluster=False)
    chaos = sub.add_parser(
        "chaos", help="faults from the catalog at random times under load, one verdict"
    )
    chaos.add_argument("--duration", type=duration_s, default=600.0, help="600, 90s, 10m [10m]")
    chaos.add_argument("--seed", type=int, required=True, help="the same seed, the same faults")
    chaos.add_argument("--faults", help=f"comma-separated, of: {', '.join(RESOURCES)} [all]")
    chaos.add_argument("--clients", type=int, default=8)
    chaos.add_argument("--rate", type=float, default=4, help="messages/s per client [4]")
    chaos.add_argument("--rooms", type=int, default=2)
    chaos.add_argument("--json", help="write the report as JSON here")
    chaos.add_argument("--plot", help="write the timeline as PNG here")
    chaos.set_defaults(run=cmd_chaos)
    image = sub.add_parser("image", help="the host image: build | show")
    image.add_argument("action", choices=["build", "show"])
    image.set_defaults(run=cmd_image, needs_cluster=False)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if getattr(args, "command", None) and args.command[:1] == ["--"]:
        args.command = args.command[1:]
    try:
        cluster = Cluster(args.inventory) if getattr(args, "needs_cluster", True) else None
        return args.run(cluster, args)
    except LabError as error:
        print(f"datchat-lab: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("datchat-lab: interrupted; `datchat-lab up` repairs, `down` removes", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
