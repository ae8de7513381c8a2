"""The page's connection states beyond a node kill: a silent connection, the browser going
offline, a resume that reaches past the trimmed history. Behind the loopback proxy."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from .pages import events, open_chat, say

pytestmark = pytest.mark.browser


async def test_a_connection_that_goes_silent_is_pinged_and_replaced(browser, make_node, proxy):
    node = await make_node("app1")
    proxy.backends = [node.client.server.port]
    alice = await open_chat(browser, proxy.url, "alice")

    proxy.freeze()  # like an LB that vanished: nothing closes, nothing arrives

    lost = alice.locator('#events li[data-event="lost"]')
    # Idle 5 s, then 2.5 s for an answer to the ping (connection.js), checked every 0.5 s.
    await expect(lost).to_contain_text("(code 4000, no answer to ping)", timeout=12000)
    await expect(alice.locator("#state")).to_have_text("connected")
    await expect(events(alice).first).to_contain_text("reconnected to app1")
    await say(alice, "after the freeze")
    await expect(alice.locator("#messages li[data-state=stored]")).to_have_count(1)
    assert alice.errors == []


async def test_offline_waits_for_the_network_then_dials_at_once(browser, make_node, proxy):
    node = await make_node("app1")
    proxy.backends = [node.client.server.port]
    alice = await open_chat(browser, proxy.url, "alice")

    await alice.context.set_offline(True)
    proxy.cut()

    await expect(alice.locator("#state")).to_have_text("offline")
    await expect(alice.locator("#state")).to_have_attribute("data-state", "offline")
    await say(alice, "typed offline")
    await alice.wait_for_timeout(1500)  # no retry while offline: still offline, still pending
    await expect(alice.locator("#state")).to_have_text("offline")
    await alice.context.set_offline(False)
    await expect(alice.locator("#state")).to_have_text("connected")
    await expect(alice.locator("#messages li[data-state=stored]")).to_have_count(1)
    await expect(events(alice).first).to_contain_text("sent 1 typed while away, stored once")
    assert alice.errors == []


async def test_a_resume_past_the_trimmed_history_says_so(browser, make_node, proxy):
    unlimited = {"rate_per_sec": 1e6, "rate_burst": 1_000_000}
    node = await make_node("app1", history_max=1, **unlimited)
    proxy.backends = [node.client.server.port]
    alice = await open_chat(browser, proxy.url, "alice")
    bob = await node.connect()
    await bob.join("lobby", "bob")
    await bob.say("lobby", "seen by alice")
    await expect(alice.locator("#messages li")).to_have_count(1)

    proxy.backends = []
    proxy.cut()
    await expect(events(alice).first).to_have_attribute("data-event", "lost")
    # MAXLEN ~ trims whole stream nodes only: enough to drop the one alice saw last.
    for n in range(250):
        await bob.say("lobby", f"m{n}", f"c{n}")
    proxy.backends = [node.client.server.port]

    truncated = alice.locator('#events li[data-event="truncated"]')
    await expect(truncated).to_contain_text(
        re.compile(r"history truncated: messages between [\d:]{8} and [\d:]{8} not kept")
    )
    await expect(alice.locator("#state")).to_have_text("connected")
    assert alice.errors == []
