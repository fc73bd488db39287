"""docs/deployment.md, "Joining a consortium in five commands", followed literally: its code blocks run as
written (bash, from the project's root) to join a third miner to a portal and two miners that run, with
this test's values in the document's first block only. Then an analysis runs with the new miner, equal
to the plaintext; and the whole walk-through, commands and reading, takes less than 15 minutes."""

import json
import os
import re
import subprocess
import time
from pathlib import Path

import pytest

from consortium.contract import keys
from consortium.localrun.processes import Cluster

from .test_whole_system import analyse_one_period

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "deployment.md"
HEADING = "## Joining a consortium in five commands"
SETTINGS_NAMES = {"CONF", "INDEX", "ME", "PORT", "PORTAL", "PEER_A", "PEER_A_FP", "PEER_B", "PEER_B_FP"}
READING_WORDS_PER_MINUTE = 200  # a careful reader of a technical text
LIMIT_SECONDS = 15 * 60
COMMAND_SECONDS = 300
COMPANIES = 5
ASSIGNMENT = r"(?:^|\s)([A-Z_][A-Z0-9_]*)=('[^']*'|\"[^\"]*\"|\S+)"


def section() -> str:
    text = DOC.read_text(encoding="utf-8")
    start = text.index(HEADING)
    end = text.find("\n## ", start + len(HEADING))
    return text[start:end if end >= 0 else len(text)]


def sh_blocks(text: str) -> list[str]:
    return re.findall(r"^```sh\n(.*?)^```", text, flags=re.S | re.M)


def commands(block: str) -> list[str]:
    """The block's commands: its lines without comments and blank lines, `\\` continuations joined."""
    joined = re.sub(r"\\\n\s*", " ", block)
    return [line for line in joined.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def assigned_names(block: str) -> set[str]:
    names = set()
    for line in commands(block):
        code = re.sub(r"\s+#.*$", "", line)
        found = re.findall(ASSIGNMENT, code)
        left = re.sub(ASSIGNMENT, "", code).strip()
        assert found and not left, f"the document's first block is not only assignments: {line!r}"
        names |= {name for name, _ in found}
    return names


def shell_settings(values: dict[str, str]) -> str:
    return "".join(f"{name}={_quote(value)}\n" for name, value in values.items())


def _quote(value: str) -> str:
    return "'" + value.replace("'", "'\\''") + "'"


def base_env() -> dict[str, str]:
    """A host's shell: none of the project's settings."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("MINER_", "PORTAL_", "DATABASE_URL", "REDIS_URL", "CELERY_", "DJANGO_",
                                "SECRET_KEY", "DEPLOYMENT_", "ALLOWED_HOSTS"))}
    env["PYTHONUNBUFFERED"] = "1"
    return env


def run_block(settings_text: str, block: str, *, stdin: str = "", env=None) -> subprocess.CompletedProcess:
    script = "set -euo pipefail\n" + settings_text + block
    return subprocess.run(["bash", "-c", script], cwd=ROOT, env=env or base_env(), input=stdin,
                          capture_output=True, text=True, timeout=COMMAND_SECONDS, check=False)


def identity(url: str) -> dict:
    import urllib.request

    with urllib.request.urlopen(url + "/api/identity", timeout=5) as response:  # noqa: S310 - loopback
        return json.loads(response.read())


def env_file(directory: Path, env: dict[str, str]) -> Path:
    """A running miner's settings as the env file its host's commands read (`--env-file`)."""
    directory.mkdir(parents=True, exist_ok=True)
    shell = base_env()
    path = directory / "miner.env"
    path.write_text("".join(f"{k}={v}\n" for k, v in env.items() if k not in shell))
    return path


@pytest.fixture
def two_running(tmp_path):
    """A portal that knows Miner 3's URL and secret (not its key), and miners 1 and 2 that know nothing of
    it: the two running miners a third joins."""
    cluster = Cluster(tmp_path / "cluster")
    cluster.portal.env.pop("MINER_2_PUBLIC_KEY")
    for miner in cluster.miners[:2]:
        for name in ("MINER_PEER_2_URL", "MINER_PEER_2_PUBLIC_KEY"):
            miner.env.pop(name)
    running = [cluster.portal, *cluster.miners[:2]]
    try:
        for party in running:
            cluster.manage(party, "migrate", "--noinput")
            cluster.start_party(party)
        cluster.wait_until_up(running)
        yield cluster
    finally:
        cluster.stop()


def test_the_document_joins_a_third_miner_in_five_commands_and_an_analysis_runs(two_running, tmp_path):
    cluster = two_running
    text = section()
    blocks = sh_blocks(text)
    assert len(blocks) == 7, "the section's sh blocks: the values, five commands, the other hosts' command"
    values_block, own, others = blocks[0], blocks[1:6], blocks[6]
    assert assigned_names(values_block) == SETTINGS_NAMES
    assert [len(commands(b)) for b in own] == [1, 1, 1, 1, 1]  # five commands on the new host

    new = cluster.miners[2]
    conf = tmp_path / "miner3-conf"
    peers = [identity(m.url) for m in cluster.miners[:2]]
    values = {"CONF": str(conf), "INDEX": "2", "ME": new.url, "PORT": str(new.port),
              "PORTAL": cluster.portal.url, "PEER_A": cluster.miners[0].url,
              "PEER_A_FP": peers[0]["fingerprint"], "PEER_B": cluster.miners[1].url,
              "PEER_B_FP": peers[1]["fingerprint"]}
    # a test machine (plain http on loopback, SQLite, no Redis): the line the document's first block has
    ours = shell_settings(values) + "export DEPLOYMENT_ENV=dev\n"
    assert "# export DEPLOYMENT_ENV=dev" in values_block
    began = time.monotonic()

    # 1. identity and settings; the portal secret the staff gave, typed at the prompt
    done = run_block(ours, own[0], stdin=cluster.secrets[2] + "\n")
    assert done.returncode == 0, done.stderr
    fingerprint = re.search(r"fingerprint: ([0-9A-F ]{39})", done.stdout).group(1)
    assert cluster.secrets[2] not in done.stdout + done.stderr
    # 2. both peers pinned
    done = run_block(ours, own[1])
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("Pinned miner") == 2 and "Both peers are pinned" in done.stdout
    # 3. registered: pending until the staff approve
    done = run_block(ours, own[2])
    assert done.returncode == 0, done.stderr
    assert "pending" in done.stdout and fingerprint in done.stdout
    # 4. started (a service: in the background here), until it answers
    log = open(tmp_path / "miner3.log", "ab")  # noqa: SIM115 - the process keeps it until stopped
    new.processes = [subprocess.Popen(["bash", "-c", "set -euo pipefail\n" + ours + own[3]], cwd=ROOT,
                                      env=base_env(), stdout=log, stderr=subprocess.STDOUT,
                                      start_new_session=True)]
    cluster.wait_until_up([new])
    # meanwhile: the staff approve in admin (its action's code), the two other hosts pin the new miner
    approved = cluster.manage(cluster.portal, "shell", "-c",
                              "from consortium.portal.minerlink import actions; "
                              "from consortium.portal.minerlink.models import MinerRegistration as R; "
                              "r = R.objects.get(index=2, state='pending'); "
                              "print(r.fingerprint, actions.approve(r, None))")
    assert approved.split()[-1] == "True" and fingerprint in approved
    for i, miner in enumerate(cluster.miners[:2]):
        their_conf = env_file(tmp_path / f"miner{i}-conf", miner.env)
        theirs = shell_settings({"CONF": str(their_conf.parent), "NEW": new.url, "NEW_FP": fingerprint})
        done = run_block(theirs, others)
        assert done.returncode == 0, done.stderr
        assert "Pinned miner 3 (index 2)" in done.stdout
    # 5. the doctor: every check passes
    done = run_block(ours, own[4])
    assert done.returncode == 0, done.stdout + done.stderr
    assert "All checks pass." in done.stdout, done.stdout
    took = time.monotonic() - began

    words = len(re.findall(r"\w+", text))
    reading = 60 * words / READING_WORDS_PER_MINUTE
    print(f"\njoining: {took:.1f} s of commands (and the staff's and the other hosts' steps), {words} words "
          f"read in about {reading / 60:.1f} min")
    assert took + reading < LIMIT_SECONDS

    # an analysis with the new miner: its shares, its peer channel, equal to the plaintext
    assert analyse_one_period(cluster, COMPANIES, seed=9,
                              logs=lambda: (tmp_path / "miner3.log").read_text()[-3000:]) == []
    assert keys.fingerprint(identity(new.url)["public_key"]) == fingerprint
