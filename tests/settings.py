"""The real settings, on a development machine (see consortium/settings.py).

pytest-django loads settings before any conftest.py, so the test environment's one
default is set here. Anything else comes from the environment, as in production.
"""

import os

os.environ.setdefault("DEPLOYMENT_ENV", "dev")

from consortium.settings import *  # noqa: E402,F403
