"""One public test of the session limits, shared by the HTTP middleware and the progress websocket."""

import ast
import inspect

from consortium.portal.accounts import middleware
from consortium.portal.runs import consumers

NOW = 1_000_000.0


def test_it_keeps_a_fresh_session(settings):
    session = {"session_started_at": NOW - 60, "session_seen_at": NOW - 60}
    assert not middleware.session_expired(session, NOW)
    assert not middleware.session_expired({}, NOW)  # no timestamps yet: it has just started


def test_it_expires_an_idle_session(settings):
    settings.SESSION_IDLE_SECONDS = 1800
    session = {"session_started_at": NOW - 1801, "session_seen_at": NOW - 1801}
    assert middleware.session_expired(session, NOW)


def test_it_expires_a_session_past_its_absolute_limit(settings):
    settings.SESSION_ABSOLUTE_SECONDS = 12 * 3600
    session = {"session_started_at": NOW - 12 * 3600 - 1, "session_seen_at": NOW}
    assert middleware.session_expired(session, NOW)


def test_it_gives_the_websocket_no_private_name_of_the_middleware():
    tree = ast.parse(inspect.getsource(consumers))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                and node.module == "consortium.portal.accounts.middleware" for alias in node.names}
    assert "session_expired" in imported
    assert not any(name.startswith("_") for name in imported)
