"""The README's quick start, true for a user with no key and for one with a free Blockscout
PRO key — real `lorenz` subprocesses against the loopback stand-in of every API
(tests/local_server.py), in the shapes the providers answer with today.

* no key, the per-instance Blockscout answers: holders from it, politely (top 500);
* no key, the per-instance Blockscout refuses (a Cloudflare 403 HTML page): the one-line
  free-key message, and Ethereum's top 100 from Ethplorer;
* ``BLOCKSCOUT_PRO_API_KEY`` set: holders from Blockscout PRO (Bearer header, never shown),
  and ``lorenz doctor`` shows the credits left.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from sources.holders import KEY_NEEDED
from tests.fake_upstream import FakeUpstream
from tests.local_server import LocalUpstream, config_toml

KEY = "proapi_QUICKSTARTSECRET"
CLOUDFLARE = httpx.Response(
    403, content=b"<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>"
                 b"<div class=\"cf-browser-verification\"></div></body></html>",
    headers={"content-type": "text/html; charset=UTF-8"})


@pytest.fixture
def upstream():
    server = LocalUpstream(FakeUpstream.default()).start()
    yield server
    server.stop()


def _run(args: list[str], cwd: Path, key: str = "") -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items()
           if k not in ("LORENZ_CONFIG", "BLOCKSCOUT_PRO_API_KEY", "ETHPLORER_API_KEY")}
    if key:
        env["BLOCKSCOUT_PRO_API_KEY"] = key
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=90)


def _config(tmp_path: Path, base: str) -> Path:
    path = config_toml(tmp_path / "config.toml", base, tmp_path / "cache")
    text = path.read_text().replace(
        "[sources.blockscout]", f'blockscout_pro_url = "{base}/blockscoutpro"\n\n'
                                "[sources.blockscout]")
    path.write_text(text)
    return path


def test_no_key_keyless_blockscout_answers(upstream, tmp_path):
    cfg = _config(tmp_path, upstream.base)
    out = _run(["analyze", "uniswap", "--json", "--no-votes", "--config", str(cfg)], tmp_path)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["windows"]["holders"]["source"] == "Blockscout (ethereum)"
    listed = doc["windows"]["holders"]["listed"]
    assert listed == min(500, len(upstream.fake.tokens[
        "0x1f9840a85d5af5bf1d1762f925bdaddc4201f984"].holders))
    assert doc["fees"]["split_30d"]["fees"] > 0  # fees need no key
    assert upstream.fake.count("api.blockscout.com") == 0


def test_no_key_refused_says_get_a_free_key_and_uses_ethplorer(upstream, tmp_path):
    upstream.fake.faults["eth.blockscout.com/api/v2/tokens"] = CLOUDFLARE
    upstream.fake.ethplorer = True
    cfg = _config(tmp_path, upstream.base)
    out = _run(["analyze", "uniswap", "--no-votes", "--config", str(cfg)], tmp_path)
    assert out.returncode == 0, out.stderr
    assert f"warning: {KEY_NEEDED}; top 100 from Ethplorer" in out.stdout
    assert "holders: top 100 from Ethplorer" in out.stdout
    assert upstream.fake.count("eth.blockscout.com") == 1  # a refusal is not retried


def test_no_key_refused_and_no_fallback_is_one_line(upstream, tmp_path):
    upstream.fake.faults["eth.blockscout.com/api/v2/tokens"] = CLOUDFLARE
    cfg = _config(tmp_path, upstream.base)
    out = _run(["analyze", "uniswap", "--no-votes", "--json", "--config", str(cfg)], tmp_path)
    assert out.returncode == 0, out.stderr  # fees still answer
    doc = json.loads(out.stdout)
    (holders,) = [m for m in doc["missing"] if "holder list" in m]
    assert holders.startswith(f"Uniswap — holder list: {KEY_NEEDED}.") and "\n" not in holders
    assert "blockscout.com" not in holders


def test_with_a_free_pro_key(upstream, tmp_path):
    cfg = _config(tmp_path, upstream.base)
    out = _run(["-vv", "analyze", "uniswap", "--json", "--no-votes", "--config", str(cfg)],
               tmp_path, key=KEY)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["windows"]["holders"]["source"] == "Blockscout PRO (chain 1)"
    assert upstream.fake.count("eth.blockscout.com") == 0
    assert upstream.fake.count("api.blockscout.com/1/api/v2/tokens") >= 2
    assert KEY not in out.stdout and KEY not in out.stderr  # not even at -vv
    assert "credits left" in out.stderr  # logged at DEBUG
    doctor = _run(["doctor", "--config", str(cfg)], tmp_path, key=KEY)
    line = next(ln for ln in doctor.stdout.splitlines()
                if ln.startswith("Blockscout PRO (chain 1)"))
    assert "credits" in line and " yes " in line and KEY not in doctor.stdout
