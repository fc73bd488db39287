"""This miner's Ed25519 identity key (signs receipts and output shares), its fingerprint, and the peers'
keys as configured; `manage.py create_identity` and `show_fingerprints`."""
