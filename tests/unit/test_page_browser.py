"""The chat page in real headless Chromium (Debian's), driven by Playwright."""

from __future__ import annotations

import shutil

import pytest
from playwright.async_api import async_playwright, expect

from datchat.keys import HUB

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Without these, Chromium keeps dialing Google's services, which this machine refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HOSTILE = "<img src=x onerror=alert(1)>"


@pytest.fixture
async def browser():
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        await browser.close()


async def open_chat(browser, url: str, name: str):
    page = await browser.new_page()
    dialogs = []
    page.on("dialog", lambda dialog: dialogs.append(dialog.message))
    page.dialogs = dialogs
    await page.goto(url)
    await page.fill("#name", name)
    await page.fill("#room", "lobby")
    await page.click("#join button")
    await expect(page.locator("#state")).to_have_text("connected")
    return page


async def test_two_pages_exchange_a_message_and_html_stays_text(make_node, browser):
    node = await make_node("app1")
    url = str(node.client.make_url("/"))
    alice = await open_chat(browser, url, "alice")
    bob = await open_chat(browser, url, "bob")
    await expect(bob.locator("#node")).to_have_text("app1")
    await expect(alice.locator("#members li")).to_have_text(["alice", "bob"])

    await alice.fill("#text", HOSTILE)
    await alice.click("#send")

    last = bob.locator("#messages li").last
    await expect(last.locator(".text")).to_have_text(HOSTILE)
    await expect(last.locator(".who")).to_have_text("alice")
    assert await bob.locator("#messages img").count() == 0
    assert await alice.locator("#messages img").count() == 0
    assert alice.dialogs == []
    assert bob.dialogs == []


async def test_page_sends_a_content_security_policy(make_node):
    node = await make_node("app1")
    response = await node.client.get("/")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "default-src 'none'" in policy


async def test_page_reconnects_and_resumes_without_gaps_or_doubles(make_node, browser):
    node = await make_node("app1")
    url = str(node.client.make_url("/"))
    alice = await open_chat(browser, url, "alice")
    bob = await open_chat(browser, url, "bob")
    await alice.fill("#text", "before")
    await alice.click("#send")
    await expect(bob.locator("#messages li .text")).to_have_text(["before"])

    # Cut every socket on the node; pages must come back and resume with `since`.
    for session in list(node.app[HUB].sessions):
        await session.ws.close(code=1001)
    await expect(bob.locator("#state")).not_to_have_text("connected")
    await expect(alice.locator("#state")).to_have_text("connected", timeout=15000)
    await alice.fill("#text", "after")
    await alice.click("#send")

    await expect(bob.locator("#messages li .text")).to_have_text(["before", "after"], timeout=15000)
