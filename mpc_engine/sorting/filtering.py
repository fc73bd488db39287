"""Filtering: keep only the elements whose shared flag is 1, sorted; reveal only how many.

The order is (not valid, key, secret random tie key when there is payload): every valid
element comes before every invalid one whatever its value, so no sentinel value is needed
and a valid value equal to an invalid one cannot let the invalid element's payload into
the output.  Only the count is revealed; which elements were valid is not (the sorts are
oblivious, and the invalid elements are dropped from the end of the sorted order).
- radix: one more, most significant pass on 1 - valid (already arithmetic, so no B2A);
  the count is revealed with that pass's destinations: + 5 rounds over `radix_sort`.
- batcher: the flag's boolean form is its least significant bit, local (the LSB of a sum
  is the XOR of the LSBs); the comparators put valid elements first (A + 5 rounds per
  layer, see `batcher`); + 1 round to reveal the count.
`valid` must be a sharing of 0 or 1 (as the browser's submitted flag is).
`filter_rows_many` batches several problems in the rounds of one (the largest) and reveals
one count per nonempty problem, all in one round.
"""

from __future__ import annotations

from ..party import Party
from ..protocols.arithmetic import reveal
from ..sharing import ArithShares, BoolShares, concat
from .batcher import sort_network_many
from .radix import radix_sort_many


def filter_rows_many(party: Party, problems, valids, descending, algorithm: str,
                     ranges=None) -> list[tuple[int, ArithShares]]:
    """For each (r, n) rows and 0/1 `valid`: (count, the first count columns sorted by row 0,
    valid first).  All problems in the rounds of the largest one (batcher: of one per direction).

    `descending`: one for all or one per problem; `ranges` (radix only, see `radix_sort_many`):
    per problem None or (lo, hi) holding every valid key, to sort on fewer bits."""
    out = [(0, rows) for rows in problems]
    live = [s for s, rows in enumerate(problems) if rows.shape[-1] > 0]
    if not live:
        return out
    directions = descending if isinstance(descending, (list, tuple)) else [descending] * len(problems)
    rows = [problems[s] for s in live]
    if algorithm == "radix":
        done = radix_sort_many(party, rows, [directions[s] for s in live],
                               flags=[1 - valids[s] for s in live],
                               ranges=None if ranges is None else [ranges[s] for s in live])
        counts = [count for _, count in done]
        rows = [r for r, _ in done]
    else:
        sums = [valids[s].sum().reshape(1) for s in live]
        counts = [int(c) for c in reveal(party, sums[0] if len(sums) == 1 else concat(sums))]
        tie_break = any(r.shape[0] > 1 for r in rows)  # payload: equal keys in a secret random order
        for direction in sorted({directions[s] for s in live}):  # one network per direction
            group = [k for k, s in enumerate(live) if directions[s] == direction]
            flags = [BoolShares(valids[live[k]].a & 1, valids[live[k]].b & 1, party.pid) for k in group]
            done = sort_network_many(party, [rows[k] for k in group], direction, tie_break=tie_break,
                                     valid=flags)
            for k, (r, _) in zip(group, done, strict=True):
                rows[k] = r
    for s, r, count in zip(live, rows, counts, strict=True):
        if count > r.shape[-1]:
            raise ValueError("the revealed count exceeds n: the validity flags are not 0/1")
        out[s] = (count, r[:, :count])
    return out
