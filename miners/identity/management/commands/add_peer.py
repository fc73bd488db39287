"""`manage.py add_peer URL FINGERPRINT [URL FINGERPRINT]`: fetch each peer's public key from its
`/api/identity` and pin it only if its fingerprint is the one the peer's host read out (compared in
constant time); with two peers, nothing is pinned unless both match."""

import hmac
import re

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from consortium.contract import keys
from miners.identity.calls import CallFailed, call
from miners.pins.store import peer, pin


def normalised(fingerprint: str) -> str:
    """'3f2a 91c0 ...' or '3F2A91C0...' -> '3F2A91C0...'."""
    return "".join(fingerprint.split()).replace(":", "").replace("-", "").upper()


def ensure_database(stdout) -> None:
    """Apply the migrations not applied yet (a new host's first command that writes to its database)."""
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        call_command("migrate", verbosity=0, interactive=False)
        stdout.write("Prepared this miner's database (applied its migrations).")


def fetch_identity(url: str, fingerprint: str) -> tuple[int, str, str]:
    """(index, public key, its fingerprint) of the miner at `url`, checked against `fingerprint` in constant
    time; CommandError (nothing pinned) otherwise."""
    try:
        answer = call("GET", url + "/api/identity")
    except CallFailed as exc:
        raise CommandError(f"could not fetch the peer's key from {url}/api/identity: {exc}") from None
    index, public = answer.get("miner_index"), answer.get("public_key")
    if not isinstance(public, str) or keys.ed25519_key_problem(public):
        raise CommandError(f"{url}/api/identity did not answer a usable public key: nothing pinned")
    if type(index) is not int or index not in settings.MINER_PEERS:
        raise CommandError(f"{url} answers as miner index {index!r}, which is not a peer of this miner "
                           f"(index {settings.MINER_INDEX}): nothing pinned")
    actual = keys.fingerprint(public)
    if not hmac.compare_digest(normalised(actual).encode(), normalised(fingerprint).encode()):
        raise CommandError(
            f"FINGERPRINT MISMATCH: {url} presents the key with fingerprint\n  {actual}\n"
            f"which is not the one you were given\n  {fingerprint}\n"
            "Nothing was pinned. Check the URL and the fingerprint with the peer's host; if both are "
            "right, someone may be between you and that peer.")
    return index, public, actual


class Command(BaseCommand):
    requires_system_checks = []  # pinning the peers is how a new miner passes those checks
    help = ("Pin peer miners' identity keys: fetch each from <url>/api/identity and keep it only if its "
            "fingerprint equals the one its host gave you out of band (e.g. read out over the phone). "
            "One peer or both: URL FINGERPRINT [URL FINGERPRINT]; nothing is pinned unless every one "
            "matches.")

    def add_arguments(self, parser):
        parser.add_argument("peers", nargs="+", metavar="URL FINGERPRINT",
                            help="a peer's base URL (e.g. https://miner1.example.org) and the fingerprint "
                                 "its host gave you (quoted if it has spaces); then the same for the other "
                                 "peer")
        parser.add_argument("--channel-url", default="",
                            help="(one peer only) the peer channel's URL when not <url>/peer/ws "
                                 "(wss://host:port/peer/ws)")

    def handle(self, *args, peers, channel_url, **options):
        if len(peers) not in (2, 4):
            raise CommandError("give a peer's URL and its fingerprint, or the two peers' URLs and "
                               "fingerprints: URL FINGERPRINT [URL FINGERPRINT]")
        if channel_url and len(peers) != 2:
            raise CommandError("--channel-url names one peer's channel: add that peer alone")
        pairs = [(peers[k].rstrip("/"), peers[k + 1]) for k in range(0, len(peers), 2)]
        for url, fingerprint in pairs:
            if not re.fullmatch(r"[0-9A-F]{32}", normalised(fingerprint)):
                raise CommandError(
                    f"{fingerprint!r} (given for {url}) is not a fingerprint: a fingerprint is eight groups "
                    "of four hex digits, e.g. '3F2A 91C0 5D7E 0B44 C2A9 77E1 1F08 D3B6' (quoted): ask its "
                    "host to read it out again. Nothing was pinned.")
        found = [(url, *fetch_identity(url, fingerprint)) for url, fingerprint in pairs]
        if len(found) == 2 and found[0][1] == found[1][1]:
            raise CommandError(f"both URLs answer as miner index {found[0][1]}: nothing pinned")
        ensure_database(self.stdout)
        for url, index, public, actual in found:
            pin(index, url, public, channel_url)
            self.stdout.write(f"Pinned miner {index + 1} (index {index}) at {url}\n  fingerprint: {actual}")
        self.stdout.write("This miner now accepts each pinned peer only with its key (a rotation signed "
                          "with that key is followed automatically).")
        missing = [j for j in settings.MINER_PEERS if not peer(j).public_key]
        if missing:
            self.stdout.write(f"Next: add the other peer (miner {missing[0] + 1}, index {missing[0]}) "
                              "the same way.")
        else:
            self.stdout.write("Both peers are pinned. A miner that runs uses them from its next run (no "
                              "restart); a new one: register_with_portal next, then run_miner.")
