"""A drill's timeline as a PNG: acks and deliveries, latency, the VIP holder and Redis master."""

from __future__ import annotations

from pathlib import Path


def plot(report: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

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
    top.legend(loc="upper right")
    top.set_title(f"{report['drill']}: {report['breaks']}")
    middle.scatter(
        [t for t, _ in timeline["deliveries"]],
        [lat * 1000 for _, lat in timeline["deliveries"]],
        s=2,
    )
    middle.set_yscale("log")
    middle.set_ylabel("delivery latency (ms)")
    samples = timeline["samples"]
    names = sorted({name for _, vip, masters in samples for name in vip + masters})
    level = {name: i for i, name in enumerate(names)}
    for position, label in ((1, "VIP holder"), (2, "Redis master")):
        points = [(sample[0], level[sample[position][0]]) for sample in samples if sample[position]]
        bottom.step([t for t, _ in points], [y for _, y in points], where="post", label=label)
    bottom.set_yticks(range(len(names)), names)
    bottom.legend(loc="upper right")
    bottom.set_xlabel("seconds since start")
    for axis in (top, middle, bottom):
        axis.axvline(report["marks"]["fault"], color="red", ls="--", lw=1)
        axis.axvline(report["marks"]["heal"], color="green", ls="--", lw=1)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
