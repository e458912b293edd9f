"""One error handler: our errors become one short sentence; anything else gets an error id.

The sentences are made here (:func:`describe`) and sent for every command by the
:class:`~commands.error_handler.ErrorHandler` cog; the mention listener (a mention is not a
command) sends them itself.

Mapping (the reply is ephemeral where Discord allows it):

* :class:`ProtocolNotFound` → "I don't know …. Did you mean …?"
* :class:`CooldownActive`  → "Slow down — try again in N s."
* :class:`SourceError`     → the source's own sentence, the provider named (no host, no URL,
  no secrets: :func:`core.errors.public_text`)
* :class:`InputError`      → its message
* bad or missing arguments → a short usage hint
* Discord refusing our reply (403 missing permission, 429, 5xx) → a short sentence, logged as
  a warning without a traceback (the error reply itself may be refused too: logged, contained)
* anything else            → logged with an id; the user gets the id and an apology.
"""

from __future__ import annotations

import logging
import uuid

import discord
from discord import app_commands
from discord.ext import commands

from commands.embeds import CONTENT_MAX, clip, safe
from core.errors import (
    CooldownActive,
    InputError,
    LorenzError,
    ProtocolNotFound,
    SourceError,
    public_text,
)

log = logging.getLogger(__name__)


def unwrap(error: BaseException) -> BaseException:
    """The original exception inside discord.py's wrappers."""
    seen = 0
    while seen < 5:
        seen += 1
        inner = getattr(error, "original", None)
        if inner is None or inner is error:
            break
        error = inner
    return error


def describe(error: BaseException) -> tuple[str, bool]:
    """``(message, expected)`` for an error; unexpected ones get an error id and are logged."""
    error = unwrap(error)
    if isinstance(error, ProtocolNotFound):
        hint = (" Did you mean " + ", ".join(f"**{safe(s, 60)}**" for s in error.suggestions)
                + "?") if error.suggestions else " Try the name of a DeFi protocol, e.g. uniswap."
        return clip(f"I don't know a protocol called “{safe(error.query, 80)}”.{hint}",
                    CONTENT_MAX), True
    if isinstance(error, SourceError | InputError | CooldownActive | LorenzError):
        return clip(safe(public_text(error), 600), CONTENT_MAX), True
    if isinstance(error, commands.MissingRequiredArgument):
        return f"Missing `{error.param.name}`. Try `/help`.", True
    if isinstance(error, commands.BadArgument | commands.TooManyArguments
                  | commands.UserInputError | app_commands.TransformerError):
        return "I couldn't read that. Try `/help`.", True
    if isinstance(error, commands.CommandOnCooldown | app_commands.CommandOnCooldown):
        return f"Slow down — try again in {max(1, round(error.retry_after))} s.", True
    if isinstance(error, commands.NoPrivateMessage | app_commands.NoPrivateMessage):
        return "That only works in a server.", True
    if isinstance(error, commands.NotOwner | commands.CheckFailure | app_commands.CheckFailure):
        return "You can't use that command here.", True
    if isinstance(error, discord.HTTPException) and (
            isinstance(error, discord.Forbidden) or error.status == 429 or error.status >= 500):
        return _discord_refusal(error), True  # not our bug (a 400 — a bad payload — is)
    error_id = uuid.uuid4().hex[:8]
    log.error("unexpected error %s: %s", error_id, type(error).__name__,
              exc_info=(type(error), error, error.__traceback__))
    return (f"Sorry — something went wrong on my side (error id `{error_id}`). "
            "The maintainers can look it up in the logs."), False


def _discord_refusal(error: discord.HTTPException) -> str:
    """The sentence for Discord refusing a request of ours; logged without a traceback.

    Not a bug on our side: a missing channel permission (403, code 50013 or 50001), Discord's
    rate limit (429, after discord.py's own retries) or Discord having trouble (5xx).
    """
    log.warning("Discord refused a request: HTTP %s, code %s", error.status, error.code)
    if isinstance(error, discord.Forbidden):
        return ("I couldn't post my answer here: I'm missing a permission in this channel "
                "(View Channel, Send Messages, Embed Links or Attach Files).")
    if error.status == 429:
        return "Discord is rate-limiting me right now. Try again in a few seconds."
    return "Discord had trouble taking my answer just now. Try again in a moment."


#: Errors only the asker needs: ephemeral even after a public deferral.
ASKER_ONLY = (ProtocolNotFound, CooldownActive, InputError, commands.UserInputError,
              app_commands.TransformerError)


async def reply_error(ctx: commands.Context[commands.Bot], error: BaseException) -> None:
    """Send the short error reply for ``ctx`` (ephemeral for slash commands).

    An error only the asker needs (:data:`ASKER_ONLY`: unknown protocol, cooldown, bad
    input) that comes after a public deferral is sent by :func:`private_after_defer`.
    """
    message, _expected = describe(error)
    interaction = ctx.interaction
    try:
        if (interaction is not None and interaction.response.is_done()
                and isinstance(unwrap(error), ASKER_ONLY)):
            await private_after_defer(interaction, message)
        else:
            await ctx.send(message, ephemeral=True,
                           allowed_mentions=discord.AllowedMentions.none())
    except discord.HTTPException as exc:  # Discord refused (missing permission, 429…)
        log.warning("could not send the error reply: %s %s", exc.status, exc.code)


async def private_after_defer(interaction: discord.Interaction, message: str) -> None:
    """``message`` to the asker alone although the interaction was deferred publicly.

    Discord keeps a deferral's visibility: the first follow-up replaces the public
    "thinking…" placeholder, ephemeral flag or not. So the placeholder is completed
    (an edit), deleted, and the message follows as a new, ephemeral follow-up.
    """
    none = discord.AllowedMentions.none()
    await interaction.edit_original_response(content="…", allowed_mentions=none)
    await interaction.delete_original_response()
    await interaction.followup.send(message, ephemeral=True, allowed_mentions=none)
