"""`manage.py add_peer URL FINGERPRINT`: fetch a peer's public key from its `/api/identity` and pin it only
if its fingerprint is the one the peer's host read out (compared in constant time)."""

import hmac

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


class Command(BaseCommand):
    requires_system_checks = []  # pinning the peers is how a new miner passes those checks
    help = ("Pin a peer miner's identity key: fetch it from <url>/api/identity and keep it only if its "
            "fingerprint equals the one its host gave you out of band (e.g. read out over the phone).")

    def add_arguments(self, parser):
        parser.add_argument("url", help="the peer's base URL, e.g. https://miner1.example.org")
        parser.add_argument("fingerprint", help="the fingerprint its host gave you (spaces optional)")
        parser.add_argument("--channel-url", default="",
                            help="the peer channel's URL when not <url>/peer/ws (wss://host:port/peer/ws)")

    def handle(self, *args, url, fingerprint, channel_url, **options):
        url = url.rstrip("/")
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
        ensure_database(self.stdout)
        pin(index, url, public, channel_url)
        self.stdout.write(f"Pinned miner {index + 1} (index {index}) at {url}\n  fingerprint: {actual}\n"
                          "This miner now accepts that peer only with this key (a rotation signed with "
                          "this key is followed automatically).")
        missing = [j for j in settings.MINER_PEERS if j != index and not peer(j).public_key]
        if missing:
            self.stdout.write(f"Next: add the other peer (miner {missing[0] + 1}, index {missing[0]}) "
                              "the same way.")
        else:
            self.stdout.write("Both peers are pinned. Next: manage.py register_with_portal (if not done "
                              "yet), then start (or restart) the miner's web process and worker.")
