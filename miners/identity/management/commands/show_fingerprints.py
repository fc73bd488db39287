"""`manage.py show_fingerprints`: this miner's key and its peers' as pinned (or configured), to compare by
phone."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from consortium.contract import keys
from miners.identity.keys import NoIdentity, own_public_key
from miners.pins.store import peers_or_settings


class Command(BaseCommand):
    # no list of the unfinished set-up's warnings first: it reports on the keys itself
    requires_system_checks = []
    help = ("Print the fingerprints of this miner's identity key and of the keys it accepts from its two "
            "peers (pinned by add_peer or a rotation, else configured).")

    def handle(self, *args, **options):
        """Everything it can show, then exit status 1 when a key is missing or unusable (for scripts)."""
        index = settings.MINER_INDEX
        problems = 0
        try:
            public = own_public_key()
            fingerprint = keys.fingerprint(public)
            self.stdout.write(f"Miner {index + 1} (index {index}, this one): {fingerprint}  {public}")
        except NoIdentity as exc:
            self.stdout.write(f"Miner {index + 1} (index {index}, this one): no key ({exc})")
            problems += 1
        for j, peer in peers_or_settings().items():
            encoded = peer.public_key
            problem = keys.ed25519_key_problem(encoded) if encoded else "is not set"
            if problem:
                self.stdout.write(f"Miner {j + 1} (index {j}, peer): {peer.key_source()} {problem}")
                problems += 1
                continue
            self.stdout.write(f"Miner {j + 1} (index {j}, peer): {keys.fingerprint(encoded)}  {encoded}"
                              + ("  (pinned)" if peer.pinned else ""))
            if peer.previous_key and peer.accepted_keys()[1:]:
                until = f"{peer.previous_until:%Y-%m-%d %H:%M} UTC"
                self.stdout.write(f"    its previous key, accepted until {until}: "
                                  f"{keys.fingerprint(peer.previous_key)}")
        if problems:
            raise CommandError(f"{problems} key(s) missing or unusable: see above")
