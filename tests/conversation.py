"""Driving the bot through a conversation: faults in front of the fake APIs, a chart
switch, and "what did the bot send for this command" — shared by the fault, hostile-input
and secrets tests.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.app import LorenzBot
from tests import bot_support
from tests.fake_upstream import FakeUpstream
from tests.reply_checks import message_payload, visible_texts

#: Message flag of an ephemeral reply.
EPHEMERAL = 64


# --------------------------------------------------------------------------- faults per request

#: A rule answers a request instead of the fake: ``(request, fake's answer, hit number)``.
Rule = Callable[[httpx.Request, httpx.Response, int], httpx.Response]


class Rules:
    """Per-request faults in front of :class:`FakeUpstream`, counted per URL substring.

    A rule sees the fake's own answer (the fake counts the request and applies its own
    ``faults`` first), so it can corrupt a real body or let it through (a burst that ends).
    A needle starting with ``$`` must match the end of the URL path; others any part of
    the URL.
    """

    def __init__(self, fake: FakeUpstream) -> None:
        self.fake = fake
        self.rules: dict[str, Rule] = {}
        self.hits: Counter[str] = Counter()

    async def handler(self, request: httpx.Request) -> httpx.Response:
        upstream = await self.fake.handler(request)
        for needle, rule in self.rules.items():
            if _matches(needle, request):
                self.hits[needle] += 1
                return rule(request, upstream, self.hits[needle])
        return upstream


def _matches(needle: str, request: httpx.Request) -> bool:
    if needle.startswith("$"):  # "$path-suffix": the path must end with it
        return request.url.path.endswith(needle[1:])
    return needle in str(request.url)


def status(code: int, **headers: str) -> Rule:
    """Always answer ``code`` with ``headers``."""
    return lambda _req, _up, _n: httpx.Response(code, headers=headers)


def burst(code: int, n: int) -> Rule:
    """The first ``n`` requests get ``code``; later ones the real answer."""
    return lambda _req, up, hit: httpx.Response(code) if hit <= n else up


def body(doc: Any) -> Rule:
    """Always answer 200 with ``doc`` as JSON."""
    return lambda _req, _up, _n: httpx.Response(200, json=doc)


def patch_json(change: Callable[[Any], Any]) -> Rule:
    """The fake's JSON answer, changed by ``change`` (which may edit in place)."""

    def rule(_req: httpx.Request, up: httpx.Response, _n: int) -> httpx.Response:
        doc = json.loads(up.content)
        changed = change(doc)
        return httpx.Response(up.status_code, json=doc if changed is None else changed)

    return rule


def graphql(kind: str, answer: Rule) -> Rule:
    """``answer`` for Snapshot queries of ``kind`` ("proposals" / "votes"), else the fake's."""

    def rule(req: httpx.Request, up: httpx.Response, n: int) -> httpx.Response:
        query = json.loads(req.content)["query"]
        return answer(req, up, n) if query.startswith(f"query {kind.title()}(") else up

    return rule


def rules_bot(rules: Rules, tmp_path: Path, *, holders_limit: int = 100,
              **discord_overrides: Any) -> LorenzBot:
    """The real bot behind ``rules``; a fresh HTTP cache under ``tmp_path``; the test
    configuration (fake secrets) with ``discord_overrides``; cooldowns out of the way.

    The top ``holders_limit`` holders (100: two Blockscout pages) are enough to meet every
    fault and keep each conversation short.
    """
    overrides = {"user_rate": 10_000, "guild_rate": 10_000, **discord_overrides}
    config = bot_support.config_for_tests(tmp_path, **overrides)
    config = dataclasses.replace(config, sources=dataclasses.replace(
        config.sources, holders_limit=holders_limit))
    return bot_support.bot_behind(config, rules.handler, tmp_path)


# --------------------------------------------------------------------------- charts

class Charts:
    """Stand-in for the report chart: real drawing only while ``real`` is set.

    Drawing is most of a command's time; tests draw the reports whose charts matter (odd
    data, a part missing) and stub the others.
    """

    STUB = b"\x89PNG\r\n\x1a\n-stub-"

    def __init__(self) -> None:
        from pipeline.service import render_report

        self.real = False
        self._render = render_report

    def __call__(self, report: Any) -> bytes | None:
        return self._render(report) if self.real else self.STUB


def switch_charts(monkeypatch: pytest.MonkeyPatch) -> Charts:
    """Replace the report chart by a :class:`Charts` switch (renders run in a thread here)."""
    switch = Charts()
    monkeypatch.setattr("pipeline.service.render_report", switch)
    return switch


# --------------------------------------------------------------------------- replies


@dataclass
class Reply:
    """What the bot sent for one command: the message payloads and their visible text."""

    payloads: list[dict[str, Any]]

    @property
    def text(self) -> str:
        return "\n".join(t for p in self.payloads for t in visible_texts(p))

    @property
    def ephemeral(self) -> bool:
        return bool(self.payloads) and all(p.get("flags", 0) & EPHEMERAL
                                           for p in self.payloads)


async def ask(env: Any, channel: Any, user: Any, command: str, protocol: str,
              refused: tuple[str, int] = ("", 0)) -> Reply:
    """Run one command (or mention) and return the messages Discord accepted for it.

    ``refused`` is ``(path glob, times)`` of an injected error: the first ``times`` calls
    matching it were refused, so they are not part of the reply.
    """
    start = len(env.http_requests)
    if command == "mention":
        await user.send(channel, f"<@{env.bot.user.id}> how centralized is {protocol}?")
    else:
        await user.slash(channel, command, protocol=protocol)
    glob, times = refused
    payloads = []
    for entry in env.http_requests[start:]:
        if times and entry.method == "POST" and fnmatch.fnmatch(entry.path, glob):
            times -= 1
            continue
        if (payload := message_payload(entry)) is not None:
            payloads.append(payload)
    return Reply(payloads)
