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
    """argv without a leading `--env-file PATH` (or `--env-file=PATH`), whose variables are now loaded."""
    if len(argv) > 1 and argv[1].startswith("--env-file"):
        option, _, path = argv[1].partition("=")
        rest = argv[2:]
        if option != "--env-file":
            return argv
        if not path:
            if not rest:
                sys.exit("manage.py: --env-file needs a path")
            path, rest = rest[0], rest[1:]
        if not os.path.isfile(path):
            sys.exit(f"manage.py: --env-file {path}: no such file")
        from dotenv import load_dotenv

        load_dotenv(path, override=False)
        return [argv[0], *rest]
    return argv


def main():
    argv = load_env_file(sys.argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consortium.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
