"""`manage.py rotate_identity`: a new identity key, announced to both peers and the portal in a statement
signed by the old key (docs/api.md section 7); `--resend` delivers the last one again to whoever missed it."""

from datetime import timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from consortium.contract import keys
from consortium.contract.rotation import sign_rotation
from miners.identity.keys import NoIdentity, install_new_key, signing_key
from miners.identity.rotation import deliver, own_rotation_from, targets
from miners.pins.models import OwnRotation


class Command(BaseCommand):
    requires_system_checks = []
    help = ("Replace this miner's identity key: a new key in MINER_IDENTITY_KEY_FILE (the old one kept "
            "beside it as .previous), announced to the two peers and the portal, signed by the old key. "
            "They accept it without a new fingerprint comparison, and the old key "
            "MINER_KEY_GRACE_SECONDS more.")

    def add_arguments(self, parser):
        parser.add_argument("--resend", action="store_true",
                            help="deliver the last rotation again to the peers or portal that did not get it")

    def handle(self, *args, resend, **options):
        if resend:
            row = OwnRotation.objects.first()
            if row is None:
                raise CommandError("this miner has made no rotation to resend")
        else:
            row = self._rotate()
        failed = self._deliver(row)
        if failed:
            raise CommandError(f"{len(failed)} of 3 did not get the rotation ({', '.join(failed)}): until "
                               "they do, they refuse this miner's new key. When they are back: "
                               "manage.py rotate_identity --resend (a run also tries it first)")
        self.stdout.write("Both peers and the portal accept the new key. Nothing else to do.")

    def _rotate(self) -> OwnRotation:
        path = settings.MINER_IDENTITY_KEY_PATH
        if not path:
            raise CommandError("rotation needs the key in a file: set MINER_IDENTITY_KEY_FILE (not "
                               "MINER_IDENTITY_KEY), as `init_miner` / `create_identity` write it")
        last = OwnRotation.objects.first()
        if last is not None and set(targets()) - set(last.delivered_to):
            # the next statement starts from the new key, which whoever missed this one does not know
            raise CommandError("the last rotation has not reached everyone yet: "
                               "manage.py rotate_identity --resend first")
        try:
            old = signing_key()
        except NoIdentity as exc:
            raise CommandError(str(exc)) from None
        new = Ed25519PrivateKey.generate()
        rotation = sign_rotation(settings.MINER_INDEX, old, new, timezone.now())
        # the statement first: a key installed without it could never be announced
        row = own_rotation_from(rotation)
        try:
            previous = install_new_key(Path(path), new)
        except OSError as exc:
            row.delete()
            raise CommandError(f"cannot replace {path}: {exc.strerror}; the key is unchanged") from None
        until = timezone.now() + timedelta(seconds=settings.MINER_KEY_GRACE_SECONDS)
        self.stdout.write(
            f"New identity key installed in {path} (the old one kept in {previous}).\n"
            f"  old fingerprint: {keys.fingerprint(rotation.old_public_key)}\n"
            f"  new fingerprint: {keys.fingerprint(rotation.new_public_key)}\n"
            f"The rotation is signed by the old key; the peers and the portal accept the old key until "
            f"{until:%Y-%m-%d %H:%M} UTC. Delete {previous} after that.")
        return row

    def _deliver(self, row: OwnRotation) -> list[str]:
        failed = []
        for who, outcome in deliver(row).items():
            self.stdout.write(f"  {who}: {outcome}")
            if outcome not in ("accepted", "already applied", "delivered before"):
                failed.append(who)
        return failed
