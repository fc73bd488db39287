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
