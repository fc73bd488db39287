"""Benchmarks of the engine's protocols, optionally against MPyC in the same run.

`python -m mpc_engine.bench --op mul --n 1000000 --transport tcp --json`; see
`jobs` (our side, timed program and result check), `mpyc_peer` (the MPyC side,
an optional `bench` extra) and docs/performance.md (measured figures).
"""
