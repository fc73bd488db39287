"""`manage.py create_identity PATH`: a new Ed25519 identity key for this miner, written to PATH (0600)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from consortium.contract import keys
from miners.identity.keys import write_new_key


class Command(BaseCommand):
    # no list of the unfinished set-up's warnings first: it is how a miner gets the key those checks ask for
    requires_system_checks = []
    help = ("Create this miner's Ed25519 identity key in a new file (mode 0600) and print its public key "
            "and fingerprint. Then set MINER_IDENTITY_KEY_FILE to the file, give the public key to the "
            "portal (MINER_<i>_PUBLIC_KEY) and to the two other miners (MINER_PEER_<i>_PUBLIC_KEY), and "
            "read the fingerprint to their operators over the phone.")

    def add_arguments(self, parser):
        parser.add_argument("path", help="the key file to create; an existing file is never overwritten")

    def handle(self, *args, path, **options):
        try:
            key = write_new_key(Path(path))
        except FileExistsError:
            raise CommandError(f"{path} exists already: a miner's identity is not replaced by accident "
                               "(move the old file away first, and tell the portal and the peers)") from None
        except OSError as exc:
            raise CommandError(f"cannot create {path}: {exc.strerror}") from None
        public = keys.encode_public_key(key)
        self.stdout.write(f"public key:  {public}")
        self.stdout.write(f"fingerprint: {keys.fingerprint(public)}")
        self.stdout.write(f"set MINER_IDENTITY_KEY_FILE={path}")
