"""Network cuts inside hosts (iptables), the same on containers, VMs and real servers."""

from __future__ import annotations

from collections.abc import Callable, Iterable

CUT_CHAIN = "DATCHAT_CUT"
# Idempotent: create the chain and hook it first into INPUT and OUTPUT, once.
PREPARE = " && ".join(
    [f"(iptables -w -N {CUT_CHAIN} 2>/dev/null || true)"]
    + [
        f"(iptables -w -C {hook} -j {CUT_CHAIN} 2>/dev/null"
        f" || iptables -w -I {hook} -j {CUT_CHAIN})"
        for hook in ("INPUT", "OUTPUT")
    ]
)
HEAL = f"iptables -w -F {CUT_CHAIN} 2>/dev/null || true"
LIST = f"iptables -w -S {CUT_CHAIN} 2>/dev/null || true"

# run(host name, shell command) raises on failure.
Runner = Callable[[str, str], str]


def cut(run: Runner, side_a: dict[str, str], side_b: dict[str, str]) -> None:
    """Drop all traffic between every host of side_a and every host of side_b, both ways.

    Each side maps host names to their addresses.
    """
    if set(side_a) & set(side_b):
        raise ValueError("cut: a host cannot be on both sides")
    for hosts, peers in ((side_a, side_b), (side_b, side_a)):
        for host in hosts:
            rules = [
                f"iptables -w -A {CUT_CHAIN} -{flag} {address} -j DROP"
                for address in peers.values()
                for flag in ("s", "d")
            ]
            run(host, " && ".join([PREPARE, *rules]))


def heal(run: Runner, hosts: Iterable[str]) -> None:
    for host in hosts:
        run(host, HEAL)


def cut_sources(run: Runner, host: str) -> list[str]:
    """The addresses a host currently drops traffic from."""
    listing = run(host, LIST)
    return [line.split()[3].removesuffix("/32") for line in listing.splitlines() if " -s " in line]
