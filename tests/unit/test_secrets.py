"""Secrets: generated once per inventory (0600), or taken from the environment after a check."""

from __future__ import annotations

import json
import stat

import pytest

from deploy.secrets import SECRET_ENV, SecretError, load_secrets


@pytest.fixture(autouse=True)
def no_secrets_in_the_environment(monkeypatch):
    for env in SECRET_ENV.values():
        monkeypatch.delenv(env, raising=False)


def test_secrets_are_generated_once_into_a_private_file(tmp_path):
    path = tmp_path / "state" / "secrets.json"
    first = load_secrets(path)
    assert set(first) == set(SECRET_ENV)
    assert len(set(first.values())) == len(first)  # one password per user, none shared
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_secrets(path) == first


def test_a_secret_from_the_environment_is_used_and_never_written(tmp_path, monkeypatch):
    path = tmp_path / "secrets.json"
    monkeypatch.setenv("DATCHAT_REDIS_APP_PASSWORD", "from-the-environment-1234")
    assert load_secrets(path)["redis_app_password"] == "from-the-environment-1234"
    assert "redis_app_password" not in json.loads(path.read_text())


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("short", "it has 5"),
        ("x" * 129, "it has 129"),
        ("sixteen chars or more", "some are outside that set"),
        ("quote'in-a-long-secret", "some are outside that set"),
        ("$dollar#hash", "it has 12 and some are outside that set"),
    ],
)
def test_a_bad_secret_from_the_environment_is_refused_before_anything_is_written(
    tmp_path, monkeypatch, value, problem
):
    path = tmp_path / "secrets.json"
    monkeypatch.setenv("DATCHAT_SENTINEL_APP_PASSWORD", value)
    with pytest.raises(SecretError) as refused:
        load_secrets(path)
    message = str(refused.value)
    assert message.startswith("DATCHAT_SENTINEL_APP_PASSWORD: a secret must be 16-128 characters")
    assert f"({problem})" in message
    assert value not in message
    assert not path.exists()


def test_a_bad_secret_in_the_file_is_refused_with_the_file_and_key(tmp_path):
    path = tmp_path / "secrets.json"
    path.write_text(json.dumps({"redis_admin_password": "has a space in it, so no"}))
    with pytest.raises(SecretError, match=r"secrets\.json: redis_admin_password must be 16-128"):
        load_secrets(path)
