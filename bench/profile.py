"""`python -m bench.profile`: where one of our nodes spends its time under fan-out load.

Runs a scenario step at a fixed rate against our two nodes while py-spy samples node 1, then
prints the functions with the most samples of their own (self time) and the most samples
spent under them (total time). The raw stacks stay in reports/bench/ for a flame graph.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import subprocess
import sys
import tempfile
from pathlib import Path

from .dialects import DIALECTS
from .fanout import DRAIN_S, SCENARIOS, WARMUP_S
from .load import Load
from .servers import Cluster

TOP = 25


async def profile(args: argparse.Namespace, workdir: Path, raw: Path) -> None:
    scenario = SCENARIOS[args.scenario]
    cluster = Cluster("ours", workdir, args.uvloop).start()
    load = Load(scenario, DIALECTS["ours"], cluster.node_ports)
    try:
        await load.connect_all()
        sampler = subprocess.Popen(  # noqa: ASYNC220 (starts at once; waited for below)
            ["py-spy", "record", "--format", "raw", "--rate", "200", "--nonblocking",
             "--duration", str(int(scenario.measure_s + WARMUP_S)), "--output", str(raw),
             "--pid", str(cluster.node_pids[0])],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        sample = await load.step(args.rate, WARMUP_S, DRAIN_S, cluster.cpu_s)
        sampler.wait(30)
        print(
            f"{args.scenario} at {args.rate}/s: delivered {sample.delivered_in_window / sample.window_s:.0f}/s, "  # noqa: E501
            f"{1e6 * sample.server_cpu_s / max(sample.delivered_in_window, 1):.1f} server CPU µs per delivery"  # noqa: E501
        )
    finally:
        await load.close()
        cluster.stop()


def summarize(raw: Path) -> str:
    own: collections.Counter[str] = collections.Counter()
    under: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        count = int(count_text)
        frames = [frame.rsplit(":", 1)[0] for frame in stack.split(";")]
        total += count
        own[frames[-1]] += count
        for frame in set(frames):
            under[frame] += count
    lines = [f"{total} samples"]
    for title, counter in (("self", own), ("total (self + callees)", under)):
        lines.append(f"\ntop {TOP} by {title}:")
        lines += [f"{100 * n / total:5.1f}%  {frame}" for frame, n in counter.most_common(TOP)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("--scenario", default="c2000", choices=sorted(SCENARIOS))
    parser.add_argument("--rate", type=int, default=40_000, help="target deliveries/s")
    parser.add_argument("--uvloop", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--out", type=Path, default=Path("reports/bench"))
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    raw = args.out / "profile-ours.txt"
    with tempfile.TemporaryDirectory(prefix="datchat-profile-") as workdir:
        asyncio.run(profile(args, Path(workdir), raw))
    print(summarize(raw))
    return 0


if __name__ == "__main__":
    sys.exit(main())
