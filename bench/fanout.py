"""`python -m bench.fanout`: our chat against python-socketio + AsyncRedisManager, side by side.

For each repeat, scenario and implementation: a fresh redis-server and two nodes, C clients
connected half to each node, then steps of rising delivery rate until delivery falls behind.
Implementations alternate their order between repeats so that drift on a shared machine hits
both. Results: reports/bench/fanout.json, a Markdown table and a PNG (bench/report.py).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from .dialects import DIALECTS
from .load import Load, Scenario, StepSample
from .report import write_reports
from .servers import Cluster

SCENARIOS = {
    s.name: s
    for s in (
        Scenario("c200", clients=200, rooms=10, senders=20,
                 steps=(5_000, 10_000, 20_000, 40_000, 80_000)),
        Scenario("c2000", clients=2000, rooms=10, senders=100,
                 steps=(5_000, 10_000, 20_000, 40_000, 80_000)),
        # 2 KB messages with and without 5% of clients that never read: the difference is
        # what stalled readers cost everyone else. Big messages fill their buffers in seconds.
        Scenario("c200-2k", clients=200, rooms=10, senders=20, steps=(10_000, 20_000),
                 text_bytes=1900, measure_s=10.0),
        Scenario("c200-2k-stalled5", clients=200, rooms=10, senders=20, steps=(10_000, 20_000),
                 text_bytes=1900, stalled_every=20, measure_s=10.0),
        # For the smoke test that keeps this benchmark runnable.
        Scenario("tiny", clients=20, rooms=2, senders=4, steps=(500,), measure_s=1.0),
    )
}  # fmt: skip
DEFAULT_SCENARIOS = ("c200", "c2000", "c200-2k", "c200-2k-stalled5")
IMPLEMENTATIONS = ("ours", "socketio")
WARMUP_S = 1.0
DRAIN_S = 3.0
# A step is "behind" when the servers deliver less than this share of what is owed, lose
# messages, or the p99 latency passes this bound (a queue is building up).
BEHIND_SHARE = 0.9
BEHIND_P99_MS = 1000.0


def step_result(target: int, sample: StepSample, rss: int) -> dict:
    latencies = sample.latencies_ms
    window = sample.window_s
    delivered_per_s = sample.delivered_in_window / window
    expected_per_s = sample.expected / window
    lost = sample.expected - sample.delivered
    p99 = float(np.percentile(latencies, 99)) if len(latencies) else float("inf")
    return {
        "target_per_s": target,
        "sent_per_s": sample.sent / window,
        "expected_per_s": expected_per_s,
        "delivered_per_s": delivered_per_s,
        "lost": lost,
        "p50_ms": float(np.percentile(latencies, 50)) if len(latencies) else float("inf"),
        "p99_ms": p99,
        "max_ms": float(latencies.max()) if len(latencies) else float("inf"),
        "server_cpu_cores": sample.server_cpu_s / window,
        "server_cpu_us_per_delivery": 1e6
        * sample.server_cpu_s
        / max(sample.delivered_in_window, 1),
        "redis_cpu_cores": sample.redis_cpu_s / window,
        "load_cpu_cores": sample.load_cpu_s / window,
        "server_rss_mb": rss / 2**20,
        "behind": bool(
            delivered_per_s < BEHIND_SHARE * expected_per_s
            or lost > 0.001 * sample.expected
            or p99 > BEHIND_P99_MS
        ),
    }


async def run_scenario(scenario: Scenario, implementation: str, workdir: Path, uvloop: bool):
    cluster = Cluster(implementation, workdir, uvloop).start()
    load = Load(scenario, DIALECTS[implementation], cluster.node_ports)
    try:
        idle = cluster.node_usage()
        started = time.monotonic()
        await load.connect_all()
        connect_s = time.monotonic() - started
        await asyncio.sleep(0.5)
        connected = cluster.node_usage()
        result = {
            "connect_s": connect_s,
            "rss_per_connection_kb": (connected.rss_bytes - idle.rss_bytes)
            / scenario.clients
            / 1024,
            "steps": [],
        }
        for target in scenario.steps:
            sample = await load.step(target, WARMUP_S, DRAIN_S, cluster.cpu_s)
            step = step_result(target, sample, cluster.node_usage().rss_bytes)
            result["steps"].append(step)
            print(
                f"  {implementation:8} {scenario.name:17} {target:>6}/s: "
                f"delivered {step['delivered_per_s']:8.0f}/s  p99 {step['p99_ms']:7.1f} ms  "
                f"server {step['server_cpu_us_per_delivery']:5.1f} us/msg  "
                f"load gen {step['load_cpu_cores']:.2f} cores"
                + ("  BEHIND" if step["behind"] else ""),
                flush=True,
            )
            if step["behind"]:
                break
        if scenario.stalled_every:
            result["stalled"], result["stalled_dropped"] = await load.stalled_dropped()
            # Dropped for being too slow, not by a heartbeat timeout: the node's own count.
            result["dropped_too_slow"] = cluster.dropped_too_slow()
        return result
    finally:
        await load.close()
        cluster.stop()


def median_runs(runs: list[dict], scenario: Scenario) -> dict:
    """Per step, the median over repeats; a repeat that stopped earlier counts as behind."""
    steps = []
    for index in range(len(scenario.steps)):
        reached = [run["steps"][index] for run in runs if len(run["steps"]) > index]
        if not reached:
            break
        merged = {
            key: statistics.median(step[key] for step in reached)
            for key in reached[0]
            if key != "behind"
        }
        behind_votes = sum(step["behind"] for step in reached) + len(runs) - len(reached)
        merged["behind"] = behind_votes * 2 > len(runs)
        merged["repeats"] = len(reached)
        steps.append(merged)
    summary = {
        "connect_s": statistics.median(run["connect_s"] for run in runs),
        "rss_per_connection_kb": statistics.median(run["rss_per_connection_kb"] for run in runs),
        "steps": steps,
    }
    if scenario.stalled_every:
        summary["stalled"] = runs[0]["stalled"]
        summary["stalled_dropped"] = statistics.median(run["stalled_dropped"] for run in runs)
        too_slow = [run["dropped_too_slow"] for run in runs if run["dropped_too_slow"] is not None]
        summary["dropped_too_slow"] = statistics.median(too_slow) if too_slow else None
    return summary


async def run(args: argparse.Namespace) -> dict:
    scenarios = [SCENARIOS[name] for name in args.scenario]
    raw: dict[str, dict[str, list[dict]]] = {
        s.name: {i: [] for i in IMPLEMENTATIONS} for s in scenarios
    }
    with tempfile.TemporaryDirectory(prefix="datchat-bench-") as workdir:
        for repeat in range(args.repeats):
            order = IMPLEMENTATIONS if repeat % 2 == 0 else IMPLEMENTATIONS[::-1]
            print(f"repeat {repeat + 1}/{args.repeats}", flush=True)
            for scenario in scenarios:
                for implementation in order:
                    raw[scenario.name][implementation].append(
                        await run_scenario(scenario, implementation, Path(workdir), args.uvloop)
                    )
    return {
        "when": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "repeats": args.repeats,
        "uvloop": args.uvloop,
        "scenarios": {
            s.name: {
                "clients": s.clients,
                "rooms": s.rooms,
                "senders": s.senders,
                "text_bytes": s.text_bytes,
                "stalled_every": s.stalled_every,
                "measure_s": s.measure_s,
                **{i: median_runs(raw[s.name][i], s) for i in IMPLEMENTATIONS},
            }
            for s in scenarios
        },
        "runs": raw,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fanout", description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--scenario", action="append", choices=sorted(SCENARIOS), help="repeatable")
    parser.add_argument("--uvloop", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--out", type=Path, default=Path("reports/bench"))
    args = parser.parse_args(argv)
    args.scenario = args.scenario or list(DEFAULT_SCENARIOS)
    results = asyncio.run(run(args))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "fanout.json").write_text(json.dumps(results, indent=1))
    table = write_reports(results, args.out)
    print(table)
    print(f"written: {args.out}/fanout.json, fanout.md, fanout.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
