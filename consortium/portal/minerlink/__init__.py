"""The portal's side of the miner link, in one place: its HTTP client for the miners (`client`, `runs`),
how it authenticates a miner's call (`authentication`), the miners' identity keys it accepts and checks
their signatures with (`models`, `keys`: pinned keys, the settings the first pin), their registrations
and rotations (`actions`, `api`, `admin`; announced to the audit log through `events`).
The bytes both sides agree on are in `consortium.contract`; the miners' code is never imported."""
