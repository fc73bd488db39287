"""Retention: a period's shares are deleted at the three miners SHARE_RETENTION_DAYS after its report was
published (or sooner, when staff ask), each miner's signed deletion receipt verified, kept, audited and
shown on the period's status page. docs/api.md section 6 is the miners' side."""
