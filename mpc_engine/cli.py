"""The engine's command line: `python -m mpc_engine sort|demo`.

    sort --input IN --output OUT [--transport local|tcp] [--ring 32|64] [--desc]

IN holds one signed integer per line (optional sign, decimal digits, surrounding
spaces allowed; a final newline is fine).  A blank line is an error, not a value that
is skipped: in a column of figures it is more likely a missing figure than padding.
Every line is checked before anything runs; a bad line or a value outside the ring's
signed range exits with code 2 naming the line (never quoting it: it may be a
confidential figure), and OUT is left untouched.  The sorted values are written
to a temporary file that replaces OUT only when complete.
Exit codes: 0 done, 1 the computation failed, 2 bad input or usage.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import sys
import tempfile
from pathlib import Path

from .launch import PartyFailed, secret_sort
from .ring import ring_for
from .transport.framing import ProtocolError

EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
_INTEGER = re.compile(r"[+-]?[0-9]+")


class InputError(ValueError):
    """The input file cannot be sorted as given; the message names the line."""


def read_values(path: Path, ring) -> list[int]:
    """All lines as integers in the ring's signed range, or InputError for the first bad line."""
    try:
        content = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {path}: {exc}") from None
    # read_text already made every line end "\n"; split on it only (str.splitlines also
    # breaks at form feeds etc.), so line numbers are an editor's
    lines = content.split("\n")
    if lines[-1] == "":
        lines.pop()  # the final newline ends the last line, it does not start a blank one
    values = []
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if not text:
            raise InputError(f"{path}, line {number}: empty line (one integer per line expected)")
        if not _INTEGER.fullmatch(text):
            raise InputError(f"{path}, line {number}: not an integer")
        # the length test first spares int() a 100,000-digit line
        if len(text) > 40 or not ring.signed_min <= int(text) <= ring.signed_max:
            raise InputError(f"{path}, line {number}: value outside the signed {ring.bits}-bit "
                             f"range [{ring.signed_min}, {ring.signed_max}]")
        values.append(int(text))
    return values


def write_values(path: Path, values) -> None:
    """One integer per line, atomically: a temporary file in the same folder, then a rename."""
    fd, tmp = tempfile.mkstemp(dir=path.parent or ".", prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.writelines(f"{int(v)}\n" for v in values)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def cmd_sort(args) -> int:
    ring = ring_for(args.ring)
    try:
        values = read_values(Path(args.input), ring)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    output = Path(args.output)
    if not output.parent.is_dir():
        print(f"error: no folder {output.parent} for the output", file=sys.stderr)
        return EXIT_BAD_INPUT
    if values:  # nothing to share for an empty file: the empty output needs no parties
        try:
            ordered, _, _ = secret_sort(values, ring, args.transport, args.desc, progress=True)
        except (PartyFailed, ProtocolError) as exc:
            print(f"error: the computation failed: {exc}", file=sys.stderr)
            return EXIT_FAILED
        values = ordered.tolist()
    write_values(output, values)
    return 0


def cmd_demo(args) -> int:
    from .demo import run_demo  # the demo's data and table are its own module's business

    return run_demo(n=args.n, transport=args.transport, ring=ring_for(args.ring))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m mpc_engine",
        description="Three-party secret-shared computation (replicated sharing, honest majority).")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sort = commands.add_parser("sort", help="sort a file of signed integers obliviously",
                               description=__doc__.split("\n\n", 2)[2].strip(),
                               formatter_class=argparse.RawDescriptionHelpFormatter)
    sort.add_argument("--input", required=True, metavar="IN", help="one signed integer per line")
    sort.add_argument("--output", required=True, metavar="OUT", help="the sorted values, one per line")
    sort.add_argument("--desc", action="store_true", help="largest first")
    _common_options(sort, default_transport="tcp")
    sort.set_defaults(handler=cmd_sort)

    demo = commands.add_parser("demo", help="share and sort synthetic company profits, "
                                            "check against numpy")
    demo.add_argument("--n", type=_positive_int, default=200, help="number of companies")
    _common_options(demo, default_transport="tcp")
    demo.set_defaults(handler=cmd_demo)
    return parser


def _common_options(parser, default_transport: str) -> None:
    parser.add_argument("--transport", choices=("tcp", "local"), default=default_transport,
                        help="three processes over loopback TCP, or three threads in this one "
                             f"(default {default_transport})")
    parser.add_argument("--ring", type=int, choices=(32, 64), default=32,
                        help="compute in Z_2^32 or Z_2^64 (default 32)")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    return args.handler(args)
