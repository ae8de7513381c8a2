"""The chat page in real headless Chromium (Debian's), driven by Playwright."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import redis
from playwright.async_api import expect

from datchat.keys import HUB
from datchat.protocol import message_body
from datchat.redis_names import BODY_FIELD, stream_key

from .pages import PHONE, open_chat, say

pytestmark = pytest.mark.browser

HOSTILE = "<img src=x onerror=alert(1)>"
# A zone without daylight saving and not a whole hour off UTC: local time cannot pass by luck.
ZONE = "Asia/Kolkata"


async def test_two_pages_exchange_a_message_and_html_stays_text(make_node, browser):
    node = await make_node("app1")
    url = str(node.client.make_url("/"))
    alice = await open_chat(browser, url, "alice")
    dialogs = []
    alice.on("dialog", lambda dialog: dialogs.append(dialog.message))
    bob = await open_chat(browser, url, "bob")
    bob.on("dialog", lambda dialog: dialogs.append(dialog.message))
    await expect(bob.locator("#node")).to_have_text("app1")
    await expect(alice.locator("#members li")).to_have_text(["alice", "bob"])
    await expect(alice.locator("#count")).to_have_text("2")
    await expect(alice.locator("#members li.me")).to_have_text("alice")

    await alice.fill("#text", HOSTILE)
    await alice.click("#send")

    last = bob.locator("#messages li").last
    await expect(last.locator(".text")).to_have_text(HOSTILE)
    await expect(last.locator(".who")).to_have_text("alice")
    assert await bob.locator("#messages img").count() == 0
    assert await alice.locator("#messages img").count() == 0
    assert dialogs == []
    assert alice.errors == bob.errors == []


async def test_page_sends_a_content_security_policy(make_node):
    node = await make_node("app1")
    response = await node.client.get("/")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "default-src 'none'" in policy


async def test_page_modules_are_served_as_javascript(make_node):
    node = await make_node("app1")
    for module in ("chat", "connection", "messages", "eventlog", "status", "format"):
        response = await node.client.get(f"/static/{module}.js")
        assert response.status == 200, module
        # Module scripts load only with a JavaScript MIME type.
        assert response.content_type in ("text/javascript", "application/javascript"), module


async def test_page_reconnects_and_resumes_without_gaps_or_doubles(make_node, browser):
    node = await make_node("app1")
    url = str(node.client.make_url("/"))
    alice = await open_chat(browser, url, "alice")
    bob = await open_chat(browser, url, "bob")
    await say(alice, "before")
    await expect(bob.locator("#messages li .text")).to_have_text(["before"])

    # Cut every socket on the node; pages must come back and resume with `since`.
    for session in list(node.app[HUB].sessions):
        await session.ws.close(code=1001)
    # The first retry goes at once: the log, not a glimpse of the state, proves the drop.
    for page in (alice, bob):
        await expect(page.locator("#events li").first).to_contain_text("reconnected to app1")
        await expect(page.locator("#state")).to_have_text("connected")
    await expect(bob.locator("#events li").nth(1)).to_contain_text("(code 1001, node going away)")
    await say(alice, "after")

    await expect(bob.locator("#messages li .text")).to_have_text(["before", "after"], timeout=15000)


async def test_the_time_shown_is_the_stream_ids_local_time(make_node, browser, redis_url):
    node = await make_node("app1")
    # A message stored on another day, straight into the stream with its own id.
    old_id = "1700000000000-0"
    with redis.Redis.from_url(redis_url, decode_responses=True) as client:
        body = message_body("lobby", "olga", "from 2023", 1700000000000, "old-1")
        client.xadd(stream_key("lobby"), {BODY_FIELD: body}, id=old_id)
    alice = await open_chat(browser, str(node.client.make_url("/")), "alice", timezone_id=ZONE)
    await say(alice, "what time is it")
    rows = alice.locator("#messages li")
    await expect(rows.last).to_have_attribute("data-state", "stored")

    shown = [
        (await row.get_attribute("data-id"), await row.locator(".at").text_content(),
         await row.locator(".at").get_attribute("datetime"))
        for row in await rows.all()
    ]  # fmt: skip

    today = datetime.now(ZoneInfo(ZONE)).date()
    for stream_id, text, iso in shown:
        moment = datetime.fromtimestamp(int(stream_id.split("-")[0]) / 1000, UTC)
        local = moment.astimezone(ZoneInfo(ZONE))
        expected = local.strftime("%H:%M:%S" if local.date() == today else "%Y-%m-%d %H:%M:%S")
        assert text == expected, stream_id
        assert iso == moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    assert shown[0][:2] == (old_id, "2023-11-15 03:43:20")  # 22:13:20 UTC, +5:30


async def test_page_fits_a_phone_and_works_by_keyboard(make_node, browser, tmp_path):
    node = await make_node("app1")
    alice = await open_chat(browser, str(node.client.make_url("/")), "alice", viewport=PHONE)
    for n in range(3):
        await say(alice, f"line {n} " + "long words wrap " * 8)
    await expect(alice.locator("#messages li[data-state=stored]")).to_have_count(3)
    await expect(alice.locator("#text")).to_be_focused()  # Enter sent, focus stayed

    width = await alice.evaluate("[document.documentElement.scrollWidth, innerWidth]")
    assert width[0] <= width[1], f"page is wider than the phone: {width}"
    composer = await alice.locator("#text").bounding_box()
    assert composer["y"] + composer["height"] <= PHONE["height"], "composer is off screen"
    await alice.screenshot(path=tmp_path / "phone.png", full_page=True)
    assert alice.errors == []
