"""ast.parse for the tests that read the project's source, safe from a collection running inside it."""

import ast
import gc


def parse_source(source: str, filename: str = "<unknown>") -> ast.Module:
    """ast.parse with the garbage collector held off.

    On Python 3.11, a finalizer that formats a traceback (asyncio's "never retrieved" log line
    does) while ast.parse builds its tree breaks that parse with "SystemError: AST constructor
    recursion depth mismatch" (CPython gh-106905): leftovers of earlier tests are collected after.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        return ast.parse(source, filename=filename)
    finally:
        if enabled:
            gc.enable()
