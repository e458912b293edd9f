"""The ``lorenz`` command line: ``analyze``, ``methodology`` (more subcommands join later).

Every expected failure prints one line on stderr and exits with status 2 (bad input) or 1
(upstream trouble); an unexpected one prints one line with an error id and logs the
traceback at debug level.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import math
import os
import sys
import uuid
from collections.abc import Sequence
from pathlib import Path

from bot import logging_setup
from bot.config import ENV_SECRETS, Config, load_config
from core.errors import ConfigError, InputError, LorenzError, ProtocolNotFound, SourceUnavailable
from core.report import Report
from core.version import __version__
from pipeline.assemble import analyze_holders
from pipeline.json_report import report_to_json
from pipeline.labels import LabelBook, label_holders
from pipeline.text_report import render_text
from scoring.verdict import methodology_text
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

    an = sub.add_parser("analyze", help="score a protocol (live data) or a holder file")
    an.add_argument("protocol", nargs="?", help="protocol name, e.g. uniswap (live data)")
    an.add_argument("--holders-file", type=Path, metavar="PATH",
                    help="score a saved holder list instead: Dune result JSON, "
                         "Ethplorer/Blockscout JSON, Etherscan CSV export or any "
                         "address,balance CSV")
    an.add_argument("--holders", type=_positive_int, metavar="N",
                    help="how many top holders to fetch (default from config: 1000)")
    an.add_argument("--no-votes", action="store_true", help="skip Snapshot voting power")
    an.add_argument("--config", type=Path, metavar="PATH",
                    help="config.toml (default: $LORENZ_CONFIG or ./config.toml)")
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

    doc = sub.add_parser("doctor", help="probe each data source once and say what works")
    doc.add_argument("--json", action="store_true", help="print the result as JSON")
    doc.add_argument("--config", type=Path, metavar="PATH", help="config.toml")

    run = sub.add_parser("run", help="start the Discord bot (token from DISCORD_TOKEN)")
    run.add_argument("--config", type=Path, metavar="PATH", help="config.toml")

    sync = sub.add_parser("sync", help="sync slash commands globally (or to one guild)")
    sync.add_argument("--config", type=Path, metavar="PATH", help="config.toml")
    sync.add_argument("--guild", type=_positive_int, metavar="ID", help="only this guild")

    inv = sub.add_parser("invite", help="print the OAuth2 URL to invite the bot")
    inv.add_argument("--config", type=Path, metavar="PATH", help="config.toml")
    inv.add_argument("--client-id", type=_positive_int, metavar="ID",
                     help="application id (default: [discord] application_id)")
    return parser


#: The least the bot needs: see channels, send, embed, attach charts, read history.
INVITE_PERMISSIONS = dict(view_channel=True, send_messages=True, embed_links=True,
                          attach_files=True, read_message_history=True)


def invite_url(client_id: int) -> str:
    """The OAuth2 URL with scopes bot + applications.commands and the least permissions."""
    import discord

    return discord.utils.oauth_url(
        client_id, permissions=discord.Permissions(**INVITE_PERMISSIONS),
        scopes=("bot", "applications.commands"),
    )


def _load_config(path: Path | None) -> Config:
    """:func:`load_config`, with the secrets it holds registered for log redaction."""
    cfg = load_config(path)
    logging_setup.install(*logging_setup.secrets_of(cfg))
    return cfg


def _require_token(cfg) -> None:
    if not cfg.discord.token:
        raise InputError("no Discord token: set DISCORD_TOKEN (or [discord] token in an "
                         "untracked config.toml)")


def _cmd_run(args: argparse.Namespace) -> int:
    import discord

    from bot.app import run_bot

    cfg = _load_config(args.config)
    _require_token(cfg)
    try:
        asyncio.run(run_bot(cfg))
    except discord.LoginFailure:
        print("lorenz: Discord rejected the token (check DISCORD_TOKEN)", file=sys.stderr)
        return EXIT_UPSTREAM
    except discord.PrivilegedIntentsRequired:
        print("lorenz: enable the Message Content intent in the developer portal, or set "
              "[discord] prefix_enabled = false", file=sys.stderr)
        return EXIT_UPSTREAM
    except (OSError, discord.GatewayNotFound, discord.HTTPException) as exc:
        print(f"lorenz: could not connect to Discord ({type(exc).__name__})", file=sys.stderr)
        return EXIT_UPSTREAM
    return 0


async def _sync(cfg, guild_id: int | None) -> int:
    import discord

    from bot.app import make_bot

    async with make_bot(cfg) as bot:
        await bot.login(cfg.discord.token.get())
        guild = discord.Object(id=guild_id) if guild_id else None
        if guild is not None:
            bot.tree.copy_global_to(guild=guild)
        synced = await bot.tree.sync(guild=guild)
    return len(synced)


def _cmd_sync(args: argparse.Namespace) -> int:
    import discord

    cfg = _load_config(args.config)
    _require_token(cfg)
    try:
        n = asyncio.run(_sync(cfg, args.guild))
    except discord.LoginFailure:
        print("lorenz: Discord rejected the token (check DISCORD_TOKEN)", file=sys.stderr)
        return EXIT_UPSTREAM
    except (OSError, discord.HTTPException) as exc:
        print(f"lorenz: could not reach Discord ({type(exc).__name__})", file=sys.stderr)
        return EXIT_UPSTREAM
    print(f"synced {n} commands " + (f"to guild {args.guild}" if args.guild else "globally"))
    return 0


def _cmd_doctor(args: argparse.Namespace) -> int:
    from bot.doctor import doctor_command  # the network stack loads only when asked

    return doctor_command(_load_config(args.config).sources, args.json)


def _cmd_invite(args: argparse.Namespace) -> int:
    cfg = _load_config(args.config)
    client_id = args.client_id or cfg.discord.application_id
    if not client_id:
        raise InputError("no application id: pass --client-id or set [discord] "
                         "application_id in config.toml")
    print(invite_url(client_id))
    return 0


def _analyze_file(args: argparse.Namespace) -> Report:
    if not 0 <= args.decimals <= 36:  # before 10**decimals: a huge value would hang here
        raise InputError("--decimals must be between 0 and 36")
    holder_list = read_holder_file(args.holders_file, args.symbol)
    book = LabelBook(chain=args.chain)
    for path in args.labels:
        book.extend(load_labels(path))
    scale = 10 ** args.decimals if holder_list.format == "ethplorer" else 1
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
    from charts.render import render_report_png  # matplotlib loads only when a chart is asked

    png = render_report_png(report)
    try:
        path.write_bytes(png)
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror}") from None
    return f"chart written to {path} ({len(png) / 1024:.0f} KB)"


def _progress(message: str) -> None:
    print(f"  … {message}", file=sys.stderr, flush=True)


async def _analyze_live(args: argparse.Namespace) -> Report:
    # Imported here so that scoring a file needs none of the network stack.
    from pipeline.analyze import Services, analyze_protocol
    from pipeline.resolve import find_protocol
    from sources.directory import Directory
    from sources.http import HttpClient, make_http_client

    cfg = _load_config(args.config)
    user_labels: list = []
    for path in args.labels:
        user_labels.extend(load_labels(path))
    progress = _progress if sys.stderr.isatty() else None
    http = HttpClient(make_http_client(cfg.sources))
    try:
        directory = Directory(http, cfg.sources)
        if progress:
            progress(f"resolving {args.protocol!r}…")
        # The built-in table answers the common names without the network.
        record, _loaded = await find_protocol(directory, args.protocol)
        services = Services(cfg.sources, http, directory, tuple(user_labels))
        report = await analyze_protocol(services, record, holders_limit=args.holders,
                                        votes=not args.no_votes, progress=progress)
    except SourceUnavailable as exc:
        raise SourceUnavailable(f"{exc} Offline? Score a saved list with "
                                "'lorenz analyze --holders-file PATH'.", exc.host) from None
    finally:
        await http.aclose()
    return report


def _cmd_analyze(args: argparse.Namespace) -> int:
    if bool(args.protocol) == bool(args.holders_file):
        raise InputError("name a protocol (lorenz analyze uniswap) or give --holders-file PATH")
    report = asyncio.run(_analyze_live(args)) if args.protocol else _analyze_file(args)
    if args.json:
        print(json.dumps(report_to_json(report), indent=2, ensure_ascii=False))
    else:
        print(render_text(report, top=args.top))
    if args.chart:
        print(_write_chart(report, args.chart), file=sys.stderr)
    return 0


def configure_logging(verbosity: int) -> None:
    """Configure the root logger once, at the entry point (stderr).

    Quiet by default (errors only: the report itself carries warnings and what is
    missing); ``-v`` adds warnings and progress details, ``-vv`` debug output. Every
    handler gets :data:`bot.logging_setup.SECRET_FILTER` (secrets from the environment
    now, from ``config.toml`` once it is read): no token or key is ever written.
    """
    level = {0: logging.ERROR, 1: logging.INFO}.get(verbosity, logging.DEBUG)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s",
                        stream=sys.stderr)
    # Third-party chatter (httpx logs every URL, keys included) only with -vv.
    # httpx and httpcore never go below WARNING: their request lines carry query strings.
    quiet = logging.DEBUG if verbosity >= 2 else logging.ERROR
    for name in ("hishel", "stamina", "matplotlib"):
        logging.getLogger(name).setLevel(quiet)
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)
    logging_setup.install(*logging_setup.secrets_from_env(os.environ, ENV_SECRETS))


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``lorenz`` console script; returns the exit status.

    Bad options return 2 like every other input error (argparse's own ``SystemExit`` —
    also from ``-h`` and ``--version``, status 0 — becomes the return value, so callers
    such as tests get a status back, never an exception).
    """
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else EXIT_INPUT
    configure_logging(args.verbose)
    try:
        if args.command == "analyze":
            return _cmd_analyze(args)
        if args.command == "methodology":
            print(methodology_text())
            return 0
        if args.command == "run":
            return _cmd_run(args)
        if args.command == "sync":
            return _cmd_sync(args)
        if args.command == "invite":
            return _cmd_invite(args)
        if args.command == "doctor":
            return _cmd_doctor(args)
    except (InputError, ProtocolNotFound, ConfigError) as exc:
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
