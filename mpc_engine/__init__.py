"""consortium-mpc's MPC engine: three-party replicated secret sharing in pure Python + numpy.

Layers, bottom-up: `ring` and `sharing` (arithmetic, no I/O), `randomness`,
`transport` (framing, counters; in-process and TCP), `party` (one party's context),
`protocols` (arithmetic, boolean, compare, division, shuffle), `sorting`, `analyses`.
Nothing here imports Django or the apps.
"""
