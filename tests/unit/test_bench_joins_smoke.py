"""The reconnect-storm benchmark still runs against both servers, end to end (no timing checked)."""

from __future__ import annotations

import json

from bench.joins import main as run_benchmark


def test_join_storm_and_node_kill_run_on_both_servers(tmp_path):
    assert run_benchmark(["--repeats", "1", "--scenario", "tiny", "--out", str(tmp_path)]) == 0

    results = json.loads((tmp_path / "joins.json").read_text())
    for implementation in ("ours", "socketio"):
        storm = results["medians"]["join_storm"][implementation]
        kill = results["medians"]["node_kill"][implementation]
        assert storm["joins_s"] > 0, implementation
        # Half of the 20 clients were on the killed node, and each received again.
        assert kill["clients_moved"] == kill["received_again"] == 10, implementation
        assert 0 < kill["median_receive_again_s"] <= kill["all_receive_again_s"], implementation
    table = (tmp_path / "joins.md").read_text()
    assert "| node kill: all receive again (s) |" in table
