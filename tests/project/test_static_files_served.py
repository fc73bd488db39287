"""The portal serves its own styles and scripts (WhiteNoise) however it is run: the README's uvicorn
command on a development machine (no collectstatic), and the Docker image's way in production
(collectstatic at build time, then uvicorn as docker/entrypoint.sh starts it). Each starts a real
process on 127.0.0.1 at a free port, always stopped at the end."""

import hashlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from tests.project.test_deploy_check import production_env

ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 60


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url):
    """(status, content type, body) of a GET, errors included."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (http on loopback)
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read()


@contextmanager
def serving(command, env, port):
    """The process, once it answers on `port` (waits for that, never for a fixed time)."""
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               start_new_session=True)
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            assert process.poll() is None, process.stdout.read().decode(errors="replace")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        process.stdout.close()


def migrate(env):
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env, check=True,
                   capture_output=True, timeout=120)


def assert_login_page_has_its_assets(base):
    status, content_type, body = get(base + "/login/")
    assert status == 200 and content_type.startswith("text/html")
    html = body.decode()
    styles = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert styles and scripts, html
    for path, expected_type, marker in [(p, "text/css", b"{") for p in styles] + [
            (p, "text/javascript", b"use strict") for p in scripts]:
        status, content_type, body = get(base + path)
        assert status == 200, path
        assert content_type.startswith(expected_type), (path, content_type)
        assert marker in body, path
    return styles, scripts


def assert_explanation_names_the_served_library(base) -> str:
    """The explanation page's sharing library address and SHA-256 are those of the bytes served there."""
    status, _type, body = get(base + "/how-it-works/")
    assert status == 200
    html = body.decode()
    url = re.search(r'<a href="([^"]+/js/sharing[^"]*\.js)">', html).group(1)
    sha256 = re.search(r'<code id="sharing-library-sha256">([0-9a-f]{64})</code>', html).group(1)
    status, _type, library = get(url)
    assert status == 200 and url.startswith(base)
    assert hashlib.sha256(library).hexdigest() == sha256
    return url


def test_it_serves_styles_and_scripts_with_the_readmes_uvicorn_command(tmp_path):
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "DEPLOYMENT_ENV": "dev",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'portal.sqlite3'}", "STATIC_ROOT": str(tmp_path / "none")}
    migrate(env)
    port = free_port()
    # As in the README, with the address and port the test needs.
    command = [sys.executable, "-m", "uvicorn", "consortium.asgi:application",
               "--host", "127.0.0.1", "--port", str(port)]
    with serving(command, env, port) as base:
        styles, scripts = assert_login_page_has_its_assets(base)
        assert assert_explanation_names_the_served_library(base) == base + "/static/js/sharing.js"
    assert styles == ["/static/css/portal.css"] and "/static/js/base.js" in scripts
    assert not (tmp_path / "none").exists()  # nothing was collected: served from static/ itself


def test_it_serves_hashed_collected_files_in_production_as_the_docker_image_does(tmp_path):
    env = production_env(tmp_path, ALLOWED_HOSTS="127.0.0.1", SECURE_SSL_REDIRECT="false",
                         STATIC_ROOT=str(tmp_path / "staticfiles"))
    # docker/Dockerfile's build step, then docker/entrypoint.sh's migrate and uvicorn.
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
                   cwd=ROOT, env=env, check=True, capture_output=True, timeout=120)
    migrate(env)
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "consortium.asgi:application",
               "--host", "127.0.0.1", "--port", str(port), "--proxy-headers", "--no-server-header"]
    with serving(command, env, port) as base:
        styles, _scripts = assert_login_page_has_its_assets(base)
        assert re.fullmatch(r"/static/css/portal\.[0-9a-f]{12}\.css", styles[0]), styles
        library = assert_explanation_names_the_served_library(base)
        assert re.fullmatch(re.escape(base) + r"/static/js/sharing\.[0-9a-f]{12}\.js", library), library
        request = urllib.request.Request(base + styles[0], headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            assert response.headers["Content-Encoding"] == "gzip"
            assert "immutable" in response.headers["Cache-Control"]


def test_every_page_names_an_icon_that_exists(client, db):
    """Without one, every page's load logs a 404 for /favicon.ico (the browser console shows an error)."""
    from django.conf import settings

    page = client.get("/login/").content.decode()
    assert 'rel="icon" href="/static/img/favicon.svg"' in page
    assert (settings.BASE_DIR / "static" / "img" / "favicon.svg").read_text().startswith("<svg")
