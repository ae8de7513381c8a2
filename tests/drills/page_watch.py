"""`python -m tests.drills.page_watch DRILL...`: the chat page, through the VIP, during drills.

Two browser pages (Chromium) chat through the VIP, each saying a message a second, while a
drill runs with its usual load; the first page is photographed before the fault, two seconds
into it, and once the cluster has converged again, into docs/pictures/drill-<name>-*.png, and
its event log is printed. What a person watching the page sees during a failover.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from pathlib import Path

from playwright.async_api import async_playwright

from cluster.model import Cluster
from cluster.paths import ROOT
from drills.runner import run_drill

from ..unit.pages import CHROMIUM, CHROMIUM_ARGS, DESKTOP, PICTURES, open_chat, say

SHOT_DELAY_S = {"fault at": 2.0, "converged at": 3.0}
SHOT_NAME = {"fault at": "during", "converged at": "after"}


async def watch(name: str, cluster: Cluster, out: Path) -> list[str]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        url = f"http://{cluster.vip}/"
        names = ("alice", "bob")
        pages = [await open_chat(browser, url, who, viewport=DESKTOP) for who in names]
        shots: list[asyncio.Task] = []

        async def shoot(label: str, delay: float) -> None:
            await asyncio.sleep(delay)
            await pages[0].screenshot(path=str(out / f"drill-{name}-{label}.png"))

        def progress(line: str) -> None:
            print(line, flush=True)
            for mark, delay in SHOT_DELAY_S.items():
                if f": {mark} " in line:
                    shots.append(asyncio.ensure_future(shoot(SHOT_NAME[mark], delay)))

        async def chatter() -> None:
            count = 0
            while True:
                for who, page in zip(names, pages, strict=True):
                    await say(page, f"{who} says {count}")
                count += 1
                await asyncio.sleep(1)

        await shoot("before", 0)
        talking = asyncio.ensure_future(chatter())
        report = await run_drill(
            name, cluster, clients=8, rate=4, rooms=2, duration=20, progress=progress
        )
        talking.cancel()
        await asyncio.gather(*shots)
        log = await pages[0].locator("#events li").all_inner_texts()
        state = await pages[0].locator("#state").inner_text()
        await browser.close()
    print(f"{name}: verdict {'PASS' if report['verdict']['passed'] else 'FAIL'}; page {state}")
    return log


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.drills.page_watch")
    parser.add_argument("drills", nargs="+")
    parser.add_argument("--out", type=Path, default=PICTURES)
    default = str(ROOT / "inventories" / "lab.py")
    parser.add_argument("--inventory", default=os.environ.get("DATCHAT_INVENTORY", default))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    cluster = Cluster(args.inventory)
    for name in args.drills:
        log = asyncio.run(watch(name, cluster, args.out))
        print(f"{name}: alice's event log, newest first:\n  " + "\n  ".join(log))


if __name__ == "__main__":
    main()
