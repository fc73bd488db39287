"""`manage.py make_test_certificates --out DIR --hosts portal,miner0,...`: a private CA and a certificate
per host, for a local test consortium (consortium/ops/certificates.py)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from consortium.ops.certificates import CA_NAME, DEFAULT_EXTRA_NAMES, make_test_certificates, parse_hosts


class Command(BaseCommand):
    requires_system_checks = []  # needs no database nor a finished configuration: it comes first
    help = ("Make a private CA (DIR/ca.crt, ca.key) and a TLS certificate and key for each host "
            "(DIR/<host>.crt, <host>.key; keys mode 0600), for a consortium rehearsed on one machine; never "
            "for production, where each host has a certificate from a public CA. 'miner0+miner0-worker' puts "
            "two names on one certificate. Refuses to replace existing files without --force.")

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, help="the directory to write into (created if missing)")
        parser.add_argument("--hosts", required=True,
                            help="comma-separated host names, e.g. portal,miner0+miner0-worker,miner1,...")
        parser.add_argument("--extra-names", default=",".join(DEFAULT_EXTRA_NAMES),
                            help="names every certificate also holds (default: %(default)s, how the docker "
                                 "host reaches the published ports); empty for none")
        parser.add_argument("--force", action="store_true", help="replace existing files")
        parser.add_argument("--keep-existing", action="store_true",
                            help="if DIR/ca.crt exists, change nothing and succeed (a compose one-shot "
                                 "that runs at every start)")

    def handle(self, *args, out, hosts, extra_names, force, keep_existing, **options):
        out = Path(out)
        if keep_existing and (out / f"{CA_NAME}.crt").exists():
            self.stdout.write(f"kept the existing CA and certificates in {out}")
            return
        try:
            extra = tuple(n.strip() for n in extra_names.split(",") if n.strip())
            parsed = parse_hosts(hosts, extra)
            written = make_test_certificates(out, parsed, force=force)
        except ValueError as exc:
            raise CommandError(f"--hosts: {exc}") from None
        except FileExistsError as exc:
            raise CommandError(f"{exc} exists already: nothing was written (--force replaces the CA and "
                               "every certificate)") from None
        except OSError as exc:
            raise CommandError(f"cannot write into {out}: {exc.strerror}") from None
        for path in written:
            self.stdout.write(f"wrote {path}")
        self.stdout.write(f"trust {out / f'{CA_NAME}.crt'} (SSL_CERT_FILE, MINER_PEER_CA_FILE, your browser) "
                          "for this test consortium only")
