"""Large JSON bodies are decoded off the event loop; small ones inline."""

from __future__ import annotations

import asyncio
import json

import pytest

from sources import http


async def test_large_bodies_are_decoded_in_a_worker_thread(monkeypatch):
    calls: list[int] = []
    real = asyncio.to_thread

    async def spy(fn, *args):
        calls.append(len(args[0]))
        return await real(fn, *args)

    monkeypatch.setattr(http.asyncio, "to_thread", spy)
    small = json.dumps({"x": 1}).encode()
    large = json.dumps(["a" * 100] * (http.THREAD_DECODE_BYTES // 100)).encode()
    assert await http.decode_json(small) == {"x": 1}
    assert calls == []
    assert await http.decode_json(large) == json.loads(large)
    assert calls == [len(large)]


async def test_a_large_body_that_is_not_json_still_raises_value_error():
    with pytest.raises(ValueError):
        await http.decode_json(b"<html>" + b" " * (http.THREAD_DECODE_BYTES + 1))
