"""Oblivious sorting of shared vectors and of shared matrices by one row; filtering.

Two algorithms, both leaking nothing but n (and, for `filter_sort`, the count it returns):
- "batcher": Batcher's odd-even merge network (`batcher`): t(t+1)/2 layers for
  t = ceil(log2 n), A + 4 rounds each (A + 5 with a tie key or filtering; A = 2 + log2 k);
- "radix": shuffle-and-reveal radix sort (`radix`): A + 7k rounds whatever n, O(n k) words.
Ties: when payload travels with the key (`sort_by_key`, `sort_many`, `filter_sort` with
payload), equal keys come out in the order of a secret random permutation, never in the
input order (which the portal chose): batcher compares a secret tie key after the key,
radix shuffles the rows first; either costs 3 rounds more, once per sort.  A bare key
needs neither (equal keys are equal).
"auto" takes the one with fewer rounds for this n, by the cost formulas, radix on a tie.
Why rounds: at small n both send few bytes (n = 64, k = 32: batcher 231 rounds and 80 kB
per party, radix 231 rounds and 84 kB) and a round costs 0.06 ms (TCP) to 2 ms (websocket
relayed through Redis) while a kB costs about 1 us; past the crossover radix wins on every
count.  Measured on the local transport (3 threads, 2 cores), k = 32, party 0's bytes:
n = 10,000: batcher 1,155 rounds, 63 MB, 0.7-0.9 s; radix 231 rounds, 13 MB, 0.15 s;
n = 100,000: radix 1.7 s, 132 MB; n = 1,000,000: radix 23 s, 1.3 GB.  (k = 64,
n = 10,000: batcher 1,260 rounds, 146 MB, 1.1 s; radix 456 rounds, 52 MB, 0.4 s.)
Crossover: batcher for n <= 32 at k = 32 (33..64 tie in rounds), n <= 256 at k = 64
(n <= 128 for the sorts with payload and the filtering sorts).

Batched: `sort_many` and `filter_sort_many` run several independent problems (e.g. every
indicator of a report, each over its own companies) in the rounds of ONE sort of the
largest problem, bytes the sum; each problem is sorted on its own (no permutation or
comparison result is shared between problems, see `radix` on why that matters).  One
algorithm per call, "auto" choosing by the largest n.  Measured (local transport, k = 32,
party 0): 7 filter_sorts of 1,000 values, radix: batched 236 rounds, 0.33 s; one after
another 1,652 rounds, 0.46 s; batcher: 661 against 4,627 rounds, 0.55 s against 1.7 s;
the same 11.2 MB (radix) and 43.4 MB (batcher) either way.
`filter_sort_many` also takes a direction per problem (radix: both directions in one
batch; batcher: one network per direction) and each problem's key range (radix sorts on
the bits of hi - lo only, see `radix`): what lets a whole analysis share one sort.
"""

from __future__ import annotations

from ..party import Party
from ..sharing import ArithShares, concat
from .batcher import network_cost, sort_network_many
from .filtering import filter_rows_many
from .radix import key_passes, radix_cost, radix_sort_many

ALGORITHMS = ("auto", "batcher", "radix")


def choose_algorithm(n: int, bits: int, rows: int = 1, valid: bool = False,
                     algorithm: str = "auto", passes: int | None = None, networks: int = 1) -> str:
    """'batcher' or 'radix': the one asked for, or for "auto" the one with fewer rounds.

    `passes`: radix's bit passes (`radix.key_passes`), k if None; `networks`: how many
    Batcher networks would run one after another (one per sort direction)."""
    if algorithm not in ALGORITHMS:
        raise ValueError(f"algorithm must be one of {', '.join(ALGORITHMS)}, got {algorithm!r}")
    if algorithm != "auto":
        return algorithm
    batcher_rounds = networks * network_cost(n, rows, bits, rows > 1, valid)[0] + (1 if valid else 0)
    return "batcher" if batcher_rounds < radix_cost(n, rows, bits, valid, passes)[0] else "radix"


def _rows(key: ArithShares, payload) -> ArithShares:
    if key.a.ndim != 1:
        raise ValueError("the key must be a vector of n shared values")
    n = len(key)
    for row in payload:
        if row.shape != (n,):
            raise ValueError(f"every payload row must have the key's length {n}")
    return concat([key.reshape(1, n)] + [row.reshape(1, n) for row in payload])


def _sort_rows(party: Party, matrices: list, descending: bool, algorithm: str):
    """Every (r, n) matrix sorted by its row 0, all in one batched run of `algorithm`;
    with payload (some r > 1), equal keys in a secret random order."""
    if algorithm == "radix":
        return [rows for rows, _ in radix_sort_many(party, matrices, descending)]
    tie_break = _has_payload(matrices)
    return [rows for rows, _ in sort_network_many(party, matrices, descending, tie_break=tie_break)]


def _has_payload(matrices) -> bool:
    return any(m.shape[0] > 1 for m in matrices)


def _largest(matrices) -> tuple[int, int]:
    """(largest n, largest row count): what "auto" chooses by."""
    return (max((m.shape[-1] for m in matrices), default=0),
            max((m.shape[0] for m in matrices), default=1))


def sort_values(party: Party, x: ArithShares, descending: bool = False,
                algorithm: str = "auto") -> ArithShares:
    """x sorted (signed order).  Cost: `network_cost` or `radix_cost` with rows = 1."""
    rows = _rows(x, ())
    chosen = choose_algorithm(len(x), party.ring.bits, 1, algorithm=algorithm)
    return _sort_rows(party, [rows], descending, chosen)[0][0]


def _sort_problem(problem) -> tuple[ArithShares, list]:
    if isinstance(problem, ArithShares):
        return problem, []
    key, payload = problem
    return key, list(payload)


def sort_many(party: Party, problems, descending: bool = False,
              algorithm: str = "auto") -> list[tuple[ArithShares, list[ArithShares]]]:
    """`sort_by_key` of every problem, all in the rounds of the largest one.

    A problem is (key, payload rows) or a bare key; each has its own length n_i.
    Returns [(sorted key, sorted payload rows)] in the problems' order.
    Rounds: those of `sort_by_key` on the largest n_i (the same algorithm for all);
    bytes: the sum of the problems' `sort_by_key` bytes.  Leakage: the n_i only.
    """
    problems = [_sort_problem(p) for p in problems]
    matrices = [_rows(key, payload) for key, payload in problems]
    n, rows = _largest(matrices)
    chosen = choose_algorithm(n, party.ring.bits, rows, algorithm=algorithm)
    done = _sort_rows(party, matrices, descending, chosen)
    return [(m[0], [m[i] for i in range(1, len(m))]) for m in done]


def sort_by_key(party: Party, key: ArithShares, payload=(), descending: bool = False,
                algorithm: str = "auto") -> tuple[ArithShares, list[ArithShares]]:
    """Columns of (key; payload rows) sorted by key; equal keys in a secret random order,
    independent of the input order (see the module docstring).

    Cost: `network_cost(tie_break=rows > 1)` or `radix_cost`, rows = 1 + len(payload).
    """
    return sort_many(party, [(key, payload)], descending, algorithm)[0]


def _filter_problem(problem):
    key, valid, *rest = problem
    if len(rest) > 1:
        raise ValueError("a filtering problem is (key, valid) or (key, valid, payload rows)")
    payload = list(rest[0]) if rest else []
    if valid.shape != key.shape:
        raise ValueError("valid must have one flag per element")
    return _rows(key, payload), valid


def filter_sort_many(party: Party, problems, descending=False, algorithm: str = "auto", ranges=None):
    """`filter_sort` of every problem, all in the rounds of the largest one.

    A problem is (key, valid) or (key, valid, payload rows), each with its own length.
    `descending`: one for all, or one per problem.  `ranges`: None, or per problem None or
    a range (lo, hi) (or `Bounds`) that holds every VALID key (e.g. the indicator's bounds,
    checked by `validate`): radix then sorts that problem on the bits of hi - lo only
    (`radix.key_passes`: 20 passes for [0, 10^6] instead of 64), whatever the invalid
    keys hold (they are dropped).  A range that a valid key breaks gives a wrong order.
    Returns [(count, keys of length count, payload rows of length count)]; reveals one
    count per problem, nothing else.  Rounds: radix, `costs.radix_many_cost(flag=True)` (the
    problem with the most passes); batcher, those of `filter_sort` on the largest n_i, once
    per direction present; bytes: the sum of the problems' `filter_sort` bytes.
    """
    checked = [_filter_problem(p) for p in problems]
    matrices = [m for m, _ in checked]
    n, rows = _largest(matrices)
    total = len(matrices)
    directions = list(descending) if isinstance(descending, (list, tuple)) else [descending] * total
    if len(directions) != total:
        raise ValueError(f"descending: one per problem ({total}), got {len(directions)}")
    spans = None if ranges is None else [None if r is None else _span(r) for r in ranges]
    if spans is not None and len(spans) != total:
        raise ValueError(f"ranges: one per problem ({total}), got {len(spans)}")
    bits = party.ring.bits
    live = [i for i in range(total) if matrices[i].shape[-1] > 0]
    passes = max((key_passes(bits, spans[i] if spans else None) for i in live), default=bits)
    networks = len({directions[i] for i in live}) or 1
    chosen = choose_algorithm(n, bits, rows, valid=True, algorithm=algorithm, passes=passes,
                              networks=networks)
    done = filter_rows_many(party, matrices, [v for _, v in checked], directions, chosen, spans)
    return [(count, m[0], [m[i] for i in range(1, len(m))]) for count, m in done]


def _span(key_range) -> tuple[int, int]:
    lo, hi = (key_range.lo, key_range.hi) if hasattr(key_range, "lo") else key_range
    return int(lo), int(hi)


def filter_sort(party: Party, x: ArithShares, valid: ArithShares, payload=(),
                descending: bool = False, algorithm: str = "auto"):
    """The elements of x whose shared flag `valid` (0/1) is 1, sorted, with their payload
    (equal keys in a secret random order, independent of the input order).

    Returns (count, keys of length count, payload rows of length count); reveals count only.
    Cost: `radix_cost(flag=True)`, or `network_cost(tie_break=rows > 1, valid=True)` + 1 round.
    """
    return filter_sort_many(party, [(x, valid, payload)], descending, algorithm)[0]


__all__ = ["choose_algorithm", "filter_sort", "filter_sort_many", "sort_by_key", "sort_many",
           "sort_values"]
