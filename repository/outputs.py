"""Files the repository writes (exports, dumps): whole or not at all.

:func:`replacing` writes to a temporary file beside the target and renames it over the target
only when the writing finished, so an interrupted or failed export never leaves half a file
(nor clobbers the previous one). A path that cannot be written is refused before anything is
written, with a one-line reason naming it.
"""

from __future__ import annotations

import contextlib
import gzip
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from .errors import InputError


def check_writable(path: Path) -> None:
    """Raises InputError naming ``path`` when it is a folder or its folder does not exist."""
    if path.is_dir():
        raise InputError("is a folder; expected the name of a file to write", origin=str(path))
    folder = path.parent
    if not folder.is_dir():
        raise InputError(f"cannot write there: the folder {folder} does not exist",
                         origin=str(path))


@contextlib.contextmanager
def replacing(path: Path) -> Iterator[BinaryIO]:
    """A binary stream whose bytes become the file ``path`` when the block ends normally;
    when it raises, ``path`` is left as it was and the temporary file is removed.

    Raises InputError naming ``path`` when it is a folder, its folder does not exist, or the
    file cannot be written (permissions, disk full).
    """
    check_writable(path)
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part",
                                             dir=path.parent)
    except OSError as error:
        raise InputError(f"cannot write there: {error.strerror}", origin=str(path)) from error
    try:
        with os.fdopen(handle, "wb") as out:
            yield out
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise InputError(f"cannot write the file: {error.strerror}", origin=str(path)) from error
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def compressed_if_gz(path: Path, out: BinaryIO) -> Iterator[BinaryIO]:
    """``out`` itself, or (``path`` ending in .gz) a gzip stream onto it with no file name and
    no time stamp in its header, so that the same content gives the same bytes."""
    if path.suffix != ".gz":
        yield out
        return
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0) as packed:
        yield packed
