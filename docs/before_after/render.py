"""Render the before/after charts of this folder from the offline test stand-in.

    python docs/before_after/render.py --out DIR [--prefix NAME]

Writes ``DIR/<prefix>_report.png`` (the report chart of Uniswap) and
``DIR/<prefix>_compare.png`` (the comparison chart of Uniswap, Aave, Compound and Curve).
The inputs are those of the tests: ``tests/fake_upstream.py`` ``FakeUpstream.default()``
(the real top-1000 UNI and AAVE lists from ``../shared`` when present, DefiLlama and Snapshot
bodies) behind an ``httpx.MockTransport`` under the real HTTP client and pipeline, with the
default source settings (no API key) and a throw-away HTTP cache. Nothing else is faked.

The code drawn is the one the interpreter imports: run it with another checkout's venv and
``PYTHONPATH`` to draw that checkout's charts (the README here says which commits). The
``tests`` package is taken from the same checkout as the ``charts`` package.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

import httpx

import charts

# The stand-in of the checkout whose code is drawn (tests/ is not an installed package).
ROOT = Path(charts.__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from charts.render import render_comparison_png, render_report_png  # noqa: E402
from core.report import Report  # noqa: E402
from pipeline.analyze import Services, analyze_protocol  # noqa: E402
from pipeline.resolve import find_protocol  # noqa: E402
from sources.config import SourcesConfig  # noqa: E402
from sources.directory import Directory  # noqa: E402
from sources.http import HttpClient, make_http_client  # noqa: E402
from tests.fake_upstream import FakeUpstream  # noqa: E402

REPORT = "uniswap"
COMPARED = ("uniswap", "aave", "compound", "curve")


async def _reports(names: tuple[str, ...], cache_dir: Path) -> list[Report]:
    """One report per name, analysed as ``lorenz analyze NAME`` does, against the stand-in."""
    cfg = SourcesConfig(cache_dir=cache_dir)
    transport = httpx.MockTransport(FakeUpstream.default().handler)
    http = HttpClient(make_http_client(cfg, transport=transport,
                                       cache_path=cache_dir / "http-cache.sqlite"))
    try:
        directory = Directory(http, cfg)
        services = Services(cfg, http, directory)
        reports: list[Report] = []
        for name in names:
            record, _loaded = await find_protocol(directory, name)
            reports.append(await analyze_protocol(services, record))
        return reports
    finally:
        await http.aclose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for the PNG files")
    parser.add_argument("--prefix", default="", help="file name prefix (default: none)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as cache:
        reports = asyncio.run(_reports(COMPARED, Path(cache)))
    by_name = dict(zip(COMPARED, reports, strict=True))
    stem = f"{args.prefix}_" if args.prefix else ""
    for kind, png in (("report", render_report_png(by_name[REPORT])),
                      ("compare", render_comparison_png(reports))):
        path = args.out / f"{stem}{kind}.png"
        path.write_bytes(png)
        print(f"{path} ({len(png) / 1024:.0f} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
