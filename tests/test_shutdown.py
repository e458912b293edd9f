"""`lorenz run` shuts down cleanly on SIGTERM/SIGINT: gateway closed, then our clients."""

from __future__ import annotations

import asyncio
import os
import signal

import httpx
import pytest

import bot.app as app
from tests.bot_support import config_for_tests
from tests.fake_upstream import FakeUpstream


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
async def test_signal_closes_http_client_and_pool(monkeypatch, tmp_path, sig):
    made: list[app.LorenzBot] = []
    fake = FakeUpstream.default()

    def make(config, **_kw):
        bot = app.LorenzBot(config, transport=httpx.MockTransport(fake.handler),
                            cache_path=tmp_path / "cache.sqlite")
        made.append(bot)
        return bot

    async def start_without_discord(self, token: str) -> None:
        assert token == config_for_tests(tmp_path).discord.token.get()
        await self.setup_hook()  # what login() would run; then "connected" until closed
        asyncio.get_running_loop().call_later(0.05, os.kill, os.getpid(), sig)
        while not self.is_closed():
            await asyncio.sleep(0.01)

    monkeypatch.setattr(app, "make_bot", make)
    monkeypatch.setattr(app.LorenzBot, "start", start_without_discord)
    await asyncio.wait_for(app.run_bot(config_for_tests(tmp_path)), timeout=10)
    bot = made[0]
    assert bot.is_closed()
    assert bot.data_http is None and bot.renderer is None  # closed after super().close()
