"""Secrets never leave: the Discord token and the API keys stay out of logs (at DEBUG, every
logger — httpx, httpcore, hishel, discord, stamina, ours), out of what the bot sends to
Discord, out of reprs and error messages, and out of the command line's output.

The bot runs with the recognisable fake secrets of :mod:`tests.bot_support`
(``FAKE_TOKEN``, ``FAKE_KEYS``). The paths that handle a key are driven for real: the
Ethplorer fallback puts its key in the query string (``?apiKey=…``, which httpx logs at
INFO), Snapshot gets ``x-api-key``; errors too (unknown protocol, upstream 500, an upstream
that echoes the key back in its error message).
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import discord
import httpx
import pytest

from bot import logging_setup
from bot.cli import configure_logging, main
from bot.config import load_config
from core.errors import LorenzError
from core.secret import Secret
from tests.bot_support import FAKE_KEYS, FAKE_TOKEN
from tests.conversation import Rule, Rules, ask, rules_bot, status, switch_charts
from tests.fake_upstream import AAVE, CRV, FakeUpstream
from tests.local_server import LocalUpstream, config_toml
from tests.reply_checks import chain

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

SECRETS = (FAKE_TOKEN, *FAKE_KEYS.values())
#: Every logger that might print a URL, a header or a payload.
LOGGERS = ("", "httpx", "httpcore", "hishel", "discord", "stamina", "asyncio", "bot",
           "commands", "sources")
REPO = Path(__file__).resolve().parents[1]


def leaked(text: str) -> list[str]:
    """The secrets (also their distinctive middle part) found in ``text``."""
    return [s for s in SECRETS if s in text or s[6:-4] in text]


def records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """Records of the set-up (the bot starting, the directory loading) and of the test."""
    return [*caplog.get_records("setup"), *caplog.records]


def record_text(record: logging.LogRecord) -> str:
    """One record as text: message, traceback, stack, and as a handler would write it."""
    return "\n".join([record.getMessage(), record.exc_text or "", record.stack_info or "",
                      logging.Formatter().format(record)])


def everything_logged(caplog: pytest.LogCaptureFixture) -> str:
    """Every captured record as text."""
    return "\n".join([caplog.text, *map(record_text, records(caplog))])


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Capture every logger at DEBUG."""
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


# --------------------------------------------------------------------------- the bot


def ethplorer_answers(fake: FakeUpstream, token: str) -> Rule:
    """Ethplorer ``getTokenInfo`` / ``getTopTokenHolders`` in their documented shape."""
    t = fake.tokens[token]

    def rule(req: httpx.Request, _up: httpx.Response, _n: int) -> httpx.Response:
        if "getTokenInfo" in req.url.path:
            return httpx.Response(200, json={
                "address": t.address, "name": t.name, "symbol": t.symbol,
                "decimals": str(t.decimals), "totalSupply": str(int(t.total_supply * 1e18)),
                "holdersCount": t.holder_count})
        return httpx.Response(200, json={"holders": [
            {"address": a, "balance": b * 1e18, "rawBalance": str(int(b * 1e18))}
            for a, b in t.holders[:100]]})

    return rule


def echo_key(req: httpx.Request, _up: httpx.Response, _n: int) -> httpx.Response:
    """A careless upstream that repeats the request, key and all, in its error message."""
    return httpx.Response(200, json={"error": {"code": 1, "message":
                                               f"Invalid API key {req.url.params['apiKey']} "
                                               f"for {req.url}"}})


@dataclass(frozen=True)
class Scenario:
    """One command on a path that handles a secret (or fails near one)."""

    id: str
    command: str
    protocol: str
    rules: Callable[[FakeUpstream], dict[str, Rule]] = field(default=lambda _f: {})
    expect: str = ""
    uses: str = ""  # which key the fake must have seen: "ethplorer" or "snapshot"


SCENARIOS = [
    Scenario("success-snapshot-key-in-header", "concentration", "uniswap",
             expect="owner-held UNI", uses="snapshot"),
    Scenario("unknown-protocol", "concentration", "notaprotocol",
             expect="I don't know a protocol"),
    Scenario("upstream-500", "fees", "aave",
             rules=lambda _f: {"summary/fees/aave": status(500)}, expect="HTTP 500"),
    Scenario("ethplorer-fallback-key-in-query", "concentration", "aave",
             rules=lambda f: {"/holders": status(503), "api.ethplorer.io": ethplorer_answers(
                 f, AAVE)}, expect="owner-held AAVE", uses="ethplorer"),
    Scenario("ethplorer-echoes-the-key", "holders", "curve",
             rules=lambda _f: {"/holders": status(503), "api.ethplorer.io": echo_key},
             expect="for Curve", uses="ethplorer"),
    Scenario("everything-down-mention", "mention", "compound",
             rules=lambda _f: {"blockscout.com": status(503), "api.llama.fi/summary":
                               status(500), "hub.snapshot.org": status(502),
                               "publicnode.com": status(503), "api.ethplorer.io": echo_key},
             expect="Could not reach", uses="ethplorer"),
]


class KeyWatch:
    """Records the keys the fake APIs received (so the secret paths really ran)."""

    def __init__(self) -> None:
        self.seen: dict[str, list[str]] = {"ethplorer": [], "snapshot": []}

    def __call__(self, request: httpx.Request) -> None:
        if request.url.host == "api.ethplorer.io":
            self.seen["ethplorer"].append(request.url.params.get("apiKey", ""))
        if request.url.host == "hub.snapshot.org":
            self.seen["snapshot"].append(request.headers.get("x-api-key", ""))


@pytest.fixture
def watch() -> KeyWatch:
    return KeyWatch()


@pytest.fixture
def simcord_bot(debug_logs, fake: FakeUpstream, tmp_path, monkeypatch, watch: KeyWatch):
    """The bot with the fake secrets, every request's keys recorded."""
    switch_charts(monkeypatch)
    rules = Rules(fake)
    handler = rules.handler

    async def watched(request: httpx.Request) -> httpx.Response:
        watch(request)
        return await handler(request)

    rules.handler = watched  # type: ignore[method-assign]
    bot = rules_bot(rules, tmp_path)
    bot.test_rules = rules  # type: ignore[attr-defined]
    return bot


def reprs_of(bot: Any, errors: list[BaseException]) -> str:
    """Reprs and messages of the bot's config, clients and every error (causes included)."""
    cfg = bot.config
    parts = [repr(cfg), str(cfg), repr(cfg.discord), repr(cfg.sources), repr(bot),
             repr(bot.collaborators), repr(bot.collaborators.http), repr(bot.analyses),
             repr(cfg.discord.token),
             str(cfg.sources.ethplorer_api_key), f"{cfg.sources.snapshot_api_key}"]
    for error in errors:
        for e in chain(error):
            parts += shown_chain(e)
    return "\n".join(parts)


def shown_chain(error: BaseException | None) -> list[str]:
    """repr and str of ``error`` and of every exception a traceback of it would show."""
    out: list[str] = []
    while error is not None:
        out += [repr(error), str(error)]
        error = error.__cause__ or (None if error.__suppress_context__ else error.__context__)
    return out


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.id for s in SCENARIOS])
async def test_secrets_stay_out_of_logs_requests_reprs_and_replies(
        world, fake, watch, debug_logs, scenario: Scenario):
    env, _guild, channel, alice = world
    env.bot.test_rules.rules.update(scenario.rules(fake))
    reply = await ask(env, channel, alice, scenario.command, scenario.protocol)
    errors = env.errors

    assert scenario.expect in reply.text, reply.text
    if scenario.uses:  # the key was really sent where it belongs
        key = FAKE_KEYS[scenario.uses]
        assert watch.seen[scenario.uses] and set(watch.seen[scenario.uses]) == {key}

    logged = everything_logged(debug_logs)
    assert "HTTP Request" in logged  # httpx's request lines were captured…
    assert not leaked(logged), [record_text(r) for r in records(debug_logs)
                                if leaked(record_text(r))]  # …without a key
    sent = json.dumps([[r.method, r.path, r.params, r.json] for r in env.http_requests],
                      default=str)
    assert not leaked(sent)
    assert not leaked(reply.text)
    assert not leaked(reprs_of(env.bot, errors))


def test_config_from_the_environment_hides_its_secrets(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    env = {"DISCORD_TOKEN": FAKE_TOKEN, "ETHPLORER_API_KEY": FAKE_KEYS["ethplorer"],
           "SNAPSHOT_API_KEY": FAKE_KEYS["snapshot"], "BLOCKSCOUT_PRO_API_KEY": "BK-secret-x1"}
    cfg = load_config(env=env)
    assert cfg.discord.token.get() == FAKE_TOKEN
    shown = "\n".join([repr(cfg), str(cfg), repr(cfg.discord), f"{cfg.sources!s}",
                       repr(Secret(FAKE_TOKEN)), f"{Secret(FAKE_TOKEN)}"])
    assert not leaked(shown) and "BK-secret-x1" not in shown


# --------------------------------------------------------------------------- logging setup


@pytest.fixture
def clean_logging() -> Iterator[None]:
    """Undo what configure_logging / logging_setup do to the global loggers."""
    names = ("", *logging_setup.URL_LOGGERS, "httpcore", "hishel", "stamina", "matplotlib")
    saved = {n: (logging.getLogger(n).level, list(logging.getLogger(n).filters))
             for n in names}
    handlers = {h: list(h.filters) for h in logging.getLogger().handlers}
    yield
    for n, (level, filters) in saved.items():
        logging.getLogger(n).setLevel(level)
        logging.getLogger(n).filters[:] = filters
    for h, filters in handlers.items():
        h.filters[:] = filters
    logging_setup.SECRET_FILTER.clear()


def test_redaction_filter_scrubs_values_query_keys_and_tracebacks(clean_logging, debug_logs):
    caplog = debug_logs
    logging_setup.install(FAKE_TOKEN, *FAKE_KEYS.values())
    log = logging.getLogger("httpx")  # a logger with the filter: it acts at the source
    log.info('HTTP Request: %s %s "%s"', "GET",
             f"https://api.ethplorer.io/getTokenInfo/0xabc?apiKey={FAKE_KEYS['ethplorer']}"
             "&limit=5", "HTTP/1.1 200 OK")
    log.info("GET https://x.example/a?token=abcdef123456&api_key=zzz999 Bearer abc.def.ghi")
    try:
        raise ValueError(f"boom with {FAKE_TOKEN}")
    except ValueError:
        log.exception("failed for %s", FAKE_KEYS["snapshot"])
    text = everything_logged(caplog)
    assert not leaked(text)
    assert "apiKey=***&limit=5" in text
    assert "token=***" in text and "api_key=***" in text and "Bearer ***" in text
    assert "abcdef123456" not in text and "zzz999" not in text
    assert "boom with ***" in text


def test_configure_logging_keeps_httpx_quiet_and_installs_the_filter(clean_logging,
                                                                     monkeypatch):
    monkeypatch.setenv("ETHPLORER_API_KEY", FAKE_KEYS["ethplorer"])
    configure_logging(2)  # -vv
    for name in ("httpx", "httpcore"):
        assert logging.getLogger(name).level == logging.WARNING
    assert logging_setup.SECRET_FILTER in logging.getLogger("httpx").filters
    assert all(logging_setup.SECRET_FILTER in h.filters for h in logging.getLogger().handlers)
    assert logging_setup.SECRET_FILTER.redact(f"x {FAKE_KEYS['ethplorer']} y") == "x *** y"


# --------------------------------------------------------------------------- the CLI


def test_run_without_a_token_is_one_clear_line(capsys, tmp_path, monkeypatch, clean_logging):
    monkeypatch.chdir(tmp_path)  # no ./config.toml
    for var in ("DISCORD_TOKEN", "LORENZ_CONFIG"):
        monkeypatch.delenv(var, raising=False)
    code = main(["run"])
    out, err = capsys.readouterr()
    assert code != 0 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "no Discord token" in lines[0] and "DISCORD_TOKEN" in lines[0]


def test_run_with_a_rejected_token_never_logs_it(capsys, tmp_path, monkeypatch, debug_logs,
                                                 clean_logging):
    """``lorenz -vv run``: discord.py logs in (offline: the login is refused here)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LORENZ_CONFIG", raising=False)
    monkeypatch.setenv("DISCORD_TOKEN", FAKE_TOKEN)
    seen: list[str] = []

    async def refuse(self: Any, token: str) -> Any:
        seen.append(token)
        raise discord.LoginFailure("Improper token has been passed.")

    monkeypatch.setattr(discord.http.HTTPClient, "static_login", refuse)
    code = main(["-vv", "run"])
    out, err = capsys.readouterr()
    assert seen == [FAKE_TOKEN]  # the token went where it belongs…
    assert code == 1 and "Discord rejected the token" in err
    assert len(err.strip().splitlines()) == 1, err
    assert "logging in using static token" in debug_logs.text  # discord.py's own log line
    assert not leaked(out + err + everything_logged(debug_logs))  # …and nowhere else


def _cli(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items()
            if k not in ("LORENZ_CONFIG", "DISCORD_TOKEN", "ETHPLORER_API_KEY",
                         "SNAPSHOT_API_KEY", "BLOCKSCOUT_PRO_API_KEY")}
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=cwd,
                          env={**base, "PYTHONPATH": str(REPO), **env}, capture_output=True,
                          text=True, timeout=120)


SECRET_ENV = {"DISCORD_TOKEN": FAKE_TOKEN, "ETHPLORER_API_KEY": FAKE_KEYS["ethplorer"],
              "SNAPSHOT_API_KEY": FAKE_KEYS["snapshot"]}


def test_analyze_holders_file_with_vv_never_prints_a_secret(tmp_path):
    path = tmp_path / "holders.csv"
    path.write_text("address,balance\n" + "".join(f"0x{i:040x},{1000 // i}\n"
                                                  for i in range(1, 60)))
    out = _cli(["-vv", "analyze", "--holders-file", str(path), "--symbol", "TOK"], tmp_path,
               **SECRET_ENV)
    assert out.returncode == 0, out.stderr
    assert "TOK" in out.stdout
    assert not leaked(out.stdout + out.stderr)


def test_analyze_live_with_vv_and_the_ethplorer_fallback_never_prints_a_key(tmp_path):
    """The key travels in Ethplorer's query string; -vv shows debug logs, never the key."""
    server = LocalUpstream(FakeUpstream.default()).start()
    try:
        # Blockscout talks nonsense: the Ethplorer fallback runs (and talks nonsense too —
        # bad bodies are not retried, so the subprocess never sleeps between attempts).
        server.fake.faults.update({"/holders": "garbage", "api.ethplorer.io": "garbage"})
        cfg = config_toml(tmp_path / "config.toml", server.base, tmp_path / "cache")
        out = _cli(["-vv", "analyze", "curve", "--config", str(cfg), "--no-votes"], tmp_path,
                   **SECRET_ENV)
        asked = [k for k in server.fake.calls if "ethplorer" in k]
    finally:
        server.stop()
    assert asked, "the Ethplorer fallback did not run"
    assert "DEBUG" in out.stderr  # -vv really logged
    assert not leaked(out.stdout + out.stderr), out.stderr[-2000:]


def test_fake_upstream_keeps_a_known_token():
    """Guard: the scenarios rely on these tokens being in the fake."""
    assert {AAVE, CRV} <= set(FakeUpstream.default().tokens)


async def test_an_upstream_echoing_the_key_does_not_put_it_in_our_errors(fake, tmp_path):
    """Ethplorer's error text is quoted in ours; a key echoed back in it is blanked."""
    from sources.config import SourcesConfig
    from sources.holders import fetch_holders
    from sources.http import HttpClient, make_http_client

    rules = Rules(fake)
    rules.rules.update({"/holders": status(503), "api.ethplorer.io": echo_key})
    cfg = SourcesConfig(cache_dir=tmp_path, ethplorer_api_key=Secret(FAKE_KEYS["ethplorer"]))
    http = HttpClient(make_http_client(cfg, transport=httpx.MockTransport(rules.handler),
                                       cache_path=tmp_path / "c.sqlite"), rate_limits={})
    try:
        with pytest.raises(LorenzError) as caught:
            await fetch_holders(http, cfg, "ethereum", CRV)
    finally:
        await http.aclose()
    assert rules.hits["api.ethplorer.io"]  # the fallback ran and got the echo
    messages = shown_chain(caught.value)
    assert "Invalid API key ***" in "\n".join(messages)
    assert not leaked("\n".join(messages))


def _watched_http(rules: Rules, watch: KeyWatch, cfg, tmp_path):
    """The real client stack (keys added below the SQLite cache in ``tmp_path``) in front
    of ``rules``, every request shown to ``watch``; returns ``(HttpClient, httpx client)``."""
    from sources.http import HttpClient, make_http_client

    async def handler(request: httpx.Request) -> httpx.Response:
        watch(request)
        return await rules.handler(request)

    client = make_http_client(cfg, transport=httpx.MockTransport(handler),
                              cache_path=tmp_path / "c.sqlite")
    return HttpClient(client, rate_limits={}), client


def _cache_bytes(tmp_path) -> bytes:
    return b"".join(p.read_bytes() for p in tmp_path.glob("c.sqlite*"))


async def test_the_ethplorer_key_is_sent_but_never_stored_in_the_http_cache(fake, tmp_path):
    """The personal Ethplorer key rides in the query string; it is added below the cache
    (QueryKeyTransport), so Ethplorer gets it while the SQLite cache file never holds it."""
    from sources.config import SourcesConfig
    from sources.holders import fetch_holders

    fake.ethplorer = True
    rules = Rules(fake)
    rules.rules.update({"$/holders": status(503)})  # Blockscout down: Ethplorer runs
    watch = KeyWatch()
    key = FAKE_KEYS["ethplorer"]
    cfg = SourcesConfig(cache_dir=tmp_path, ethplorer_api_key=Secret(key))
    http, client = _watched_http(rules, watch, cfg, tmp_path)
    try:
        snapshot = await fetch_holders(http, cfg, "ethereum", CRV)
        assert not leaked(repr(client._transport.__dict__))  # the transports' reprs
    finally:
        await http.aclose()
    assert snapshot.source == "Ethplorer" and snapshot.addresses
    assert watch.seen["ethplorer"] and set(watch.seen["ethplorer"]) == {key}  # really sent
    stored = _cache_bytes(tmp_path)
    assert b"getTopTokenHolders" in stored  # the answers were cached…
    assert key.encode() not in stored and key[6:-4].encode() not in stored  # …keylessly


async def test_the_snapshot_key_is_sent_below_the_cache_and_never_stored(fake, tmp_path):
    """The Snapshot key rides in the ``x-api-key`` header, added below the HTTP cache
    (HeaderKeyTransport): the hub gets it, the SQLite cache file never holds it."""
    from pipeline.votes import fetch_votes
    from sources.config import SourcesConfig

    watch = KeyWatch()
    key = FAKE_KEYS["snapshot"]
    cfg = SourcesConfig(cache_dir=tmp_path, snapshot_api_key=Secret(key))
    http, client = _watched_http(Rules(fake), watch, cfg, tmp_path)
    try:
        report = await fetch_votes(http, cfg, ("uniswapgovernance.eth",))
        assert not leaked(repr(client._transport.__dict__))
    finally:
        await http.aclose()
    assert report.proposals
    assert watch.seen["snapshot"] and set(watch.seen["snapshot"]) == {key}  # really sent
    stored = _cache_bytes(tmp_path)
    assert key.encode() not in stored and key[6:-4].encode() not in stored
