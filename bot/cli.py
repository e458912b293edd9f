"""The ``lorenz`` command line: ``analyze``, ``methodology`` (more subcommands join later).

Every expected failure prints one line on stderr and exits with status 2 (bad input) or 1
(upstream trouble); an unexpected one prints one line with an error id and logs the
traceback at debug level.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import sys
import uuid
from collections.abc import Sequence
from pathlib import Path

from bot import __version__
from commands.analysis import analyze_holders, label_holders
from commands.report import Report, report_to_json
from commands.text_report import render_text
from scoring.labels import LabelBook
from scoring.verdict import methodology_text
from sources.errors import InputError, LorenzError
from sources.holder_files import read_holder_file
from sources.label_files import load_labels

log = logging.getLogger(__name__)

EXIT_INPUT = 2
EXIT_UPSTREAM = 1


def _positive_float(text: str) -> float:
    try:
        value = float(text.replace(",", "").replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError("must be a positive number")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text.replace(",", "").replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("must be a positive whole number")
    return value


class _Parser(argparse.ArgumentParser):
    """argparse that reports errors in one line (no usage dump) with exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_INPUT, f"lorenz: error: {message} (see '{self.prog} -h')\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``lorenz``."""
    parser = _Parser(prog="lorenz", description="How concentrated is a DeFi protocol?")
    parser.add_argument("--version", action="version", version=f"lorenz {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0,
                        help="more log output (-vv for debug)")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    an = sub.add_parser("analyze", help="score a protocol's token holders")
    an.add_argument("--holders-file", type=Path, metavar="PATH", required=True,
                    help="holder list: Dune result JSON, Ethplorer/Blockscout JSON, "
                         "Etherscan CSV export or any address,balance CSV")
    an.add_argument("--supply", type=_positive_float, metavar="N",
                    help="total supply in token units (default: what the file implies, "
                         "else the listed sum)")
    an.add_argument("--holder-count", type=_positive_int, metavar="N",
                    help="total number of holders (for Gini bounds of a truncated list)")
    an.add_argument("--symbol", default="", metavar="SYM", help="token symbol (and filter)")
    an.add_argument("--decimals", type=int, default=18, metavar="N",
                    help="decimals for files with raw amounts (Ethplorer); default 18")
    an.add_argument("--labels", type=Path, action="append", default=[], metavar="PATH",
                    help="address-label file or folder (repeatable; first label wins)")
    an.add_argument("--chain", default="ethereum", help="chain of the token (for built-in labels)")
    an.add_argument("--json", action="store_true", help="print the report as JSON")
    an.add_argument("--chart", type=Path, metavar="PATH", help="write the report chart (PNG)")
    an.add_argument("--top", type=_positive_int, default=10, help="top holders to show")

    sub.add_parser("methodology", help="explain the views, metrics and verdict thresholds")
    return parser


def _analyze_file(args: argparse.Namespace) -> Report:
    holder_list = read_holder_file(args.holders_file, args.symbol)
    book = LabelBook(chain=args.chain)
    for path in args.labels:
        book.extend(load_labels(path))
    scale = 10 ** args.decimals if holder_list.format == "ethplorer" else 1
    if not 0 <= args.decimals <= 36:
        raise InputError("--decimals must be between 0 and 36")
    balances = [b / scale for b in holder_list.balances]
    supply = args.supply
    notes: list[str] = []
    if supply is None and holder_list.supply_hint is not None:
        supply = holder_list.supply_hint / scale
        notes.append("supply inferred from the file's share column")
    symbol = (args.symbol or holder_list.symbol or "").upper()
    holders = label_holders(holder_list.addresses, balances, book, holder_list.live_labels)
    try:
        return analyze_holders(
            holders,
            name=symbol or f"holders in {args.holders_file.name}",
            symbol=symbol,
            supply=supply,
            holder_count=args.holder_count,
            sources=(f"{holder_list.format} file {args.holders_file.name}",),
            as_of=holder_list.as_of,
            notes=tuple(notes),
            warnings=holder_list.warnings,
        )
    except ValueError as exc:
        raise InputError(str(exc)) from None


def _write_chart(report: Report, path: Path) -> str:
    try:
        from charts.render import render_report_png
    except ImportError:
        return "chart: not available yet"
    png = render_report_png(report)
    try:
        path.write_bytes(png)
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror}") from None
    return f"chart written to {path} ({len(png) / 1024:.0f} KB)"


def _cmd_analyze(args: argparse.Namespace) -> int:
    report = _analyze_file(args)
    if args.json:
        print(json.dumps(report_to_json(report), indent=2, ensure_ascii=False))
    else:
        print(render_text(report, top=args.top))
    if args.chart:
        print(_write_chart(report, args.chart), file=sys.stderr)
    return 0


def configure_logging(verbosity: int) -> None:
    """Configure the root logger once, at the entry point (stderr)."""
    level = logging.WARNING - 10 * min(verbosity, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s",
                        stream=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``lorenz`` console script; returns the exit status."""
    args = build_parser().parse_args(argv)
    configure_logging(args.verbose)
    try:
        if args.command == "analyze":
            return _cmd_analyze(args)
        if args.command == "methodology":
            print(methodology_text())
            return 0
    except InputError as exc:
        print(f"lorenz: error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except LorenzError as exc:
        print(f"lorenz: {exc}", file=sys.stderr)
        return EXIT_UPSTREAM
    except KeyboardInterrupt:
        print("lorenz: interrupted", file=sys.stderr)
        return 130
    except Exception:  # the one place that catches everything: never a traceback
        error_id = uuid.uuid4().hex[:8]
        log.debug("unexpected error %s", error_id, exc_info=True)
        print(f"lorenz: unexpected error (id {error_id}); run with -vv for details",
              file=sys.stderr)
        return 1
    return EXIT_INPUT


if __name__ == "__main__":
    sys.exit(main())
