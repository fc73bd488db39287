"""Every check, the network ones in parallel, and the report as people and programs read it."""

from concurrent.futures import ThreadPoolExecutor

from django.db import connections

from . import local, remote, served_tls, services
from .result import OK, PROBLEM, SKIPPED, WARNING, Result, problem

LOCAL = (local.configuration, local.database, local.disk, local.certificate)
NETWORK = (services.broker, services.worker, remote.portal, served_tls.certificates)


def _in_thread(check):
    """A check run on a pool thread: its own database connection, closed when it is done."""
    try:
        result = check()
    except Exception as exc:  # noqa: BLE001 - a broken check is reported, never a traceback with values
        name = getattr(check, "__name__", "check")
        result = problem(name, f"the check itself failed ({type(exc).__name__}): report this to the project")
    finally:
        connections.close_all()
    return result if isinstance(result, list) else [result]


def run_all() -> list[Result]:
    with ThreadPoolExecutor(max_workers=len(NETWORK) + 1) as pool:
        waiting = [pool.submit(_in_thread, check) for check in (*NETWORK, remote.peers)]
        results = [check() for check in LOCAL]
        for future in waiting:
            results.extend(future.result())
    return results


def summary(results: list[Result]) -> dict:
    counts = {state: sum(r.state == state for r in results) for state in (OK, WARNING, PROBLEM, SKIPPED)}
    return {"status": PROBLEM if counts[PROBLEM] else WARNING if counts[WARNING] else OK, "counts": counts}


def as_json(results: list[Result]) -> dict:
    return {**summary(results), "checks": [r.as_dict() for r in results]}


LABELS = {OK: "OK     ", WARNING: "WARN   ", PROBLEM: "PROBLEM", SKIPPED: "SKIP   "}


def as_text(results: list[Result]) -> str:
    lines = [f"{LABELS[r.state]} {r.check}: {r.line}" for r in results]
    counts = summary(results)["counts"]
    if counts[PROBLEM]:
        tail = f"{counts[PROBLEM]} problem(s), {counts[WARNING]} warning(s): fix the PROBLEM lines first."
    elif counts[WARNING]:
        tail = f"No problem; {counts[WARNING]} warning(s)."
    else:
        tail = "All checks pass."
    return "\n".join([*lines, "", tail])
