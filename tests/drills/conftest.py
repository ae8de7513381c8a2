"""The drills' goals missed in this run, listed once at the end (a miss within the verdict's
slack passes; one beyond it also fails its drill)."""

from __future__ import annotations

GOALS_MISSED: list[str] = []


def pytest_terminal_summary(terminalreporter) -> None:
    if GOALS_MISSED:
        terminalreporter.section("drill goals missed")
        for miss in GOALS_MISSED:
            terminalreporter.line(miss)
