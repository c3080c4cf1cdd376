"""Reading a user's CSV: any of the encodings Mexican files come in, and clear errors.

Government and spreadsheet exports in Mexico are often latin-1 (Windows-1252)
rather than UTF-8, sometimes UTF-8 with a byte-order mark. Every CSV reader of
corredor goes through ``read_csv``, which picks the encoding and turns
pandas' parser failures into one ``DataFileError`` naming the file.
"""

from __future__ import annotations

import codecs
import os
from pathlib import Path
from typing import Any

import pandas as pd

from corredor.errors import DataFileError

__all__ = ["detect_encoding", "read_csv"]


def detect_encoding(path: str | os.PathLike[str]) -> str:
    """``utf-8-sig`` with a BOM, ``utf-8`` if the whole file decodes as UTF-8, else ``latin-1``.

    Parameters
    ----------
    path : str or path-like
        A text file.

    Returns
    -------
    str
        A codec name for ``open`` / ``pandas.read_csv``.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    with Path(path).open("rb") as handle:
        if handle.read(3) == codecs.BOM_UTF8:
            return "utf-8-sig"
        handle.seek(0)
        try:
            for block in iter(lambda: handle.read(1 << 20), b""):
                decoder.decode(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "latin-1"
    return "utf-8"


def read_csv(path: str | os.PathLike[str], *, what: str, **options: Any) -> pd.DataFrame:
    """A CSV as a DataFrame, in whichever encoding it was saved.

    Parameters
    ----------
    path : str or path-like
        The file.
    what : str
        What the file is ("demand file"), for messages.
    **options
        Passed to ``pandas.read_csv`` (not ``encoding``).

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    DataFileError
        The file is missing, not a file, empty, binary or not parseable as CSV.
    """
    path = Path(path)
    if not path.is_file():
        raise DataFileError(f"{path}: {what} not found")
    if b"\x00" in path.read_bytes()[:4096]:
        raise DataFileError(f"{path}: a binary file, not a CSV {what}")
    try:
        return pd.read_csv(path, encoding=detect_encoding(path), **options)
    except pd.errors.EmptyDataError:
        raise DataFileError(f"{path}: the {what} is empty (it needs a header row)") from None
    except (pd.errors.ParserError, ValueError) as exc:
        raise DataFileError(f"{path}: not a readable CSV {what} ({exc})") from None
