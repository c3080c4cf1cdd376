"""Regenerate the report screenshots in ``docs/`` from the bundled (SICT-based) national model.

Runs three reports with the ``corredor`` command into a work folder (the Bajío
bridges run, the flood-season Monte Carlo, the national criticality scan),
then photographs each report's interactive map in headless Chromium with every
request blocked (``tests/browser.py``), as a planner sees it from ``file://``::

    .venv/bin/python scripts/screenshots.py                 # the scenarios as written
    .venv/bin/python scripts/screenshots.py --runs 100 --jobs 2 --work out/screenshots

State outlines are drawn when ``$CORREDOR_BOUNDARIES`` names a boundary file
(default: ``../shared/data/boundaries/estatal.shp`` when present). Exits with
an error when a page requests anything or logs an error.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from browser import render  # noqa: E402
from corredor.cli import cli  # noqa: E402

BOUNDARIES = ROOT.parent / "shared" / "data" / "boundaries" / "estatal.shp"
#: (report folder, map element, PNG in docs/)
SHOTS = (("run-bajio", "run-map", "report-run-bajio.png"),
         ("montecarlo", "mc-map", "report-montecarlo.png"),
         ("criticality", "criticality-map", "report-criticality.png"))


def corredor(*args: object) -> None:
    """Run one ``corredor`` command; stop on its first error."""
    cli.main([str(arg) for arg in args], prog_name="corredor", standalone_mode=False)


def write_reports(work: Path, *, runs: int | None, jobs: int) -> None:
    """The three reports, each in its own folder under ``work``."""
    scenarios = ROOT / "scenarios"
    corredor("run", scenarios / "bajio-bridges-2024.yaml", "-o", work / "run-bajio")
    monte_carlo = scenarios / "flood-season-montecarlo.yaml"
    if runs is not None:
        text = monte_carlo.read_text(encoding="utf-8").replace("runs: 1000", f"runs: {runs}")
        monte_carlo = work / f"flood-season-montecarlo-{runs}.yaml"
        monte_carlo.write_text(text, encoding="utf-8")
    corredor("run", monte_carlo, "-o", work / "montecarlo", "--jobs", jobs)
    corredor("criticality", "-o", work / "criticality", "--capacity-top", "0")


def photograph(work: Path, docs: Path, *, width: int, height: int) -> list[Path]:
    """A PNG of each report's map; raises when a page requested anything or logged an error."""
    written = []
    for folder, element, name in SHOTS:
        page = render(work / folder / "report.html", width=width, height=height,
                      selector=f"#{element}", timeout=180)
        if page.external_requests or page.console_errors:
            raise SystemExit(f"{folder}: requests {page.external_requests}, "
                             f"errors {page.console_errors}")
        target = docs / name
        partial = target.with_name(target.name + ".partial")
        partial.write_bytes(page.png)
        partial.replace(target)
        written.append(target)
    return written


def main() -> None:
    """Parse the options, write the reports, photograph their maps."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=ROOT / "out" / "screenshots",
                        help="folder for the reports (reused: corredor replaces its own files)")
    parser.add_argument("--docs", type=Path, default=ROOT / "docs", help="where the PNGs go")
    parser.add_argument("--runs", type=int, default=None,
                        help="Monte Carlo years (default: the scenario's 1,000)")
    parser.add_argument("--jobs", type=int, default=1, help="processes for the Monte Carlo")
    parser.add_argument("--width", type=int, default=1200)
    parser.add_argument("--height", type=int, default=900)
    parser.add_argument("--shots-only", action="store_true",
                        help="photograph the reports already in --work")
    options = parser.parse_args()
    if BOUNDARIES.is_file():
        os.environ.setdefault("CORREDOR_BOUNDARIES", str(BOUNDARIES))
    if not options.shots_only:
        write_reports(options.work, runs=options.runs, jobs=options.jobs)
    for path in photograph(options.work, options.docs, width=options.width,
                           height=options.height):
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
