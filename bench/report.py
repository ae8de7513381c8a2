"""Turn bench/fanout.py's medians into Markdown tables and one PNG."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib import ticker

OURS, THEIRS = "ours", "socketio"
Step = dict


def _ratio(ours: float, theirs: float) -> str:
    if not theirs or math.isinf(theirs) or math.isinf(ours):
        return "-"
    return f"{ours / theirs:.2f}"


def _latency(step: Step) -> str:
    return f"{step['p50_ms']:.1f} / {step['p99_ms']:.1f} / {step['max_ms']:.1f}"


def _columns(
    ours: Step | None, theirs: Step | None, show: Callable[[Step], str], key: str | None
) -> list[str]:
    """Ours, theirs, and (when key is given) the ratio ours/theirs of step[key]."""

    def cell(step: Step | None) -> str:
        if step is None:
            return "stopped"
        return f"**{show(step)}** behind" if step["behind"] else show(step)

    cells = [cell(ours), cell(theirs)]
    if key is not None:
        cells.append(_ratio(ours[key], theirs[key]) if ours and theirs else "-")
    return cells


def step_table(results: dict) -> str:
    lines = [
        "| scenario | target deliveries/s | delivered/s ours | socketio | ours/socketio "
        "| latency ms p50 / p99 / max, ours | socketio | p99 ours/socketio "
        "| server CPU µs per delivery, ours | socketio | ours/socketio | load gen cores |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, scenario in results["scenarios"].items():
        ours_steps, theirs_steps = scenario[OURS]["steps"], scenario[THEIRS]["steps"]
        for index in range(max(len(ours_steps), len(theirs_steps))):
            ours = ours_steps[index] if index < len(ours_steps) else None
            theirs = theirs_steps[index] if index < len(theirs_steps) else None
            present = [step for step in (ours, theirs) if step is not None]
            cells = [name, f"{present[0]['target_per_s']:,}"]
            cells += _columns(
                ours, theirs, lambda s: f"{s['delivered_per_s']:,.0f}", "delivered_per_s"
            )
            cells += _columns(ours, theirs, _latency, "p99_ms")
            cells += _columns(
                ours, theirs, lambda s: f"{s['server_cpu_us_per_delivery']:.1f}",
                "server_cpu_us_per_delivery",
            )  # fmt: skip
            cells.append(f"{max(step['load_cpu_cores'] for step in present):.2f}")
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def connection_table(results: dict) -> str:
    lines = [
        "| scenario | server RSS per connection KB, ours | socketio | ours/socketio "
        "| connect + join all s, ours | socketio | stalled clients dropped, ours | socketio "
        "| server RSS at last step MB, ours | socketio |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, scenario in results["scenarios"].items():
        ours, theirs = scenario[OURS], scenario[THEIRS]

        def dropped(side: dict) -> str:
            if "stalled" not in side:
                return "-"
            text = f"{side['stalled_dropped']:.0f} of {side['stalled']}"
            if side["dropped_too_slow"] is not None:
                text += f" ({side['dropped_too_slow']:.0f} as too_slow)"
            return text

        def last_rss(side: dict) -> str:
            return f"{side['steps'][-1]['server_rss_mb']:.0f}" if side["steps"] else "-"

        cells = [
            name,
            f"{ours['rss_per_connection_kb']:.1f}",
            f"{theirs['rss_per_connection_kb']:.1f}",
            _ratio(ours["rss_per_connection_kb"], theirs["rss_per_connection_kb"]),
            f"{ours['connect_s']:.1f}",
            f"{theirs['connect_s']:.1f}",
            dropped(ours),
            dropped(theirs),
            last_rss(ours),
            last_rss(theirs),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def plot(results: dict, path: Path) -> None:
    names = list(results["scenarios"])
    figure, axes = plt.subplots(2, len(names), figsize=(4.2 * len(names), 7), squeeze=False)
    for column, name in enumerate(names):
        scenario = results["scenarios"][name]
        top, bottom = axes[0][column], axes[1][column]
        for side, style in ((OURS, "o-"), (THEIRS, "s--")):
            steps = scenario[side]["steps"]
            targets = [step["target_per_s"] for step in steps]
            top.plot(targets, [step["p99_ms"] for step in steps], style, label=f"{side} p99")
            bottom.plot(
                targets, [step["server_cpu_us_per_delivery"] for step in steps], style, label=side
            )
            behind = [step for step in steps if step["behind"]]
            top.plot(
                [step["target_per_s"] for step in behind],
                [step["p99_ms"] for step in behind],
                "rx",
                markersize=12,
            )
        top.set_title(
            f"{name}: {scenario['clients']} clients, {scenario['rooms']} rooms", fontsize=10
        )
        top.set_yscale("log")
        top.set_ylabel("p99 delivery latency, ms (x: behind)")
        bottom.set_ylabel("server CPU µs per delivery")
        targets = sorted(
            {s["target_per_s"] for side in (OURS, THEIRS) for s in scenario[side]["steps"]}
        )
        for axis in (top, bottom):
            axis.set_xscale("log")
            axis.xaxis.set_major_locator(ticker.FixedLocator(targets))
            axis.xaxis.set_major_formatter(ticker.FuncFormatter(lambda x, _: f"{x / 1000:g}k"))
            axis.xaxis.set_minor_locator(ticker.NullLocator())
            axis.set_xlabel("target deliveries/s")
            axis.grid(True, which="both", alpha=0.3)
            axis.legend(fontsize=8)
    figure.suptitle(
        f"dat-chat vs python-socketio fan-out, medians of {results['repeats']} runs "
        f"({results['when']})"
    )
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    plt.close(figure)


def write_reports(results: dict, out: Path) -> str:
    text = step_table(results) + "\n\n" + connection_table(results) + "\n"
    (out / "fanout.md").write_text(text)
    plot(results, out / "fanout.png")
    return text
