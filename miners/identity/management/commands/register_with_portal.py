"""`manage.py register_with_portal`: tell the portal this miner's URL and public key, with its miner
credentials; the portal's staff see the registration (and its fingerprint) in admin and approve it."""

import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from consortium.contract import keys
from miners.identity.calls import CallFailed, call
from miners.identity.keys import NoIdentity, own_public_key


class Command(BaseCommand):
    requires_system_checks = []
    help = ("Register this miner (its index, MINER_URL and public key) with the portal at PORTAL_URL, "
            "authenticated by PORTAL_SECRET; the portal's staff then approve it in admin.")

    def handle(self, *args, **options):
        index = settings.MINER_INDEX
        for name in ("PORTAL_URL", "PORTAL_SECRET", "MINER_URL"):
            if not getattr(settings, name):
                raise CommandError(f"{name} is not set (see the env file `init_miner` wrote)")
        try:
            public = own_public_key()
        except NoIdentity as exc:
            raise CommandError(str(exc)) from None
        try:
            answer = call("POST", settings.PORTAL_URL + "/api/miner/identity/registration",
                          {"url": settings.MINER_URL, "public_key": public}, as_miner=True)
        except CallFailed as exc:
            where = (f"the file {os.environ['PORTAL_SECRET_FILE']} (PORTAL_SECRET_FILE)"
                     if os.environ.get("PORTAL_SECRET_FILE") else "PORTAL_SECRET")
            hint = (f" (the portal does not accept this miner's secret: correct {where} with what the "
                    "portal's staff gave you, then run this again)"
                    if str(exc).startswith(("HTTP 401", "HTTP 403")) else "")
            raise CommandError(f"the portal at {settings.PORTAL_URL} refused or did not answer: "
                               f"{exc}{hint}") from None
        fingerprint = keys.fingerprint(public)
        state = answer.get("status")
        self.stdout.write(f"Registered miner {index + 1} (index {index}, {settings.MINER_URL}) with "
                          f"the portal at "
                          f"{settings.PORTAL_URL}: {state}.\n  fingerprint: {fingerprint}")
        if state == "approved":
            self.stdout.write("The portal already has this key pinned: nothing more to do there.")
        else:
            self.stdout.write("Next: ask the portal's staff to approve it in admin (Miner "
                              "registrations), after "
                              "comparing the fingerprint above with the one you read out to them.")
