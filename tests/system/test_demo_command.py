"""`make demo`'s command as a newcomer runs it (smaller): it exits 0, says `plaintext check: OK`, writes
the Excel report, prints the timings, and leaves no process behind."""

import pathlib
import subprocess
import sys

import openpyxl

from consortium.localrun.processes import ROOT


def test_the_demo_runs_a_whole_collection_and_checks_it(tmp_path):
    before = demo_processes()
    done = subprocess.run([sys.executable, "-m", "consortium.localrun", "demo", "--companies", "8",
                           "--out", str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "plaintext check: OK" in done.stdout
    assert "Timings:" in done.stdout and "[6/6]" in done.stdout
    workbook = openpyxl.load_workbook(tmp_path / "report.xlsx")
    assert len(workbook.sheetnames) > 1
    assert demo_processes() == before  # nothing of this demo still running


def demo_processes() -> list[str]:
    """Processes whose settings point into a demo's working directory (consortium-demo-*)."""
    found = []
    for environ in pathlib.Path("/proc").glob("[0-9]*/environ"):
        try:
            if b"consortium-demo-" in environ.read_bytes():
                found.append(environ.parent.name)
        except OSError:  # gone, or not ours to read
            continue
    return found


def test_a_demo_with_too_few_companies_is_refused_with_a_message():
    done = subprocess.run([sys.executable, "-m", "consortium.localrun", "demo", "--companies", "1"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "--companies between 5 and 2000" in done.stderr
