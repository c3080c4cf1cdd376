"""Output folders that never lose a user's file.

``OutputFolder.claim`` is called before any computation. It accepts a folder
that does not exist (created), one that is empty, or one an earlier corredor
command wrote (it holds the manifest ``corredor-run.json``); anything else is
an ``OutputFolderError`` naming the folder and what is in it. A lock file
(``.corredor.lock``, holding the pid) keeps a second command from writing the
same folder at once; the claim also proves the folder is writable.

Files are written into a staging folder inside the target and moved into
place one by one (each move is atomic) by ``commit``, which then deletes the
files of the previous manifest that this run did not write, and writes the
new manifest last. Other files in the folder are never touched. On an error,
SIGINT or SIGTERM the staging folder and the lock are removed and a folder
the claim created is removed again, so a failed command leaves the folder as
it was; staging folders and locks of processes that died (SIGKILL) are
removed by the next claim.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import shutil
import signal
import sys
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from types import FrameType
from typing import Any

from corredor.errors import OutputFolderError

__all__ = ["LOCK", "MANIFEST", "OutputFolder"]

#: The manifest every folder corredor writes holds: command, version, inputs, files.
MANIFEST = "corredor-run.json"
#: The lock file of a folder being written.
LOCK = ".corredor.lock"
#: Prefix of the staging folder inside the target (followed by the writer's pid).
STAGING_PREFIX = ".corredor-staging-"


class OutputFolder:
    """A claimed output folder; use ``OutputFolder.claim`` as a context manager.

    Attributes
    ----------
    path : Path
        The target folder.
    staging : Path
        Where the command writes its files before ``commit``.
    """

    def __init__(self, path: Path, command: str, created: list[Path]) -> None:
        self.path = path
        self.command = command
        self.staging = path / f"{STAGING_PREFIX}{os.getpid()}"
        self._created = created
        self._committed = False

    @classmethod
    @contextlib.contextmanager
    def claim(cls, path: str | os.PathLike[str], *, command: str) -> Iterator[OutputFolder]:
        """Claim ``path`` for ``command``; release it (and clean up) when the block ends.

        Parameters
        ----------
        path : str or path-like
            The output folder.
        command : str
            The command writing it, recorded in the manifest.

        Yields
        ------
        OutputFolder
            Write files into ``.staging``, then call ``commit``.

        Raises
        ------
        OutputFolderError
            The folder holds files corredor did not write, is a file, is in use by
            another corredor process, or cannot be written.
        """
        target = Path(path)
        created = _make_folder(target)
        try:
            _check_contents(target)
            _lock(target)
        except BaseException:
            _remove_created(created)
            raise
        folder = cls(target, command, created)
        previous = _terminate_as_exit()
        try:
            folder.staging.mkdir()
            yield folder
        finally:
            _restore(previous)
            shutil.rmtree(folder.staging, ignore_errors=True)
            (target / LOCK).unlink(missing_ok=True)
            if not folder._committed:
                _remove_created(created)

    def commit(self, *, inputs: Sequence[str | Path] = (), seed: int | None = None,
               argv: Sequence[str] | None = None) -> list[Path]:
        """Move the staged files into the folder and write the manifest.

        Parameters
        ----------
        inputs : sequence of str or Path
            The input files (hashed into the manifest) or names such as ``bundled``.
        seed : int, optional
            The random seed, when the command draws.
        argv : sequence of str, optional
            The command line (default ``sys.argv``).

        Returns
        -------
        list of Path
            The files written, manifest last.
        """
        names = sorted(entry.name for entry in self.staging.iterdir())
        old = _manifest_files(self.path)
        written = []
        for name in names:
            staged = self.staging / name
            staged.chmod(0o644)
            written.append(staged.replace(self.path / name))
        for name in sorted(set(old) - set(names) - {MANIFEST}):
            (self.path / name).unlink(missing_ok=True)  # an earlier run's file, not this one's
        manifest = {
            "corredor": _version(),
            "command": self.command,
            "argv": list(sys.argv if argv is None else argv),
            "written_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "seed": seed,
            "inputs": [_describe(item) for item in inputs],
            "files": names,
        }
        staged = self.staging / MANIFEST
        staged.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n",
                          encoding="utf-8")
        staged.chmod(0o644)
        written.append(staged.replace(self.path / MANIFEST))
        self._committed = True
        return written


def _make_folder(target: Path) -> list[Path]:
    """Create ``target`` and missing parents; return what was created, deepest first."""
    if target.exists() and not target.is_dir():
        raise OutputFolderError(f"{target}: is a file; -o needs a folder")
    missing = [target, *target.parents]
    missing = [folder for folder in missing if not folder.exists()]
    for folder in reversed(missing):
        try:
            folder.mkdir()
        except FileExistsError:
            continue  # another process made it first: the lock decides who writes
        except OSError as exc:
            _remove_created([f for f in missing if f.exists()])
            raise OutputFolderError(f"{target}: cannot create the folder ({exc.strerror})"
                                    ) from None
    return missing


def _check_contents(target: Path) -> None:
    """Refuse a folder that holds files corredor did not write; clear dead writers' leftovers."""
    others = []
    for entry in sorted(target.iterdir()):
        if entry.name.startswith(STAGING_PREFIX):
            pid = entry.name.removeprefix(STAGING_PREFIX)
            if not (pid.isdigit() and _alive(int(pid))):
                shutil.rmtree(entry, ignore_errors=True)
        elif entry.name != LOCK:
            others.append(entry.name)
    if others and not (target / MANIFEST).is_file():
        shown = ", ".join(others[:5]) + (f" and {len(others) - 5} more" if len(others) > 5 else "")
        raise OutputFolderError(
            f"{target}: holds files corredor did not write ({shown}); nothing was run. Use a "
            f"new or empty folder, or one a corredor command wrote (it holds {MANIFEST})"
        )


def _lock(target: Path) -> None:
    """Create the lock file with this pid; a live holder is an error, a dead one is replaced."""
    lock = target / LOCK
    for _ in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            holder = _holder(lock)
            if holder is not None and _alive(holder) and holder != os.getpid():
                raise OutputFolderError(
                    f"{target}: in use by pid {holder} (another corredor command is writing "
                    f"it); wait for it to finish or choose another folder"
                ) from None
            lock.unlink(missing_ok=True)  # left by a process that died
            continue
        except OSError as exc:
            raise OutputFolderError(f"{target}: not writable ({exc.strerror})") from None
        with os.fdopen(fd, "w") as handle:
            handle.write(f"{os.getpid()}\n")
        return
    raise OutputFolderError(f"{target}: could not take the lock {lock}")


def _holder(lock: Path) -> int | None:
    try:
        text = lock.read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError as exc:
        return exc.errno != errno.ESRCH
    return True


def _remove_created(created: list[Path]) -> None:
    """Remove folders the claim created, deepest first, if they are empty again."""
    for folder in created:
        with contextlib.suppress(OSError):
            folder.rmdir()


def _manifest_files(target: Path) -> list[str]:
    try:
        data = json.loads((target / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    files = data.get("files", []) if isinstance(data, dict) else []
    return [name for name in files if isinstance(name, str) and "/" not in name
            and name not in ("", ".", "..")]


def _describe(item: str | Path) -> dict[str, Any]:
    """An input as recorded in the manifest: path and SHA-256, or just its name."""
    path = Path(item)
    if not path.is_file():
        return {"input": str(item)}
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return {"path": str(path), "sha256": digest.hexdigest()}


def _version() -> str:
    try:
        return version("corredor")
    except PackageNotFoundError:
        return "unknown"


def _terminate_as_exit() -> Any:
    """Make SIGTERM raise ``SystemExit`` (so cleanup runs); return the previous handler."""
    def handler(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    try:
        return signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread: leave signals alone
        return None


def _restore(previous: Any) -> None:
    if previous is not None:
        with contextlib.suppress(ValueError):
            signal.signal(signal.SIGTERM, previous)
