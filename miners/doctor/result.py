"""One check's result: its name, a state and, unless all is well, one line: what is wrong, what to do."""

from dataclasses import asdict, dataclass

OK, WARNING, PROBLEM, SKIPPED = "ok", "warning", "problem", "skipped"
STATES = (OK, WARNING, PROBLEM, SKIPPED)


@dataclass(frozen=True)
class Result:
    check: str  # what was checked, for people: "database", "peer miner 2 (index 1)"
    state: str
    line: str  # OK: what was seen; otherwise what is wrong, then ": " and what to do

    def as_dict(self) -> dict:
        return asdict(self)


def ok(check: str, line: str) -> Result:
    return Result(check, OK, line)


def warning(check: str, line: str) -> Result:
    return Result(check, WARNING, line)


def problem(check: str, line: str) -> Result:
    return Result(check, PROBLEM, line)


def skipped(check: str, line: str) -> Result:
    return Result(check, SKIPPED, line)
