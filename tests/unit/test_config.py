"""Strict config: unknown key, wrong type, missing key -> non-zero exit naming the key."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from dataclasses import fields
from pathlib import Path

import pytest

from datchat.config import ChatSettings, ConfigError, Settings, load_settings

VALID = """
node_name = "app1"
listen = "0.0.0.0:8080"
[redis]
sentinels = ["10.0.0.31:26379", "10.0.0.32:26379"]
master_name = "datchat"
password = "p"
sentinel_password = "s"
[chat]
history_max = 500
history_on_join = 20
max_text_chars = 100
max_frame_bytes = 4096
rate_per_sec = 2.5
rate_burst = 5
ack_replicas = 1
ack_timeout_ms = 800
allowed_origins = ["https://chat.example"]
"""


def write(tmp_path, text: str):
    path = tmp_path / "config.toml"
    path.write_text(textwrap.dedent(text))
    return path


def test_full_valid_file_loads_every_key(tmp_path):
    settings = load_settings(write(tmp_path, VALID))
    assert settings.node_name == "app1"
    assert (settings.listen_host, settings.listen_port) == ("0.0.0.0", 8080)
    assert settings.redis.sentinels == ("10.0.0.31:26379", "10.0.0.32:26379")
    assert settings.redis.url == ""
    assert settings.chat.rate_per_sec == 2.5
    assert settings.chat.allowed_origins == ("https://chat.example",)
    assert settings.chat.ack_replicas == 1


def test_empty_file_gives_dev_defaults(tmp_path):
    settings = load_settings(write(tmp_path, ""))
    assert settings.listen == "127.0.0.1:8080"
    assert settings.redis.url == "redis://127.0.0.1:6379/0"
    assert settings.node_name  # the hostname


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("colour = 'blue'", "colour"),
        ("[chat]\nhistroy_max = 5", "chat.histroy_max"),
        ("[chat]\nhistory_max = '5'", "chat.history_max"),
        ("[chat]\nrate_burst = true", "chat.rate_burst"),
        ("[chat]\nack_replicas = -1", "chat.ack_replicas"),
        ("[chat]\nallowed_origins = 'x'", "chat.allowed_origins"),
        ("listen = 8080", "listen"),
        ("listen = 'nowhere'", "listen"),
        ("chat = 3", "chat"),
        ("[redis]\npassword = 'only a password'", "redis.url / redis.sentinels"),
        ("[redis]\nurl = 'redis://x'\nsentinels = ['a:1']", "redis.url / redis.sentinels"),
        ("[redis]\nsentinels = ['no-port']", "redis.sentinels"),
    ],
)
def test_bad_setting_is_named(tmp_path, text, key):
    with pytest.raises(ConfigError) as error:
        load_settings(write(tmp_path, text))
    assert str(error.value).startswith(key)


def test_not_toml_names_the_file(tmp_path):
    path = write(tmp_path, "this is = = not toml")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(path)


def test_command_exits_non_zero_naming_the_key(tmp_path):
    path = write(tmp_path, "[chat]\nmax_text_chars = 'many'")
    result = subprocess.run(
        [sys.executable, "-m", "datchat", "--config", str(path)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode != 0
    assert "chat.max_text_chars" in result.stderr


def check_config(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "datchat", "--check-config", str(path)],
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_check_config_accepts_a_valid_file_without_starting(tmp_path):
    result = check_config(write(tmp_path, VALID))
    assert result.returncode == 0, result.stderr
    assert "config valid" in result.stdout
    assert "app1" in result.stdout


def test_check_config_rejects_a_bad_value_naming_the_key(tmp_path):
    result = check_config(write(tmp_path, "[chat]\nrate_burst = -1"))
    assert result.returncode == 2
    assert "chat.rate_burst" in result.stderr


def test_missing_config_file_is_reported(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "datchat", "--config", str(tmp_path / "absent.toml")],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode != 0
    assert "absent.toml" in result.stderr


def test_example_file_documents_every_setting_with_its_default():
    example = Path(__file__).parents[2] / "app" / "config.example.toml"
    settings = load_settings(example)
    text = example.read_text()
    for field in fields(ChatSettings):
        assert f"\n{field.name} = " in text, f"chat.{field.name} is not documented"
    assert settings.chat == ChatSettings()
    assert settings.listen == Settings().listen
