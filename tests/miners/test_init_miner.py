"""A new miner host's first command (`python -m miners.identity.skeleton`, `manage.py init_miner`): its
identity key and a Django secret key (0600), an env file with every variable a miner needs (TODO where the
host must fill), the fingerprint to read out, and what to do next; it never replaces an identity."""

import os
import subprocess
import sys

from consortium.contract import keys
from miners.identity.keys import parse_private_key
from tests.project.test_layering import ROOT

SECRET = "s" * 40  # noqa: S105 - a test value


def init(tmp_path, *extra, stdin=""):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DEPLOYMENT_", "SECRET_KEY", "MINER_"))}
    return subprocess.run([sys.executable, "-m", "miners.identity.skeleton", "--index", "2", "--url",
                           "https://miner2.example.org", "--portal-url", "https://portal.example.org",
                           "--dir", str(tmp_path / "etc"), *extra], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60, input=stdin)


def test_it_works_from_nothing_and_writes_what_a_miner_needs(tmp_path):
    done = init(tmp_path)  # no settings at all: before it, a host has none
    assert done.returncode == 0, done.stderr
    etc = tmp_path / "etc"
    key = parse_private_key((etc / "identity.key").read_text())
    fingerprint = keys.fingerprint(keys.encode_public_key(key))
    assert fingerprint in done.stdout and "add_peer" in done.stdout and "register_with_portal" in done.stdout
    for name in ("identity.key", "django_secret_key", "miner.env"):
        assert (etc / name).stat().st_mode & 0o777 == 0o600
    env = (etc / "miner.env").read_text()
    for line in ("DEPLOYMENT_MODE=miner", "MINER_INDEX=2", "MINER_URL=https://miner2.example.org",
                 "PORTAL_URL=https://portal.example.org", f"MINER_IDENTITY_KEY_FILE={etc / 'identity.key'}",
                 f"SECRET_KEY_FILE={etc / 'django_secret_key'}", "ALLOWED_HOSTS=miner2.example.org"):
        assert line in env.splitlines(), line
    assert "# TODO" in env and "PORTAL_SECRET_FILE=" in env


def test_it_never_replaces_an_identity(tmp_path):
    assert init(tmp_path).returncode == 0
    before = (tmp_path / "etc" / "identity.key").read_text()
    again = init(tmp_path)
    assert again.returncode == 1 and "exists already" in again.stderr and "rotate_identity" in again.stderr
    assert (tmp_path / "etc" / "identity.key").read_text() == before


def test_the_portal_secret_read_from_standard_input_is_kept_0600_and_never_printed(tmp_path):
    done = init(tmp_path, stdin=SECRET + "\n")
    assert done.returncode == 0, done.stderr
    etc = tmp_path / "etc"
    assert (etc / "portal_secret").read_text().strip() == SECRET
    assert (etc / "portal_secret").stat().st_mode & 0o777 == 0o600
    assert SECRET not in done.stdout + done.stderr
    env = (etc / "miner.env").read_text()
    assert f"PORTAL_SECRET_FILE={etc / 'portal_secret'}" in env.splitlines() and "portal secret" not in env
    assert f"manage.py --env-file {etc / 'miner.env'} add_peer" in done.stdout


def test_a_short_portal_secret_is_refused_and_nothing_is_written(tmp_path):
    done = init(tmp_path, stdin="too-short\n")
    assert done.returncode == 1 and "at least 32" in done.stderr and "too-short" not in done.stderr
    assert not (tmp_path / "etc" / "identity.key").exists()


def test_manage_py_reads_the_env_file_it_is_given(tmp_path):
    assert init(tmp_path, stdin=SECRET + "\n").returncode == 0
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DEPLOYMENT_", "SECRET_KEY", "MINER_",
                                                                     "PORTAL_", "DATABASE_URL"))}
    env["DEPLOYMENT_ENV"] = "dev"
    done = subprocess.run([sys.executable, "manage.py", "--env-file", str(tmp_path / "etc" / "miner.env"),
                           "shell", "-c", "from django.conf import settings as s; "
                           "print(s.DEPLOYMENT_MODE, s.MINER_INDEX, s.PORTAL_URL)"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-3:] == ["miner", "2", "https://portal.example.org"]


def test_manage_py_says_which_variables_of_the_environment_override_the_env_file(tmp_path):
    env_file = tmp_path / "miner.env"
    env_file.write_text("MINER_INDEX=2\nPORTAL_SECRET=the-files-secret-value-" + "x" * 20 + "\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MINER_", "PORTAL_"))}
    env.update({"DEPLOYMENT_ENV": "dev", "MINER_INDEX": "0"})  # left over from another shell
    done = subprocess.run([sys.executable, "manage.py", "--env-file", str(env_file), "shell", "-c",
                           "import os; print(os.environ['MINER_INDEX'])"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-1] == "0"  # the environment wins, as with uvicorn's and compose's
    assert "MINER_INDEX overrides" in done.stderr and "the-files-secret" not in done.stderr
    assert "PORTAL_SECRET" not in done.stderr  # not in the environment: taken from the file


def test_a_directory_other_users_can_read_is_refused(tmp_path):
    shared = tmp_path / "etc"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    done = init(tmp_path, stdin=SECRET + "\n")
    assert done.returncode == 1 and "chmod 700" in done.stderr
    assert not (shared / "identity.key").exists()
