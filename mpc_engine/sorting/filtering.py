"""Filtering: keep only the elements whose shared flag is 1, sorted; reveal only how many.

The order is (not valid, key, original index): every valid element comes before every
invalid one whatever its value, so no sentinel value is needed and a valid value equal to
an invalid one cannot let the invalid element's payload into the output.  Only the count
is revealed; which elements were valid is not (the sorts are oblivious, and the invalid
elements are dropped from the end of the sorted order).
- radix: one more, most significant pass on 1 - valid (already arithmetic, so no B2A);
  the count is revealed with that pass's destinations: + 5 rounds over `radix_sort`.
- batcher: the flag's boolean form is its least significant bit, local (the LSB of a sum
  is the XOR of the LSBs); the comparators put valid elements first (A + 5 rounds per
  layer, see `batcher`); + 1 round to reveal the count.
`valid` must be a sharing of 0 or 1 (as the browser's submitted flag is).
"""

from __future__ import annotations

from ..party import Party
from ..protocols.arithmetic import reveal
from ..sharing import ArithShares, BoolShares
from .batcher import sort_network
from .radix import radix_sort


def filter_rows(party: Party, rows: ArithShares, valid: ArithShares, descending: bool,
                algorithm: str) -> tuple[int, ArithShares]:
    """Sort the (r, n) rows by row 0 with valid columns first; return (count, first count columns)."""
    n = rows.shape[-1]
    if n == 0:
        return 0, rows
    if algorithm == "radix":
        rows, count = radix_sort(party, rows, descending, flag=1 - valid)
    else:
        count = int(reveal(party, valid.sum().reshape(1))[0])
        flags = BoolShares(valid.a & 1, valid.b & 1, party.pid)
        rows, _ = sort_network(party, rows, descending, stable=True, valid=flags)
    if count > n:
        raise ValueError("the revealed count exceeds n: the validity flags are not 0/1")
    return count, rows[:, :count]

