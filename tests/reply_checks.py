"""Checks on everything the bot sent to (simulated) Discord, shared by the fault and
hostile-input tests.

They read the raw request payloads simcord recorded (``env.http_requests``), so they see
exactly what would go over the wire: message content, embeds and ``allowed_mentions`` of
channel messages, interaction callbacks and webhook follow-ups.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import discord

from core.errors import LorenzError

#: Discord API limits (https://discord.com/developers/docs/resources/message#embed-object).
CONTENT_MAX = 2000
TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELDS_MAX = 25
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048
AUTHOR_MAX = 256
EMBED_TOTAL_MAX = 6000
EMBEDS_MAX = 10

#: Text Discord would render as a mention (a ping, or at least a highlighted name).
RENDERED_MENTION = re.compile(r"@(?:everyone|here)|<@[!&]?\d+>")
#: What a leaked Python traceback looks like.
TRACEBACK = re.compile(r"Traceback \(most recent call last\)|File \"[^\"]+\", line \d+")


def message_payload(entry: Any) -> dict[str, Any] | None:
    """The message a recorded REST call posts or edits, or None (deferrals, other calls)."""
    if entry.method not in ("POST", "PATCH") or not isinstance(entry.json, dict):
        return None
    payload = entry.json.get("data") if entry.path.endswith("/callback") else entry.json
    if isinstance(payload, dict) and {"content", "embeds"} & set(payload):
        return payload
    return None


def bot_payloads(env: Any) -> list[tuple[str, dict[str, Any]]]:
    """``(path, payload)`` of every message the bot tried to post or edit (not deferrals).

    simcord records a call before an injected error refuses it, so refused attempts are
    included: they too must be within limits and ping nobody.
    """
    return [(r.path, p) for r in env.http_requests if (p := message_payload(r)) is not None]


def embed_texts(embed: dict[str, Any]) -> list[str]:
    """Every user-visible text of an embed payload."""
    texts = [embed.get("title") or "", embed.get("description") or ""]
    texts += [(embed.get("footer") or {}).get("text") or "",
              (embed.get("author") or {}).get("name") or ""]
    for f in embed.get("fields") or ():
        texts += [f.get("name") or "", f.get("value") or ""]
    return texts


def visible_texts(payload: dict[str, Any]) -> list[str]:
    """Content plus every embed text of one message payload."""
    texts = [payload.get("content") or ""]
    for embed in payload.get("embeds") or ():
        texts += embed_texts(embed)
    return texts


def check_limits(payload: dict[str, Any], where: str = "") -> None:
    """Assert one message payload is within Discord's size limits."""
    assert len(payload.get("content") or "") <= CONTENT_MAX, where
    embeds = payload.get("embeds") or []
    assert len(embeds) <= EMBEDS_MAX, where
    grand_total = 0
    for e in embeds:
        assert len(e.get("title") or "") <= TITLE_MAX, (where, e.get("title"))
        assert len(e.get("description") or "") <= DESCRIPTION_MAX, where
        fields = e.get("fields") or []
        assert len(fields) <= FIELDS_MAX, where
        for f in fields:
            assert 0 < len(f.get("name") or "") <= FIELD_NAME_MAX, (where, f)
            assert 0 < len(f.get("value") or "") <= FIELD_VALUE_MAX, (where, f)
        assert len((e.get("footer") or {}).get("text") or "") <= FOOTER_MAX, where
        assert len((e.get("author") or {}).get("name") or "") <= AUTHOR_MAX, where
        total = sum(map(len, embed_texts(e)))
        assert total <= EMBED_TOTAL_MAX, (where, total)
        grand_total += total
    assert grand_total <= EMBED_TOTAL_MAX, (where, grand_total)


def check_no_pings(payload: dict[str, Any], where: str = "") -> None:
    """Assert a payload can ping nobody and shows no mention Discord would render."""
    mentions = payload.get("allowed_mentions")
    assert mentions is not None, f"no allowed_mentions on {where}"
    assert mentions.get("parse") == [], (where, mentions)
    assert not mentions.get("users") and not mentions.get("roles"), (where, mentions)
    for text in visible_texts(payload):
        found = RENDERED_MENTION.search(text)
        assert found is None, (where, found.group(0), text[:300])


def check_all_replies(env: Any) -> list[dict[str, Any]]:
    """Run every check on every message the bot sent; return the payloads."""
    payloads = bot_payloads(env)
    for path, payload in payloads:
        check_limits(payload, path)
        check_no_pings(payload, path)
        for text in visible_texts(payload):
            assert not TRACEBACK.search(text), (path, text[:300])
    return [p for _, p in payloads]


def chain(error: BaseException) -> list[BaseException]:
    """The error and everything discord.py wrapped inside it (``.original``)."""
    out = [error]
    while (inner := getattr(out[-1], "original", None)) is not None and len(out) < 6:
        out.append(inner)
    return out


def unexpected_errors(errors: Iterable[BaseException],
                      expected: tuple[type[BaseException], ...] = (LorenzError,)
                      ) -> list[BaseException]:
    """Errors the bot raised whose innermost cause is not one of ``expected``.

    discord.py wraps a command's exception (``HybridCommandError`` →
    ``CommandInvokeError`` → ours); the innermost one decides.
    """
    return [e for e in errors if not isinstance(chain(e)[-1], expected)]


def expect_only(env: Any, *expected: type[BaseException]) -> list[BaseException]:
    """Read ``env.errors`` (acknowledging them) and assert each is one of ``expected``."""
    errors = env.errors
    bad = unexpected_errors(errors, expected or (LorenzError,))
    assert not bad, [repr(chain(e)[-1]) for e in bad]
    return [chain(e)[-1] for e in errors]


DISCORD_REFUSALS = (discord.HTTPException,)
