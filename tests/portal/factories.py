"""Records the portal tests set up again and again: an open period and the MINERS setting.

(The records a run reads, closed periods with small ranges and complete submissions, are made
with fake_miners.make_period and make_submission.)
"""

from django.utils import timezone

from consortium.portal.periods.actions import do_create_period, do_open_period


def open_period(name="2026 H1", kind="semi_annual"):
    """A period of `kind` with its default indicators, opened today (by nobody in particular)."""
    today = timezone.now().date()
    return do_open_period(do_create_period(name, kind, today, today), None)


def miners_setting(*, urls=True, secrets=("", "", ""), public_keys=("", "", "")) -> list[dict]:
    """The MINERS setting for three test miners at https://miner<i>.example (urls=False: no URL,
    so nothing ever calls them and health says "not configured")."""
    return [{"url": f"https://miner{i}.example" if urls else "", "secret": secret, "public_key": key}
            for i, (secret, key) in enumerate(zip(secrets, public_keys, strict=True))]
