"""The ``lorenz`` command line: ``analyze``, ``methodology`` (more subcommands join later).

Every expected failure prints one line on stderr and exits with status 2 (bad input) or 1
(upstream trouble); an unexpected one prints one line with an error id and logs the
traceback at debug level. Output to a closed pipe (``lorenz … | head -1``) ends quietly with
status 141 (128 + SIGPIPE); Ctrl-C prints one line and exits with 130 (128 + SIGINT).

Heavy libraries load only where they are used: the analysis modules when ``analyze`` runs,
pandas only for a CSV holder file (in :mod:`sources.holder_files`), matplotlib only for
``--chart``, discord.py only for ``run``, ``sync`` and ``invite`` — so ``lorenz --help``
and a JSON-file analysis import none of pandas, matplotlib or discord.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import logging
import math
import os
import signal
import sys
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot import logging_setup
from bot.config import ENV_SECRETS, Config, load_config
from core.errors import ConfigError, InputError, LorenzError, ProtocolNotFound, SourceUnavailable
from core.version import __version__

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

    from core.holder_table import HolderTable
    from core.report import Report
    from pipeline.look_through import WrapperHolders
    from sources.holder_files import HolderList

log = logging.getLogger(__name__)

EXIT_INPUT = 2
EXIT_UPSTREAM = 1
#: What a shell reports for a command ended by a signal: 128 + the signal's number.
EXIT_BROKEN_PIPE = 128 + signal.SIGPIPE
EXIT_INTERRUPTED = 128 + signal.SIGINT

#: Top holders shown when ``--top`` is not given: the text report / the JSON document.
TOP_TEXT = 10
TOP_JSON = 20
#: Most holders ``--holders`` may ask for (the bound of ``[sources] holders_limit``).
MAX_HOLDERS = 10_000
#: Decimals ``--decimals`` accepts (checked before 10**decimals: a huge value would hang).
MAX_DECIMALS = 36


def _positive_float(text: str) -> float:
    try:
        value = float(text.replace(",", "").replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError("must be a positive number")
    return value


def _scan_wait(text: str) -> float:
    """``--scan-wait``: seconds, 0 < value ≤ 600."""
    value = _positive_float(text)
    if value > 600:
        raise argparse.ArgumentTypeError("must be at most 600 seconds")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text.replace(",", "").replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("must be a positive whole number")
    return value


def _holders_limit(text: str) -> int:
    """``--holders``: a whole number from 1 to :data:`MAX_HOLDERS`."""
    value = _positive_int(text)
    if value > MAX_HOLDERS:
        raise argparse.ArgumentTypeError(f"at most {MAX_HOLDERS:,} holders can be fetched")
    return value


def _decimals(text: str) -> int:
    """``--decimals``: a whole number from 0 to :data:`MAX_DECIMALS`."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 0 <= value <= MAX_DECIMALS:
        raise argparse.ArgumentTypeError(f"must be between 0 and {MAX_DECIMALS}")
    return value


def _look_through(text: str) -> tuple[str, Path]:
    """``--look-through WRAPPER=FILE``: a wrapper's address (lower-cased) and its own
    holder file (read later, so a missing file names itself like ``--holders-file``)."""
    from sources.parsing import evm_address

    wrapper, sep, path = text.partition("=")
    address = evm_address(wrapper.strip())
    if not sep or not path.strip():
        raise argparse.ArgumentTypeError("expected WRAPPER=FILE (a wrapper's address and "
                                         "its own holder file)")
    if address is None:
        raise argparse.ArgumentTypeError(f"{wrapper.strip()[:50]!r} is not an address "
                                         "(expected 0x and 40 hex digits)")
    return address, Path(path.strip())


def _chart_path(text: str) -> Path:
    """``--chart``: a ``.png`` path in an existing, writable folder — checked when the
    options are read, so a bad path fails before any analysis or output."""
    path = Path(text)
    if path.suffix.lower() != ".png":
        raise argparse.ArgumentTypeError(
            f"the chart is a PNG image: give a path ending in .png (not {path.name!r})")
    folder = path.parent
    if not folder.is_dir():
        raise argparse.ArgumentTypeError(f"cannot write {path}: no such directory {folder}")
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"cannot write {path}: it is a directory")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise argparse.ArgumentTypeError(f"cannot write {path}: permission denied")
    return path


class _Parser(argparse.ArgumentParser):
    """argparse that reports errors in one line (no usage dump) with exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_INPUT, f"lorenz: error: {message} (see '{self.prog} -h')\n")

    def _print_message(self, message: str, file: SupportsWrite[str] | None = None) -> None:
        # argparse's own version drops OSError, so `lorenz --help | head -0` would exit 0
        # with the help lost; a closed pipe goes to main() like any other output's.
        if message:
            (file or sys.stderr).write(message)


def _add_analyze(an: argparse.ArgumentParser) -> None:
    """The options of ``lorenz analyze``."""
    an.add_argument("protocol", nargs="?", help="protocol name, e.g. uniswap (live data)")
    an.add_argument("--holders-file", type=Path, metavar="PATH",
                    help="score a saved holder list instead: Dune result JSON, "
                         "Ethplorer/Blockscout JSON, Etherscan CSV export or any "
                         "address,balance CSV")
    an.add_argument("--holders", type=_holders_limit, metavar="N",
                    help="how many top holders to fetch, up to 10,000 (default from "
                         "config: 1000; live analysis only)")
    an.add_argument("--no-votes", action="store_true",
                    help="skip Snapshot voting power (live analysis only)")
    an.add_argument("--scan-wait", type=_scan_wait, metavar="SECONDS",
                    help="wait up to this long (≤ 600) for the on-chain delegate log scan, "
                         "so the delegate set can be complete (default from config: 1.5; "
                         "live analysis only)")
    an.add_argument("--config", type=Path, metavar="PATH",
                    help="config.toml (default: $LORENZ_CONFIG or ./config.toml)")
    # Options for holder files only default to None, so that giving one to a live
    # analysis (where it would do nothing) is an error, not silently ignored.
    an.add_argument("--supply", type=_positive_float, metavar="N",
                    help="total supply in token units (default: what the file implies, "
                         "else the listed sum; holder files only)")
    an.add_argument("--holder-count", type=_positive_int, metavar="N",
                    help="total number of holders, at least the number listed (for Gini "
                         "bounds of a truncated list; holder files only)")
    an.add_argument("--symbol", metavar="SYM",
                    help="token symbol (and filter of a multi-token CSV; holder files only)")
    an.add_argument("--decimals", type=_decimals, metavar="N",
                    help="decimals of an Ethplorer file's raw amounts (0-36; default 18)")
    an.add_argument("--labels", action="append", default=[], metavar="[CHAIN:]PATH",
                    help="address-label file or folder, searched recursively (repeatable; "
                         "first label wins); each label applies on the chain its file or "
                         "folder names, else Ethereum, or on CHAIN when given")
    an.add_argument("--look-through", type=_look_through, action="append",
                    metavar="WRAPPER=FILE",
                    help="a wrapper among the holders (e.g. stkAAVE) and its own holder "
                         "file: its balance goes to its holders pro rata in the beneficial "
                         "view (repeatable; holder files only — a live analysis fetches it)")
    an.add_argument("--chain", metavar="CHAIN",
                    help="chain of the token, for built-in labels (default ethereum; "
                         "holder files only)")
    an.add_argument("--json", action="store_true", help="print the report as JSON")
    an.add_argument("--chart", type=_chart_path, metavar="PATH",
                    help="write the report chart (a .png file)")
    an.add_argument("--top", type=_positive_int, metavar="N",
                    help=f"top holders to show (default {TOP_TEXT}; {TOP_JSON} with --json)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``lorenz``."""
    parser = _Parser(prog="lorenz", description="How concentrated is a DeFi protocol?")
    parser.add_argument("--version", action="version", version=f"lorenz {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0,
                        help="more log output (-vv for debug)")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    _add_analyze(sub.add_parser("analyze",
                                help="score a protocol (live data) or a holder file"))

    sub.add_parser("methodology", help="explain the views, metrics and verdict thresholds")

    doc = sub.add_parser("doctor", help="probe each data source once and say what works")
    doc.add_argument("--json", action="store_true", help="print the result as JSON")
    doc.add_argument("--config", type=Path, metavar="PATH", help="config.toml")

    run = sub.add_parser("run", help="start the Discord bot (token from DISCORD_TOKEN)")
    run.add_argument("--config", type=Path, metavar="PATH", help="config.toml")

    sync = sub.add_parser("sync", help="sync slash commands globally (or to one guild)")
    sync.add_argument("--config", type=Path, metavar="PATH", help="config.toml")
    sync.add_argument("--guild", type=_positive_int, metavar="ID", help="only this guild")

    from bot.history_cli import add_parsers

    add_parsers(sub, _positive_int, _holders_limit)

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


#: Options that only a holder file uses / only a live analysis uses: (flag, attribute).
_FILE_ONLY = (("--supply", "supply"), ("--holder-count", "holder_count"),
              ("--symbol", "symbol"), ("--decimals", "decimals"), ("--chain", "chain"),
              ("--look-through", "look_through"))
_LIVE_ONLY = (("--holders", "holders"), ("--no-votes", "no_votes"),
              ("--scan-wait", "scan_wait"))


def _check_mode(args: argparse.Namespace) -> None:
    """A protocol or ``--holders-file`` (exactly one), and no option that the chosen kind
    of analysis would ignore.

    Raises:
        InputError: neither or both given, or an option of the other kind.
    """
    if bool(args.protocol) == bool(args.holders_file):
        raise InputError("name a protocol (lorenz analyze uniswap) or give --holders-file PATH")
    if args.holders_file:
        wrong = [flag for flag, attr in _LIVE_ONLY if getattr(args, attr) not in (None, False)]
        if wrong:
            raise InputError(f"{wrong[0]} applies only to a live analysis (lorenz analyze "
                             "PROTOCOL), not to --holders-file")
    else:
        wrong = [flag for flag, attr in _FILE_ONLY if getattr(args, attr) is not None]
        if wrong:
            raise InputError(f"{wrong[0]} applies only to --holders-file (a live analysis "
                             "reads it from the token's own data)")


def _file_chain(text: str | None, cfg: Config | None) -> str:
    """The chain key of ``--chain`` (default ``ethereum``; aliases such as ``eth`` folded).

    Known chains: those with built-in facts, the default Blockscout instances and any
    ``[sources.blockscout]`` chain of a config given with ``--config``.

    Raises:
        InputError: a chain Lorenz does not know (it would silently get no built-in labels).
    """
    if text is None:
        return "ethereum"
    from pipeline.known_addresses import KNOWN_ADDRESSES
    from sources.config import DEFAULT_BLOCKSCOUT
    from sources.holders import normalize_chain

    chain = normalize_chain(text)
    known = ({k.chain for k in KNOWN_ADDRESSES} - {"*"}) | set(DEFAULT_BLOCKSCOUT)
    if cfg is not None:
        known |= set(cfg.sources.blockscout)
    if chain not in known:
        raise InputError(f"unknown chain {text!r} for --chain (known: {', '.join(sorted(known))})")
    return chain


def _check_holder_list(args: argparse.Namespace, holder_list: HolderList) -> None:
    """The options that depend on what the file holds, and its addresses.

    Raises:
        InputError: ``--decimals`` for a file in token units, ``--holder-count`` below the
            number of holders listed, or an entry that is not an EVM address.
    """
    from sources.parsing import first_non_address

    name = args.holders_file.name
    if args.decimals is not None and holder_list.format != "ethplorer":
        raise InputError(f"--decimals applies only to Ethplorer files (raw amounts); "
                         f"{name} is a {holder_list.format} file")
    bad = first_non_address(holder_list.addresses)
    if bad is not None:
        raise InputError(f"{name}: holder {bad[:50]!r} is not an address "
                         "(expected 0x and 40 hex digits)")
    listed = len(holder_list.addresses)
    if args.holder_count is not None and args.holder_count < listed:
        raise InputError(f"--holder-count {args.holder_count:,} is below the {listed:,} "
                         f"holders listed in {name}")


def _read_holders(path: Path, symbol: str) -> HolderList:
    """:func:`sources.holder_files.read_holder_file`, with every error naming the file.

    Raises:
        InputError: a folder or an empty file (said as such, not as "no such file" or "not
            a readable CSV"), and every error of the reader, prefixed with the file's name
            when its message does not already say which file.
    """
    from sources.holder_files import read_holder_file

    if path.is_dir():
        raise InputError(f"{path} is a folder, not a holder file")
    if path.is_file() and path.stat().st_size == 0:
        raise InputError(f"{path.name} is empty")
    try:
        return read_holder_file(path, symbol)
    except InputError as exc:
        message = str(exc)
        if path.name in message:
            raise
        raise InputError(f"{path.name}: {message}") from None


def _analyze_file(args: argparse.Namespace) -> Report:
    """Score ``--holders-file`` with the file-only options (see :func:`_check_holder_list`).

    The configuration (``--config``, else ``$LORENZ_CONFIG``, else ``./config.toml``) is read
    and so checked, as for a live analysis, although a file needs no data source.
    """
    import numpy as np

    from pipeline.assemble import analyze_holders
    from pipeline.labels import LabelBook, label_holders
    from sources.label_files import chain_note, load_labels, split_chain

    cfg = _load_config(args.config)
    book = LabelBook(chain=_file_chain(args.chain, cfg))
    holder_list = _read_holders(args.holders_file, args.symbol or "")
    _check_holder_list(args, holder_list)
    loaded = []
    for spec in args.labels:
        chain, path = split_chain(spec)
        loaded.extend(load_labels(path, chain))
    book.extend(loaded)
    note = chain_note(loaded, book.chain)
    if note:
        print(note, file=sys.stderr)
    decimals = 18 if args.decimals is None else args.decimals
    scale = 10 ** decimals if holder_list.format == "ethplorer" else 1
    # a float64 column (no copy when it is one already): one division, none for token units
    balances = np.asarray(holder_list.balances, dtype=np.float64)
    if scale != 1:
        balances = balances / scale
    supply = args.supply
    notes: list[str] = []
    if supply is None and holder_list.supply_hint is not None:
        supply = holder_list.supply_hint / scale
        notes.append("supply inferred from the file's share column")
    symbol = (args.symbol or holder_list.symbol or "").upper()
    holders = label_holders(holder_list.addresses, balances, book, holder_list.live_labels)
    wrappers = _wrapper_files(args, holders)
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
            wrappers=wrappers,
            book=book,
        )
    except ValueError as exc:
        raise InputError(str(exc)) from None


def _wrapper_files(args: argparse.Namespace, holders: HolderTable) -> list[WrapperHolders]:
    """The ``--look-through`` holder files, read (any holder-file format; the wrapper's
    supply is what the file implies, else unknown).

    Raises:
        InputError: a wrapper given twice or not among the holders of ``--holders-file``,
            or a file that cannot be read or lists a non-address.
    """
    import numpy as np

    from pipeline.look_through import WrapperHolders
    from sources.parsing import first_non_address

    wrappers: list[WrapperHolders] = []
    for address, path in args.look_through or ():
        if any(w.address == address for w in wrappers):
            raise InputError(f"--look-through: {address} is given twice")
        if not holders.addresses.rows_of([address]):
            raise InputError(f"--look-through: {address} is not among the holders in "
                             f"{args.holders_file.name}")
        wrapper_list = _read_holders(path, "")
        bad = first_non_address(wrapper_list.addresses)
        if bad is not None:
            raise InputError(f"{path.name}: holder {bad[:50]!r} is not an address "
                             "(expected 0x and 40 hex digits)")
        wrappers.append(WrapperHolders(
            address, wrapper_list.addresses, np.asarray(wrapper_list.balances, np.float64),
            wrapper_list.supply_hint, f"{wrapper_list.format} file {path.name}",
            wrapper_list.as_of, dict(wrapper_list.live_labels)))
    return wrappers


def _write_chart(report: Report, path: Path) -> str:
    """Render the report chart to ``path`` (a PNG; the path was checked by :func:`_chart_path`)
    and return the line that says so."""
    from charts.render import render_report_png  # matplotlib loads only when a chart is asked

    png = render_report_png(report)
    try:
        path.write_bytes(png)
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror}") from None
    return f"chart written to {path} ({len(png) / 1024:.0f} KB)"


def _progress(message: str) -> None:
    print(f"  … {message}", file=sys.stderr, flush=True)


async def _cancel_other_tasks() -> int:
    """Cancel every other task of the running loop, wait until each has ended, and return
    how many there were (0 after a finished analysis: then this is a no-op).

    Runs before the HTTP client would close. A request task is shielded (its waiters may
    give up without cancelling it), so after Ctrl-C it would go on, fail on the closed
    client ("client has been closed") and be reported as "Task exception was never
    retrieved". Their outcomes are collected here and dropped: the analysis has already
    been cancelled or has failed.
    """
    current = asyncio.current_task()
    others = [t for t in asyncio.all_tasks() if t is not current]
    for task in others:
        task.cancel()
    await asyncio.gather(*others, return_exceptions=True)
    return len(others)


async def _analyze_live(args: argparse.Namespace) -> Report:
    """The live pipeline for ``args.protocol``.

    On Ctrl-C, :func:`asyncio.run` cancels this task; then, in order, the request tasks
    still running are cancelled and awaited (see :func:`_cancel_other_tasks`; the HTTP
    client is closed only when none was left), and :func:`main` prints one line.
    """
    # Imported here so that scoring a file needs none of the network stack.
    from pipeline.analyze import Services, analyze_protocol
    from pipeline.resolve import find_protocol
    from sources.directory import Directory
    from sources.http import HttpClient, make_http_client
    from sources.label_files import chain_note, load_labels, split_chain

    cfg = _load_config(args.config)
    user_labels: list = []
    for spec in args.labels:
        chain, path = split_chain(spec)
        user_labels.extend(load_labels(path, chain))
    progress = _progress if sys.stderr.isatty() else None
    http = HttpClient(make_http_client(cfg.sources))
    try:
        directory = Directory(http, cfg.sources)
        if progress:
            progress(f"resolving {args.protocol!r}…")
        # The built-in table answers the common names without the network.
        record, _loaded = await find_protocol(directory, args.protocol)
        note = chain_note(user_labels, record.chain)
        if note:
            print(note, file=sys.stderr)
        sources = (cfg.sources if args.scan_wait is None
                   else dataclasses.replace(cfg.sources, delegate_scan_wait=args.scan_wait))
        services = Services(sources, http, directory, tuple(user_labels))
        report = await analyze_protocol(services, record, holders_limit=args.holders,
                                        votes=not args.no_votes, progress=progress)
    except SourceUnavailable as exc:
        raise SourceUnavailable(f"{exc} Offline? Score a saved list with "
                                "'lorenz analyze --holders-file PATH'.", exc.host) from None
    finally:
        if await _cancel_other_tasks() == 0:
            await http.aclose()
        # else a cancelled request may still be reading or writing the SQLite HTTP cache
        # in a worker thread (cancelling the task does not stop the thread): closing the
        # cache under it can crash the interpreter. The process ends now; SQLite keeps the
        # cache consistent (autocommit, WAL) without a close.
    return report


def _cmd_analyze(args: argparse.Namespace) -> int:
    """``lorenz analyze``: the report on stdout (text, or JSON with ``--json``).

    ``--top`` applies to both (default :data:`TOP_TEXT` / :data:`TOP_JSON`). The chart is
    written before the report is printed, so a chart that cannot be written leaves no
    report behind on stdout.
    """
    _check_mode(args)
    report = asyncio.run(_analyze_live(args)) if args.protocol else _analyze_file(args)
    chart_line = _write_chart(report, args.chart) if args.chart else ""
    if args.json:
        from pipeline.json_report import report_to_json

        doc = report_to_json(report, top=args.top or TOP_JSON)
        print(json.dumps(doc, indent=2, ensure_ascii=False))
    else:
        from pipeline.text_report import render_text

        print(render_text(report, top=args.top or TOP_TEXT))
    if chart_line:
        print(chart_line, file=sys.stderr)
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
    for name in ("stamina", "matplotlib"):
        logging.getLogger(name).setLevel(quiet)
    # hishel logs a cache it cannot write (another process holding the SQLite file) as an
    # ERROR with a traceback, and goes on without the cache: a miss, not a failure
    logging.getLogger("hishel").setLevel(logging.DEBUG if verbosity >= 2 else logging.CRITICAL)
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)
    logging_setup.install(*logging_setup.secrets_from_env(os.environ, ENV_SECRETS))


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``lorenz`` console script; returns the exit status.

    Bad options return 2 like every other input error (argparse's own ``SystemExit`` —
    also from ``-h`` and ``--version``, status 0 — becomes the return value, so callers
    such as tests get a status back, never an exception). Output to a closed pipe returns
    :data:`EXIT_BROKEN_PIPE` quietly (see :func:`_quiet_broken_pipe`).
    """
    try:
        status = _main(argv)
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's last flush
    except BrokenPipeError:
        return _quiet_broken_pipe()
    return status


def _quiet_broken_pipe() -> int:
    """The reader of our output went away (``lorenz … | head -1``): end quietly, like a
    command killed by SIGPIPE, with status 141 (128 + SIGPIPE).

    stdout and stderr are pointed at the null device first, so that output still buffered
    cannot fail again at exit ("Exception ignored … BrokenPipeError"). Streams that are no
    real files (captured by tests) are left alone.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(AttributeError, OSError, ValueError):
                os.dup2(devnull, stream.fileno())
    finally:
        os.close(devnull)
    return EXIT_BROKEN_PIPE


def _main(argv: Sequence[str] | None) -> int:
    """Parse, configure logging and run one subcommand; every failure becomes one line on
    stderr and a status (2 bad input, 1 upstream or unexpected, 130 Ctrl-C)."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else EXIT_INPUT
    configure_logging(args.verbose)
    try:
        if args.command == "analyze":
            return _cmd_analyze(args)
        if args.command == "methodology":
            from scoring.verdict import methodology_text

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
        if args.command in ("snapshot", "history"):
            from bot import history_cli

            run = history_cli.cmd_snapshot if args.command == "snapshot" else (
                history_cli.cmd_history)
            return run(args, _load_config(args.config))
    except (InputError, ProtocolNotFound, ConfigError) as exc:
        print(f"lorenz: error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except LorenzError as exc:
        print(f"lorenz: {exc}", file=sys.stderr)
        return EXIT_UPSTREAM
    except KeyboardInterrupt:
        print("lorenz: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        raise  # for main(): a closed pipe is no error to report
    except Exception:  # the one place that catches everything: never a traceback
        error_id = uuid.uuid4().hex[:8]
        log.debug("unexpected error %s", error_id, exc_info=True)
        print(f"lorenz: unexpected error (id {error_id}); run with -vv for details",
              file=sys.stderr)
        return 1
    return EXIT_INPUT


if __name__ == "__main__":
    sys.exit(main())
