"""Retention: once the period's report is published, the portal asks each miner to delete the period's
shares (`POST /api/periods/<id>/purge`, docs/api.md section 6). The miner deletes every submission of the
period in one transaction and answers a signed deletion receipt; from then on it refuses the period's
shares and runs."""
