"""One VIP holder, backends UP, the page through the VIP: before and after HAProxy stops on
the holder (the side effect leaves it stopped, so these check the failed-over state live)."""

from __future__ import annotations

import json
import os
import urllib.request
from pathlib import Path

import pytest

from cluster.model import Cluster
from cluster.probes import backend_states, holds_vip
from tests.infra.conftest import on_host

CLUSTER = Cluster(os.environ["DATCHAT_INVENTORY"])
RECORD = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "side_effect.json")
LBS = [lb.name for lb in CLUSTER.group("lbs")]
APPS = [app.name for app in CLUSTER.group("apps")]


def last_event() -> dict:
    return json.loads(RECORD.read_text()) if RECORD.exists() else {}


def test_exactly_one_lb_holds_the_vip_and_the_expected_one():
    holders = [name for name in LBS if holds_vip(CLUSTER, CLUSTER.node(name))]
    assert len(holders) == 1, holders
    # Healthy, either LB may hold it (nopreempt: whoever got it keeps it); after the side
    # effect, the one it moved to.
    assert holders[0] == last_event().get("vip_holder", holders[0])


@pytest.mark.parametrize("lb", LBS)
def test_haproxy_runs_unless_the_side_effect_stopped_it(lb):
    running = on_host(lb).service("haproxy").is_running
    assert running == (lb != last_event().get("haproxy_stopped_on"))


def test_every_running_haproxy_sees_every_app_backend_up():
    stopped = last_event().get("haproxy_stopped_on")
    for lb in LBS:
        if lb != stopped:
            assert backend_states(CLUSTER, CLUSTER.node(lb)) == dict.fromkeys(APPS, "UP"), lb


def test_page_answers_through_the_vip():
    with urllib.request.urlopen(f"http://{CLUSTER.vip}/", timeout=5) as response:
        assert response.status == 200
        assert b"dat-chat" in response.read()
