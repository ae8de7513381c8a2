"""A drill's timeline as a PNG: acks and deliveries, latency, and each LB's and Redis host's
state as its own probes saw it."""

from __future__ import annotations

from pathlib import Path

from .observer import VIP

NO_ANSWER = "no answer"
STATE_COLOURS = {
    "VIP holder": "tab:blue",
    "standby": "lightsteelblue",
    "master": "tab:orange",
    "replica": "navajowhite",
    NO_ANSWER: "black",
}


def _state(kind: str, answer: object) -> str:
    if answer is None:
        return NO_ANSWER
    if kind == VIP:
        return "VIP holder" if answer else "standby"
    return "master" if answer == "master" else "replica"


def lanes(report: dict) -> dict[str, list[tuple[float, float, str]]]:
    """Per host, its states as (from, to, state): each answer holds from the time its probe
    was sent until that host's next answer; a probe with no answer is "no answer" for as long,
    whatever the host said before."""
    end = max([report["marks"]["stop"], *(t for t, *_ in report["_timeline"]["observations"])])
    answers: dict[str, list[tuple[float, str]]] = {}
    for t, host, kind, answer in report["_timeline"]["observations"]:
        answers.setdefault(host, []).append((t, _state(kind, answer)))
    result = {}
    for host, seen in answers.items():
        segments: list[tuple[float, float, str]] = []
        for (t, state), (until, _) in zip(seen, [*seen[1:], (end, "")], strict=True):
            if segments and segments[-1][2] == state and segments[-1][1] == t:
                segments[-1] = (segments[-1][0], until, state)
            else:
                segments.append((t, until, state))
        result[host] = segments
    return dict(sorted(result.items()))


def plot(report: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    timeline = report["_timeline"]
    end = report["marks"]["stop"]
    buckets = [i / 10 for i in range(int(end * 10) + 1)]

    def per_bucket(times: list[float]) -> list[int]:
        counts = [0] * len(buckets)
        for t in times:
            index = int(t * 10)
            if 0 <= index < len(counts):
                counts[index] += 1
        return counts

    fig, (top, middle, bottom) = plt.subplots(3, 1, figsize=(11, 8), sharex=True)
    top.plot(buckets, per_bucket(timeline["acks"]), label="acked / 100 ms", lw=1)
    top.plot(
        buckets,
        per_bucket([t for t, _ in timeline["deliveries"]]),
        label="delivered / 100 ms",
        lw=1,
    )
    top.set_title(f"{report['drill']}: {report['breaks']}")
    middle.scatter(
        [t for t, _ in timeline["deliveries"]],
        [lat * 1000 for _, lat in timeline["deliveries"]],
        s=2,
    )
    middle.set_yscale("log")
    middle.set_ylabel("delivery latency (ms)")
    host_lanes = lanes(report)
    for row, segments in enumerate(host_lanes.values()):
        for state, colour in STATE_COLOURS.items():
            bars = [(start, until - start) for start, until, s in segments if s == state]
            if bars:
                bottom.broken_barh(bars, (row - 0.35, 0.7), color=colour)
    bottom.set_yticks(range(len(host_lanes)), list(host_lanes))
    bottom.set_ylim(len(host_lanes) - 0.5, -0.5)
    bottom.legend(
        handles=[Patch(color=colour, label=state) for state, colour in STATE_COLOURS.items()],
        loc="lower right",
        bbox_to_anchor=(1, 1),
        fontsize="small",
        ncols=len(STATE_COLOURS),
    )
    bottom.set_xlabel("seconds since start")
    for axis in (top, middle, bottom):
        if "faults" in report:  # a chaos run: each fault's time in place as a band
            for n, fault in enumerate(report["faults"]):
                axis.axvspan(fault["start_s"], fault["heal_s"], color="red", alpha=0.12,
                             label="a fault in place" if n == 0 else None)  # fmt: skip
        else:
            axis.axvline(report["marks"]["fault"], color="red", ls="--", lw=1, label="fault")
            axis.axvline(report["marks"]["heal"], color="green", ls="--", lw=1, label="heal")
    for fault in report.get("faults", []):
        top.annotate(fault["drill"], (fault["start_s"], 1), xycoords=("data", "axes fraction"),
                     rotation=90, va="top", fontsize="x-small")  # fmt: skip
    top.legend(loc="upper right")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
