"""The Redis layout: names drills and operators rely on, and scripts that spell none of them."""

from __future__ import annotations

import re

import pytest

from datchat import redis_names
from datchat.history import STORE_AND_PUBLISH
from datchat.presence import UPDATE_AND_PUBLISH

# What a script may still spell itself: Redis command words and arguments, and the JSON of an
# empty list (cjson would write {}). Anything else quoted in Lua is a name or a frame shape,
# which belongs to redis_names or protocol.
LUA_WORDS = {"GET", "XADD", "MAXLEN", "~", "*", "SET", "EX", "PUBLISH"}
LUA_WORDS |= {"HDEL", "HSET", "HGETALL", "EXISTS", "", "[]"}


def test_names_follow_the_design():
    # Drills and operators read these keys directly; renaming them is a breaking change.
    assert redis_names.stream_key("lobby") == "room:lobby:history"
    assert redis_names.channel("lobby") == "room:lobby"
    assert redis_names.room_of_channel("room:lobby") == "lobby"
    assert redis_names.said_key("lobby", "c-1") == "room:lobby:said:c-1"
    assert redis_names.presence_key("lobby") == "room:lobby:presence"
    assert redis_names.instance_alive_key("app1:0a1b2c3d") == "instance:app1:0a1b2c3d:alive"
    assert redis_names.CONTROL_CHANNEL == "datchat:nodes"


def test_payload_tag_splits_presence_from_messages():
    assert redis_names.split_payload('p\n{"type":"presence"}') == ("p", '{"type":"presence"}')
    assert redis_names.split_payload("1-0\n{}") == ("1-0", "{}")
    assert redis_names.PRESENCE_PAYLOAD_HEAD == "p\n"


@pytest.mark.parametrize("script", [STORE_AND_PUBLISH, UPDATE_AND_PUBLISH])
def test_scripts_take_every_name_from_keys_and_argv(script):
    code = "\n".join(line for line in script.splitlines() if not line.lstrip().startswith("--"))
    quoted = set(re.findall(r"'([^']*)'", code)) | set(re.findall(r'"([^"]*)"', code))
    assert quoted <= LUA_WORDS, f"names or frames spelled inside Lua: {quoted - LUA_WORDS}"
