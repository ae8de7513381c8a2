"""`python -m bench.joins`: reconnect storms, ours against python-socketio.

Two cases, each on redis-server plus two nodes of one implementation (bench/servers.py):
- join storm: C clients (the fan-out benchmark's c2000: 2000 clients, 10 rooms, half on each
  node) connect and join; the time until the last one has its answer to the join.
- node kill: the same clients, a sender per room on node 1 saying every SEND_EVERY_S; node 2 is
  SIGKILLed and its clients (half of them) connect and join again on node 1 at once, as the
  page does after a drop: per client, the time from the kill until it receives a message again.

Repeats alternate the two implementations' order; the table shows medians and ours / theirs.
`--profile` samples ours' node 1 with py-spy during its join storms and prints the hot functions.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import signal
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from .dialects import DIALECTS
from .fanout import SCENARIOS
from .load import CONNECT_CONCURRENCY, Client, Recorder
from .profile import summarize
from .servers import Cluster

IMPLEMENTATIONS = ("ours", "socketio")
SEND_EVERY_S = 0.05
KILL_AFTER_S = 1.0
# A client of the killed node that has not received again by then counts as never (inf).
RECEIVE_AGAIN_TIMEOUT_S = 60.0


class TimedClient(Client):
    """A load client that also says when it has received a chat message (a fresh client: live)."""

    __slots__ = ("got_message",)

    def __init__(self, *args) -> None:
        super().__init__(*args)
        self.got_message: asyncio.Event = asyncio.Event()

    def on_text(self, frame: bytes) -> None:
        super().on_text(frame)
        if frame.startswith(self.dialect.message_prefix):
            self.got_message.set()


def make_clients(implementation: str, clients: int, rooms: int) -> list[TimedClient]:
    recorder = Recorder()
    dialect = DIALECTS[implementation]
    # As in the fan-out benchmark: room by index // 2, node by index % 2.
    return [TimedClient(i, f"r{(i // 2) % rooms}", dialect, recorder) for i in range(clients)]


async def connect_all(clients: list[TimedClient], port_of) -> None:
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

    async def connect(client: TimedClient) -> None:
        async with gate:
            await asyncio.wait_for(client.connect(port_of(client), stalled=False), 30)

    await asyncio.gather(*(connect(client) for client in clients))


def fresh(client: TimedClient) -> TimedClient:
    """A new connection's client for the same user and room (a reconnect)."""
    return TimedClient(client.index, client.room, client.dialect, client.recorder)


async def join_storm(implementation: str, workdir: Path, args: argparse.Namespace) -> dict:
    scenario = SCENARIOS[args.scenario]
    cluster = Cluster(implementation, workdir, args.uvloop).start()
    clients = make_clients(implementation, scenario.clients, scenario.rooms)
    sampler = None
    raw = args.out / "joins-profile.raw"
    try:
        if args.profile and implementation == "ours":
            sampler = subprocess.Popen(  # noqa: ASYNC220 (runs beside the storm; waited for below)
                ["py-spy", "record", "--format", "raw", "--rate", "200", "--nonblocking",
                 "--duration", "30", "--output", str(raw), "--pid", str(cluster.node_pids[0])],
                stdout=subprocess.DEVNULL,
            )  # fmt: skip
            await asyncio.sleep(1.0)  # py-spy attaches
        node_cpu, redis_cpu = cluster.cpu_s()
        started = time.monotonic()
        await connect_all(clients, lambda c: cluster.node_ports[c.index % 2])
        joins_s = time.monotonic() - started
        node_cpu_after, redis_cpu_after = cluster.cpu_s()
        if sampler is not None:
            sampler.send_signal(signal.SIGINT)
            sampler.wait(30)
        return {
            "joins_s": joins_s,
            "node_cpu_s": node_cpu_after - node_cpu,
            "redis_cpu_s": redis_cpu_after - redis_cpu,
        }
    finally:
        for client in clients:
            if client.protocol is not None:
                client.protocol.close()
        cluster.stop()


async def node_kill(implementation: str, workdir: Path, args: argparse.Namespace) -> dict:
    scenario = SCENARIOS[args.scenario]
    cluster = Cluster(implementation, workdir, args.uvloop).start()
    survivor, victim = cluster.node_ports
    clients = make_clients(implementation, scenario.clients, scenario.rooms)
    senders = make_clients(implementation, scenario.rooms * 2, scenario.rooms)[::2]
    moved: list[TimedClient] = []
    stop = asyncio.Event()
    try:
        await connect_all(clients, lambda c: (survivor, victim)[c.index % 2])
        await connect_all(senders, lambda c: survivor)

        async def send() -> None:
            dialect = DIALECTS[implementation]
            while not stop.is_set():
                for sender in senders:
                    now = time.monotonic_ns()
                    assert sender.protocol is not None
                    sender.protocol.send_text(dialect.say(sender.room, str(now), f"c{now}"))
                await asyncio.sleep(SEND_EVERY_S)

        sending = asyncio.create_task(send())
        await asyncio.sleep(KILL_AFTER_S)
        dropped = [client for client in clients if client.index % 2 == 1]
        killed_at = time.monotonic()
        os.kill(cluster.node_pids[1], signal.SIGKILL)
        await asyncio.gather(*(client.protocol.closed for client in dropped if client.protocol))
        moved = [fresh(client) for client in dropped]
        received_after: list[float] = []

        gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

        async def rejoin(client: TimedClient) -> None:
            async with gate:
                await client.connect(survivor, stalled=False)
            await client.got_message.wait()
            received_after.append(time.monotonic() - killed_at)

        rejoins = [asyncio.create_task(rejoin(client)) for client in moved]
        await asyncio.wait(rejoins, timeout=RECEIVE_AGAIN_TIMEOUT_S)
        for task in rejoins:
            task.cancel()
        stop.set()
        await sending
        # A client still waiting at the time-out counts as never (math.inf).
        received_after += [math.inf] * (len(moved) - len(received_after))
        received_after.sort()
        return {
            "clients_moved": len(moved),
            "received_again": sum(1 for after in received_after if after < math.inf),
            "all_receive_again_s": received_after[-1],
            "median_receive_again_s": statistics.median(received_after),
        }
    finally:
        stop.set()
        for client in [*clients, *senders, *moved]:
            if client.protocol is not None:
                client.protocol.close()
        cluster.stop()


async def run(args: argparse.Namespace) -> dict:
    runs: dict[str, dict[str, list[dict]]] = {
        case: {i: [] for i in IMPLEMENTATIONS} for case in ("join_storm", "node_kill")
    }
    with tempfile.TemporaryDirectory(prefix="datchat-bench-") as workdir:
        for repeat in range(args.repeats):
            order = IMPLEMENTATIONS if repeat % 2 == 0 else IMPLEMENTATIONS[::-1]
            for implementation in order:
                storm = await join_storm(implementation, Path(workdir), args)
                kill = await node_kill(implementation, Path(workdir), args)
                runs["join_storm"][implementation].append(storm)
                runs["node_kill"][implementation].append(kill)
                print(
                    f"repeat {repeat + 1}/{args.repeats} {implementation:8}: "
                    f"{SCENARIOS[args.scenario].clients} joins {storm['joins_s']:.2f} s "
                    f"(nodes {storm['node_cpu_s']:.2f} CPU s, redis {storm['redis_cpu_s']:.2f}); "
                    f"node kill: {kill['received_again']} of {kill['clients_moved']} clients "
                    f"received again, the last {_seconds(kill['all_receive_again_s'])} s after it",
                    flush=True,
                )
    medians = {
        case: {
            i: {
                key: statistics.median(run[key] for run in runs[case][i])
                for key in runs[case][i][0]
            }
            for i in IMPLEMENTATIONS
        }
        for case in runs
    }
    return {
        "when": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "scenario": args.scenario,
        "repeats": args.repeats,
        "medians": medians,
        "runs": runs,
    }


def _seconds(value: float) -> str:
    return f"{value:.2f}" if math.isfinite(value) else f"> {RECEIVE_AGAIN_TIMEOUT_S:.0f}"


def table(results: dict) -> str:
    medians = results["medians"]
    rows = [
        ("join storm: all joined (s)", "join_storm", "joins_s"),
        ("join storm: nodes' CPU (s)", "join_storm", "node_cpu_s"),
        ("join storm: redis CPU (s)", "join_storm", "redis_cpu_s"),
        ("node kill: all receive again (s)", "node_kill", "all_receive_again_s"),
        ("node kill: median client (s)", "node_kill", "median_receive_again_s"),
    ]
    lines = [
        f"{results['scenario']}, medians of {results['repeats']} repeats ({results['when']})",
        "",
        "| | ours | python-socketio | ours / theirs |",
        "|---|---:|---:|---:|",
    ]
    for title, case, key in rows:
        ours, theirs = medians[case]["ours"][key], medians[case]["socketio"][key]
        ratio = f"{ours / theirs:.2f}" if theirs and math.isfinite(theirs) else "-"
        lines.append(f"| {title} | {_seconds(ours)} | {_seconds(theirs)} | {ratio} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.joins", description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--scenario", default="c2000", choices=sorted(SCENARIOS))
    parser.add_argument("--uvloop", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--profile", action="store_true", help="py-spy on ours' node 1")
    parser.add_argument("--out", type=Path, default=Path("reports/bench"))
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    results = asyncio.run(run(args))
    (args.out / "joins.json").write_text(json.dumps(results, indent=1))
    text = table(results)
    (args.out / "joins.md").write_text(text)
    print(text)
    raw = args.out / "joins-profile.raw"
    if args.profile and raw.exists():
        print(summarize(raw))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
