"""The fan-out benchmark still runs, against both servers, end to end (no timing asserted)."""

from __future__ import annotations

import json

from bench.fanout import main as run_benchmark


def test_benchmark_runs_both_servers_and_loses_nothing(tmp_path):
    assert run_benchmark(["--repeats", "1", "--scenario", "tiny", "--out", str(tmp_path)]) == 0

    results = json.loads((tmp_path / "fanout.json").read_text())
    for implementation in ("ours", "socketio"):
        (step,) = results["scenarios"]["tiny"][implementation]["steps"]
        assert step["expected_per_s"] > 0, implementation
        assert step["lost"] == 0, implementation
        assert step["server_cpu_cores"] > 0, implementation
    table = (tmp_path / "fanout.md").read_text()
    assert "| tiny | 500 |" in table
    assert (tmp_path / "fanout.png").stat().st_size > 10_000
