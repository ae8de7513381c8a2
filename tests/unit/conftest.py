"""Fixtures: a real redis-server for the session, app nodes built by init_app."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable, Iterator

import pytest
from playwright.async_api import async_playwright

from datchat import init_app
from datchat.config import ChatSettings, RedisSettings, Settings

from .chat_client import ChatClient
from .pages import CHROMIUM, CHROMIUM_ARGS, LoopbackProxy
from .redis_processes import RedisProcess, SentinelCluster

NodeFactory = Callable[..., Awaitable["Node"]]


@dataclasses.dataclass
class Node:
    """One app node under test: its aiohttp test client and its application."""

    client: object
    app: object

    async def connect(self, **kwargs) -> ChatClient:
        return ChatClient(await self.client.ws_connect("/ws", **kwargs))


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisProcess]:
    server = RedisProcess(tmp_path_factory.mktemp("redis"), "redis").start()
    yield server
    # Every node of the unit tests used the deploy's app user: it was refused nothing.
    denials = server.denials()
    server.stop()
    assert not denials, f"the app's ACL user lacks what the app uses: {denials}"


@pytest.fixture
def cluster(tmp_path) -> Iterator[SentinelCluster]:
    """A master, two replicas and three Sentinels, each with the deploy's ACL users."""
    cluster = SentinelCluster(tmp_path)
    yield cluster
    for sentinel in cluster.sentinels:
        sentinel.thaw()  # a test that failed with a Sentinel frozen must not leave it so
    # Sentinel, the replicas and the app worked through the failover with their own users.
    denials = cluster.denials()
    cluster.stop()
    assert not denials, f"an ACL user lacks what its job needs: {denials}"


@pytest.fixture
def redis_url(redis_server: RedisProcess) -> str:
    with redis_server.client() as client:
        client.flushall()
    return redis_server.app_url()


def settings_for(name: str, redis: RedisSettings, **chat: object) -> Settings:
    return Settings(node_name=name, redis=redis, chat=ChatSettings(**chat))


@pytest.fixture
async def make_node(aiohttp_client, redis_url: str) -> NodeFactory:
    """Start an app node: make_node("app1", rate_burst=5, redis=RedisSettings(...))."""

    async def factory(name: str, redis: RedisSettings | None = None, **chat: object) -> Node:
        settings = settings_for(name, redis or RedisSettings(url=redis_url), **chat)
        app = init_app(settings)
        client = await aiohttp_client(app)
        await wait_ready(client)
        return Node(client, app)

    return factory


async def wait_ready(client, timeout: float = 15) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        response = await client.get("/readyz")
        if response.status == 200:
            return
        if loop.time() > deadline:
            raise TimeoutError(f"node never became ready: {await response.text()}")
        await asyncio.sleep(0.05)


# The page's tests: one headless Chromium per test, and a loopback proxy standing in for HAProxy.
@pytest.fixture
async def browser():
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        await browser.close()


@pytest.fixture
async def proxy():
    proxy = await LoopbackProxy([]).start()
    yield proxy
    await proxy.stop()
