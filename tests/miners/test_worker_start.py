"""A miner's real Celery worker that cannot serve its peer endpoint stops at once with the reason, instead
of taking runs it could never compute (Celery only logs a failing worker_init handler)."""

import os
import socket
import subprocess
import sys

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from consortium.contract.keys import encode_public_key
from miners.identity.keys import encode_private_key
from tests.project.test_layering import ROOT


def test_a_worker_whose_peer_port_is_taken_exits_saying_why(tmp_path):
    keys = [Ed25519PrivateKey.generate() for _ in range(3)]
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MINER_", "PORTAL_", "DATABASE", "REDIS",
                                                                    "CELERY", "DJANGO"))}
    env.update(DEPLOYMENT_ENV="dev", DEPLOYMENT_MODE="miner", MINER_INDEX="0",
               DATABASE_URL=f"sqlite:///{tmp_path / 'miner0.sqlite3'}",
               CELERY_BROKER_URL="redis://127.0.0.1:1/0", CELERY_TASK_ALWAYS_EAGER="false",
               MINER_IDENTITY_KEY=encode_private_key(keys[0]),
               MINER_PEER_LISTEN=f"127.0.0.1:{taken.getsockname()[1]}",
               **{f"MINER_PEER_{j}_URL": f"http://127.0.0.1:{9000 + j}" for j in (1, 2)},
               **{f"MINER_PEER_{j}_PUBLIC_KEY": encode_public_key(keys[j]) for j in (1, 2)})
    try:
        done = subprocess.run([sys.executable, "-m", "celery", "-A", "consortium", "worker", "--pool", "solo",
                               "--loglevel", "WARNING"], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=60)
    finally:
        taken.close()
    assert done.returncode != 0
    assert "cannot serve its peer endpoint" in done.stderr + done.stdout
    assert "Address already in use" in done.stderr + done.stdout
