"""The real settings, on a development machine (see consortium/settings.py).

pytest-django loads settings before any conftest.py, so the test environment's one
default is set here. Anything else comes from the environment, as in production.
"""

import os

os.environ.setdefault("DEPLOYMENT_ENV", "dev")

from consortium.settings import *  # noqa: E402,F403

# One test process for both modes: it is a portal (DEPLOYMENT_MODE unset), and the miner's apps are
# installed beside the portal's so that the miner's tables exist in the same test database. Miner tests
# switch the process to miner mode per test (settings, middleware, URLs): tests/miners/conftest.py.
from consortium.settings import _MODE_APPS  # noqa: E402

INSTALLED_APPS = INSTALLED_APPS + [app for app in _MODE_APPS["miner"] if app not in INSTALLED_APPS]  # noqa: F405

# tests/miners/harness.py: two more miners' databases (miner 0 is `default`), used by the test that runs
# three miners in this process; a router sends each thread's share-store queries to its miner's.
DATABASES = {**DATABASES,  # noqa: F405
             **{alias: {"ENGINE": "django.db.backends.sqlite3", "NAME": f"{alias}-tests.sqlite3"}
                for alias in ("miner1", "miner2")}}  # in memory while testing, as any SQLite test database
DATABASE_ROUTERS = ["tests.miners.harness.OneMinerPerThread"]

# Test databases on SQLite are in memory with a shared cache, where an immediate transaction locks whole
# tables against the other threads (the three-miner harness, live servers): the tests keep SQLite's
# default deferred transactions. The server settings (WAL, busy timeout, immediate transactions) are
# tested on a real server process with a file database: tests/project/test_sqlite_under_concurrency.py.
DATABASES["default"].get("OPTIONS", {}).pop("transaction_mode", None)  # noqa: F405
