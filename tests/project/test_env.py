"""The typed environment readers: they parse what they should and refuse the rest."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from consortium.env import (
    envbool,
    envchoice,
    envint,
    envlist,
    envsecret,
    envstr,
    parse_database_url,
)


def test_it_reads_booleans(monkeypatch):
    monkeypatch.setenv("FLAG", "Yes")
    assert envbool("FLAG", False) is True
    monkeypatch.setenv("FLAG", "off")
    assert envbool("FLAG", True) is False


def test_it_uses_the_default_when_unset_or_blank(monkeypatch):
    monkeypatch.delenv("FLAG", raising=False)
    assert envbool("FLAG", True) is True
    monkeypatch.setenv("FLAG", "  ")
    assert envint("FLAG", 7) == 7
    assert envstr("FLAG", "x") == "x"


def test_it_refuses_a_boolean_it_cannot_read(monkeypatch):
    monkeypatch.setenv("FLAG", "ture")
    with pytest.raises(ImproperlyConfigured, match="FLAG"):
        envbool("FLAG", False)


def test_it_refuses_a_non_integer(monkeypatch):
    monkeypatch.setenv("COUNT", "3.5")
    with pytest.raises(ImproperlyConfigured, match="COUNT must be an integer"):
        envint("COUNT", 0)


def test_it_refuses_an_integer_out_of_bounds(monkeypatch):
    monkeypatch.setenv("COUNT", "3")
    assert envint("COUNT", None, lo=0, hi=3) == 3
    with pytest.raises(ImproperlyConfigured, match="between 0 and 2"):
        envint("COUNT", None, lo=0, hi=2)


def test_it_refuses_an_unknown_choice(monkeypatch):
    monkeypatch.setenv("MODE", "Portal")
    with pytest.raises(ImproperlyConfigured, match="portal, miner"):
        envchoice("MODE", ("portal", "miner"), "portal")


def test_it_splits_lists_and_drops_blanks(monkeypatch):
    monkeypatch.setenv("HOSTS", " a.example, ,b.example,")
    assert envlist("HOSTS", []) == ["a.example", "b.example"]


def test_it_reads_a_secret_from_a_file(monkeypatch, tmp_path):
    secret = tmp_path / "key"
    secret.write_text("s3cret\n")
    monkeypatch.delenv("TOKEN", raising=False)
    monkeypatch.setenv("TOKEN_FILE", str(secret))
    assert envsecret("TOKEN") == "s3cret"


def test_it_refuses_a_secret_set_twice(monkeypatch, tmp_path):
    monkeypatch.setenv("TOKEN", "a")
    monkeypatch.setenv("TOKEN_FILE", str(tmp_path / "key"))
    with pytest.raises(ImproperlyConfigured, match="not both"):
        envsecret("TOKEN")


def test_it_refuses_a_missing_or_empty_secret_file(monkeypatch, tmp_path):
    monkeypatch.delenv("TOKEN", raising=False)
    monkeypatch.setenv("TOKEN_FILE", str(tmp_path / "absent"))
    with pytest.raises(ImproperlyConfigured, match="cannot be read"):
        envsecret("TOKEN")
    (tmp_path / "empty").write_text("\n")
    monkeypatch.setenv("TOKEN_FILE", str(tmp_path / "empty"))
    with pytest.raises(ImproperlyConfigured, match="empty"):
        envsecret("TOKEN")


def test_it_parses_sqlite_urls():
    assert parse_database_url("sqlite:///rel.db")["NAME"] == "rel.db"
    assert parse_database_url("sqlite:////abs/x.db")["NAME"] == "/abs/x.db"


def test_it_parses_postgres_urls():
    db = parse_database_url("postgres://us%40r:p%3Ass@db.example:6543/bench?sslmode=require")
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["USER"], db["PASSWORD"]) == ("us@r", "p:ss")
    assert (db["HOST"], db["PORT"], db["NAME"]) == ("db.example", "6543", "bench")
    assert db["OPTIONS"] == {"sslmode": "require"}


def test_a_bad_database_url_error_does_not_leak_the_password():
    with pytest.raises(ImproperlyConfigured) as info:
        parse_database_url("mysql://root:hunter2@db/x")
    assert "hunter2" not in str(info.value)
    with pytest.raises(ImproperlyConfigured) as info:
        parse_database_url("postgres://root:hunter2@db:port/x")
    assert "hunter2" not in str(info.value)
