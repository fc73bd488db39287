"""Digests of the static files this portal serves: the Subresource Integrity value of the form page's
scripts, and the sharing library's SHA-256 that the explanation and miner-status pages show.

Each digest is of the bytes WhiteNoise sends for the file's URL: in development the file the staticfiles
finders find (static/, WHITENOISE_USE_FINDERS), in production the copy `collectstatic` wrote under its
content-hashed name in STATIC_ROOT (post-processing may rewrite a collected file, so the source in
static/ is not good enough there). A file is hashed once per process, and again only when its size or
modification time changes: in development an edited file is served at once, and a stale integrity value
would make browsers refuse it.
"""

import functools
import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage

from consortium.contract import library


@dataclass(frozen=True)
class Digests:
    sha256: str  # hex, as `sha256sum` prints it
    sri: str  # the <script integrity="..."> value


def served_path(name: str) -> str | None:
    """The file WhiteNoise serves at `{% static name %}`, or None when it serves none."""
    if settings.WHITENOISE_USE_FINDERS:
        return finders.find(name)
    stored = name
    if hasattr(staticfiles_storage, "stored_name"):  # a manifest storage: the content-hashed name
        try:
            stored = staticfiles_storage.stored_name(name)
        except ValueError:  # not in the manifest: never collected
            return None
    path = staticfiles_storage.path(stored)
    return path if os.path.isfile(path) else None


@functools.lru_cache(maxsize=16)
def _digests_of(path: str, size: int, mtime_ns: int) -> Digests:
    data = Path(path).read_bytes()
    return Digests(sha256=library.sha256_hex(data), sri=library.sri(data))


def digests(name: str) -> Digests | None:
    path = served_path(name)
    if path is None:
        return None
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return _digests_of(path, stat.st_size, stat.st_mtime_ns)


def sharing_library() -> Digests | None:
    """The digests of the sharing library as members' browsers receive it, or None when it is not served."""
    return digests(library.SHARING_LIBRARY)
