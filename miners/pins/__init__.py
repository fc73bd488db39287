"""The peers' identity keys this miner accepts, pinned in its database: `add_peer` pins a key after a
fingerprint check, a rotation signed by the pinned key replaces it (the old one accepted for
MINER_KEY_GRACE_SECONDS more). MINER_PEER_<j>_* settings are the first pin; a stored pin takes precedence.
Also the rotations this miner made itself, until each peer and the portal has received them."""
