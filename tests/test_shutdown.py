"""`lorenz run` shuts down cleanly on SIGTERM/SIGINT: gateway closed, then our clients."""

from __future__ import annotations

import asyncio
import os
import signal

import pytest

import bot.app as app
from bot.wiring import Collaborators
from tests.bot_support import bot_behind, config_for_tests
from tests.fake_upstream import FakeUpstream


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
async def test_signal_closes_http_client_and_pool(monkeypatch, tmp_path, sig):
    made: list[app.LorenzBot] = []
    fake = FakeUpstream.default()

    closed_after_gateway: list[bool] = []
    aclose = Collaborators.aclose

    def make(config):
        bot = bot_behind(config, fake.handler, tmp_path)
        made.append(bot)
        return bot

    async def spy_aclose(self: Collaborators) -> None:
        closed_after_gateway.append(made[0].is_closed())
        await aclose(self)

    async def start_without_discord(self, token: str) -> None:
        assert token == config_for_tests(tmp_path).discord.token.get()
        await self.setup_hook()  # what login() would run; then "connected" until closed
        asyncio.get_running_loop().call_later(0.05, os.kill, os.getpid(), sig)
        while not self.is_closed():
            await asyncio.sleep(0.01)

    monkeypatch.setattr(app, "make_bot", make)
    monkeypatch.setattr(app.LorenzBot, "start", start_without_discord)
    monkeypatch.setattr(Collaborators, "aclose", spy_aclose)
    await asyncio.wait_for(app.run_bot(config_for_tests(tmp_path)), timeout=10)
    bot = made[0]
    assert bot.is_closed()
    parts = bot.collaborators
    assert parts.closed and parts.http.client.is_closed  # our HTTP client and the pool …
    assert parts.renderer._pool is None
    assert closed_after_gateway and closed_after_gateway[0]  # … closed after super().close()
