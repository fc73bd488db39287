"""The portal's side of the miner link, in one place: its HTTP client for the miners (`client`, `runs`),
how it authenticates a miner's call (`authentication`) and checks a miner's signature (`keys`).
The bytes both sides agree on are in `consortium.contract`; the miners' code is never imported."""
