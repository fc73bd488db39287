#!/usr/bin/env python
"""Django's command-line utility for administrative tasks.

    manage.py [--env-file PATH] COMMAND ...

`--env-file PATH` first loads the variables of PATH (NAME=value lines, as `init_miner` writes them and as
uvicorn's and docker compose's own `--env-file` read them); a variable already set in the environment
keeps its value.
"""

import os
import sys


def load_env_file(argv: list[str]) -> list[str]:
    """argv without `--env-file PATH` (or `--env-file=PATH`, before or after the command), whose variables
    are now loaded."""
    for k, arg in enumerate(argv[1:], start=1):
        option, _, path = arg.partition("=")
        if option != "--env-file":
            continue
        rest = argv[k + 1:]
        if not path:
            if not rest:
                sys.exit("manage.py: --env-file needs a path")
            path, rest = rest[0], rest[1:]
        if not os.path.isfile(path):
            sys.exit(f"manage.py: --env-file {path}: no such file (the first join command, "
                     "`python -m miners.identity.skeleton`, writes miner.env)")
        from dotenv import dotenv_values

        overridden = []
        for name, value in dotenv_values(path).items():
            if name not in os.environ:
                os.environ[name] = value or ""
            elif os.environ[name] != (value or ""):
                overridden.append(name)
        if overridden:  # names only: a value may be a secret
            print(f"manage.py: warning: the environment's {', '.join(sorted(overridden))} "
                  f"override{'s' if len(overridden) == 1 else ''} {path} (unset "
                  f"{'it' if len(overridden) == 1 else 'them'} to use the file's)", file=sys.stderr)
        return [*argv[:k], *rest]
    return argv


def main():
    argv = load_env_file(sys.argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consortium.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(argv)
    except ImproperlyConfigured as exc:  # a setting missing or wrong: one line, not a traceback
        hint = "" if "--env-file" in sys.argv else " (a miner: manage.py --env-file <its miner.env> ...)"
        sys.exit(f"manage.py: the settings are not complete: {exc}{hint}")


if __name__ == "__main__":
    main()
