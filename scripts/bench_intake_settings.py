"""scripts/bench_intake.py --pool: the real settings, plus a psycopg connection pool for PostgreSQL
(Django's OPTIONS["pool"], needs psycopg_pool). Not a deployment setting yet: docs/performance.md,
"Share intake"."""

from consortium.settings import *  # noqa: F403
from consortium.settings import DATABASES

DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {"min_size": 4, "max_size": 16, "timeout": 10}
