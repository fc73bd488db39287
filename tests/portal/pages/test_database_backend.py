"""The portal's tests run on SQLite by default and on PostgreSQL when DATABASE_URL names one.

`make test` runs tests/portal a second time inside scripts/with-services.sh, which starts a
throwaway PostgreSQL and exports DATABASE_URL, with CONSORTIUM_EXPECT_POSTGRES=1: this test
proves that run really used PostgreSQL and did not fall back to SQLite.
"""

import os

import pytest
from django.db import connection


@pytest.mark.django_db
def test_the_database_is_the_one_the_environment_names():
    url = os.environ.get("DATABASE_URL", "")
    wants_postgres = url.startswith(("postgres://", "postgresql://"))
    if os.environ.get("CONSORTIUM_EXPECT_POSTGRES") == "1":
        assert wants_postgres, "the PostgreSQL run lost its DATABASE_URL"
    assert connection.vendor == ("postgresql" if wants_postgres else "sqlite")
    with connection.cursor() as cursor:
        cursor.execute("select 1")
        assert cursor.fetchone()[0] == 1
