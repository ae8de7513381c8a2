"""The page while its node is SIGKILLed: what it shows, what it resends, how fast it is back.

App nodes are real processes; the pages reach them through a loopback proxy standing in for
HAProxy, so the page under test is the product page, talking only to its own origin."""

from __future__ import annotations

import re
import signal
import statistics

import pytest
from playwright.async_api import expect

from .node_process import NodeProcess
from .pages import DESKTOP, PICTURES, events, open_chat, say

pytestmark = pytest.mark.browser

# Every data-state an own message goes through, by its text (consecutive repeats folded).
RECORD_TRAIL = """() => {
  window.trail = {};
  const note = (li) => {
    if (!li.dataset || !li.dataset.state) return;
    const text = li.querySelector(".text").textContent;
    const states = (window.trail[text] ??= []);
    if (states.at(-1) !== li.dataset.state) states.push(li.dataset.state);
  };
  new MutationObserver((records) => {
    for (const r of records) {
      if (r.type === "attributes") note(r.target);
      else r.addedNodes.forEach(note);
    }
  }).observe(document.getElementById("messages"),
             { subtree: true, childList: true, attributes: true, attributeFilter: ["data-state"] });
}"""
WAITING_TO_RETRY = """(attempt) => {
  const state = document.getElementById("state").dataset;
  return state.state === "reconnecting" && Number(state.attempt) >= attempt;
}"""
LAST_RECONNECT_MS = "performance.getEntriesByName('datchat:reconnect').at(-1).duration"


@pytest.fixture
async def start_node(tmp_path, redis_url):
    started: list[NodeProcess] = []

    async def start(name: str) -> NodeProcess:
        started.append(await NodeProcess(tmp_path, name, redis_url).start())
        return started[-1]

    yield start
    for node in started:
        await node.kill()


def texts(page):
    return page.locator("#messages li .text")


def mine(page, text: str):
    exactly = page.locator(".text", has_text=re.compile(f"^{re.escape(text)}$"))
    return page.locator("#messages li.own").filter(has=exactly)


async def test_a_killed_node_is_shown_lost_resumed_and_its_pending_stored_once(
    browser, start_node, proxy
):
    PICTURES.mkdir(exist_ok=True)
    app1, app2 = await start_node("app1"), await start_node("app2")
    proxy.backends = [app1.port]
    alice = await open_chat(browser, proxy.url, "alice", viewport=DESKTOP)
    bob = await open_chat(browser, app2.url, "bob", viewport=DESKTOP)
    await alice.evaluate(RECORD_TRAIL)
    await expect(alice.locator("#node")).to_have_text("app1")
    await expect(bob.locator("#node")).to_have_text("app2")
    await say(bob, "hi alice")
    await expect(texts(alice)).to_have_text(["hi alice"])
    await say(alice, "hello bob")
    await expect(texts(bob)).to_have_text(["hi alice", "hello bob"])
    await expect(mine(alice, "hello bob")).to_have_attribute("data-state", "stored")
    await expect(alice.locator("#count")).to_have_text("2")
    await expect(events(alice)).to_have_text([re.compile("connected to app1")])
    await alice.screenshot(path=PICTURES / "page-normal.png")

    # app1 freezes with alice's message on its socket, unread, then dies: never acked.
    app1.signal(signal.SIGSTOP)
    await say(alice, "said as app1 froze")
    await app1.kill()
    lost = events(alice).first
    await expect(lost).to_have_attribute("data-event", "lost")
    await expect(lost).to_contain_text(re.compile(r"lost app1 after [\d.]+\s+s \(code 1006"))
    # HAProxy has not marked app1 down yet: alice's retries land on the dead node meanwhile.
    away = [f"while alice is away {n}" for n in range(3)]
    for text in away:
        await say(bob, text)
    await expect(bob.locator("#messages li[data-state=stored]")).to_have_count(1 + len(away))
    await say(alice, "typed while away")
    await expect(mine(alice, "typed while away")).to_have_attribute("data-state", "pending")
    await expect(mine(alice, "said as app1 froze")).to_have_attribute("data-state", "pending")
    await alice.wait_for_function(WAITING_TO_RETRY, arg=4)
    await alice.screenshot(path=PICTURES / "page-reconnecting.png")

    proxy.backends = [app2.port]  # app1 marked DOWN
    await expect(alice.locator("#state")).to_have_text("connected", timeout=15000)
    await expect(alice.locator("#node")).to_have_text("app2")
    back = alice.locator('#events li[data-event="reconnected"]')
    await expect(back).to_contain_text(
        re.compile(rf"reconnected to app2 in [\d.]+\s+s, resumed {len(away)} missed messages")
    )
    assert await back.get_attribute("data-lost") == "app1"
    assert int(await back.get_attribute("data-resumed")) == len(away)
    resent = alice.locator('#events li[data-event="resent"]')
    await expect(resent).to_contain_text(
        "resent 1 pending, sent 1 typed while away: both stored once"
    )
    for text in ("said as app1 froze", "typed while away"):
        await expect(mine(alice, text)).to_have_attribute("data-state", "stored")
        exactly = re.compile(f"^{re.escape(text)}$")
        await expect(texts(bob).filter(has_text=exactly)).to_have_count(1)
    trail = await alice.evaluate("window.trail")
    assert trail["typed while away"] == ["pending", "stored"]
    assert trail["said as app1 froze"] == ["pending", "resent", "stored"]
    await expect(mine(alice, "said as app1 froze").locator(".mark")).to_have_text(
        "stored after resend"
    )
    # Both pages hold the same messages in the same (stream) order, each once.
    said_by_bob = await texts(bob).all_text_contents()
    assert len(said_by_bob) == 2 + len(away) + 2
    await expect(texts(alice)).to_have_text(said_by_bob)
    newest_first = [await e.get_attribute("data-event") for e in await events(alice).all()]
    assert newest_first == ["resent", "reconnected", "lost", "connected"]
    await alice.screenshot(path=PICTURES / "page-resumed.png")
    assert alice.errors == bob.errors == []


async def test_the_pages_own_reconnect_time_after_node_kills(browser, start_node, proxy, capsys):
    serving, spare = await start_node("app1"), await start_node("app2")
    proxy.backends = [serving.port, spare.port]  # redispatch: a refused node is skipped
    pages = [await open_chat(browser, proxy.url, name) for name in ("alice", "bob", "carol")]
    samples: list[float] = []
    for kill in range(1, 4):
        for page in pages:
            await expect(page.locator("#node")).to_have_text(serving.name)
        await serving.kill()
        for page in pages:
            moves = page.locator('#events li[data-event="reconnected"]')
            await expect(moves).to_have_count(kill, timeout=10000)
            await expect(page.locator("#node")).to_have_text(spare.name)
            samples.append(await page.evaluate(LAST_RECONNECT_MS))
            assert abs(int(await moves.first.get_attribute("data-ms")) - samples[-1]) <= 1
        await serving.start()
        proxy.backends = [spare.port, serving.port]
        serving, spare = spare, serving
    with capsys.disabled():
        print(
            f"\npage reconnect after a SIGKILL of its node, close -> joined on the other node "
            f"(in the browser, {len(samples)} samples): min {min(samples):.0f} ms, "
            f"median {statistics.median(samples):.0f} ms, max {max(samples):.0f} ms"
        )
    assert all(page.errors == [] for page in pages)
