"""`manage.py init_miner`: the same as `python -m miners.identity.skeleton` (which needs no settings)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from miners.identity import skeleton


class Command(BaseCommand):
    requires_system_checks = []  # it is how a host gets what those checks ask for
    help = ("Create a new miner host's identity key, a Django secret key and an env file "
            "(miner.env) with every "
            "variable the miner needs, `# TODO` where the host must fill; print the key's fingerprint.")

    def add_arguments(self, parser):
        parser.add_argument("--index", type=int, required=True, choices=(0, 1, 2))
        parser.add_argument("--url", required=True, help="this miner's base URL, e.g. https://miner2.example.org")
        parser.add_argument("--portal-url", required=True)
        parser.add_argument("--dir", default=".", help="where to write the files (default: here)")
        parser.add_argument("--portal-secret-file", default=None,
                            help="a file holding the portal's secret for this miner (default: asked for)")
        skeleton.add_store_arguments(parser)

    def handle(self, *args, index, url, portal_url, dir, portal_secret_file, database_url, redis_url,
               peer_listen, **options):
        try:
            secret = skeleton.read_portal_secret(portal_secret_file, index)
            created = skeleton.create(Path(dir), index, url, portal_url, secret, database_url=database_url,
                                      redis_url=redis_url, peer_listen=peer_listen)
        except FileExistsError as exc:
            raise CommandError(f"{exc.args[0]} exists already: a miner's identity is not replaced by "
                               f"accident "
                               "(to replace the key of a running miner: manage.py rotate_identity)") from None
        except (ValueError, OSError) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(skeleton.report(created, index))
