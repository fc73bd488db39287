"""The whole system as separate processes: a real portal and three real miners (uvicorn + Celery worker
each) on 127.0.0.1, with PostgreSQL (a database each) and Redis (a database number each) from
scripts/with-services.sh, which `make test` runs these tests under. Without those services the tests
are skipped on a developer's machine and fail under CI=true.
"""

import os

import pytest

from consortium.localrun.processes import Services

DEMO_PASSWORD = "demo-password-for-tests"  # noqa: S105 - throwaway accounts of a throwaway portal


@pytest.fixture(scope="session")
def services() -> Services:
    found = Services.from_environment()
    if found is None:
        message = "PostgreSQL and Redis are not running: run these tests under scripts/with-services.sh"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return found
