"""`lorenz doctor [--json]`: offline, against the local stand-in, and with the real shapes
of Blockscout PRO (rate-limit/credit headers) and a refusing keyless instance.

End-to-end runs are real subprocesses against a loopback HTTP server (tests/local_server.py)
or a closed port; the in-process runs replace only the network (httpx.MockTransport).
Nothing asserts wall-clock time: a subprocess timeout catches a hang.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from bot.doctor import doctor_command
from core.secret import Secret
from pipeline.doctor import run_doctor
from sources.config import DEFAULT_BLOCKSCOUT, SourcesConfig
from sources.holders import KEY_NEEDED
from tests.fake_upstream import FakeUpstream
from tests.local_server import CHAINS, LocalUpstream, closed_port, config_toml

UNI = "0x1f9840a85d5af5bf1d1762f925bdaddc4201f984"


def _run(args: list[str], cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items()
           if k not in ("LORENZ_CONFIG", "BLOCKSCOUT_PRO_API_KEY", "ETHPLORER_API_KEY",
                        "SNAPSHOT_API_KEY")}
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


def _config(tmp_path: Path, base: str) -> Path:
    """config.toml pointing every source — every Blockscout chain too — at ``base``."""
    path = config_toml(tmp_path / "config.toml", base, tmp_path / "cache")
    with path.open("a") as fh:
        for chain in DEFAULT_BLOCKSCOUT:
            if chain not in CHAINS:  # those config_toml wrote
                fh.write(f'{chain} = "{base}/blockscout"\n')
    return path



def test_doctor_offline_names_every_host_and_exits_1(tmp_path):
    cfg = _config(tmp_path, f"http://127.0.0.1:{closed_port()}")
    out = _run(["-vv", "doctor", "--config", str(cfg)], tmp_path)
    assert out.returncode == 1, out.stderr
    assert "could not reach: 127.0.0.1" in out.stdout
    for source in ("Blockscout (ethereum)", "Ethplorer", "DefiLlama", "Snapshot"):
        line = next(ln for ln in out.stdout.splitlines() if ln.startswith(source))
        assert "unreachable (no connection)" in line
    assert "not ready" in out.stdout and "Traceback" not in out.stderr


def test_doctor_offline_json(tmp_path):
    cfg = _config(tmp_path, f"http://127.0.0.1:{closed_port()}")
    out = _run(["doctor", "--json", "--config", str(cfg)], tmp_path)
    assert out.returncode == 1
    doc = json.loads(out.stdout)
    assert doc["ok"] is False and doc["unreachable_hosts"] == ["127.0.0.1"]
    assert {s["source"] for s in doc["sources"]} >= {"Blockscout (ethereum)", "Ethplorer",
                                                     "DefiLlama", "Snapshot"}
    assert all(s["reachable"] is False for s in doc["sources"])


@pytest.fixture
def upstream():
    server = LocalUpstream(FakeUpstream.default()).start()
    yield server
    server.stop()


def test_doctor_against_the_local_stand_in(upstream, tmp_path):
    """Blockscout and DefiLlama answer (DefiLlama's 400 "not found" counts as an answer);
    the stand-in's Ethplorer is down (503): still ready, exit 0."""
    cfg = _config(tmp_path, upstream.base)
    out = _run(["doctor", "--json", "--config", str(cfg)], tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    doc = json.loads(out.stdout)
    caps = {c["name"]: c for c in doc["capabilities"]}
    assert caps["holders on ethereum"]["ok"] and caps["fees"]["ok"] and caps["votes"]["ok"]
    by_source = {s["source"]: s for s in doc["sources"]}
    assert by_source["Ethplorer"]["outcome"] == "trouble"
    assert by_source["DefiLlama"]["status"] == 400 and by_source["DefiLlama"]["outcome"] == "works"
    assert upstream.fake.count("/holders") == 1  # one probe, no retries
    assert by_source["Ethereum JSON-RPC"]["outcome"] == "works"  # the stand-in node
    assert caps["on-chain delegates (ethereum)"]["ok"]
    text = _run(["doctor", "--config", str(cfg)], tmp_path)
    assert text.returncode == 0 and "ready: holders on Ethereum and fees work" in text.stdout


def _pro_handler(requests: list[httpx.Request]):
    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        host = request.url.host
        if host == "api.blockscout.com":
            return httpx.Response(200, json={"items": [], "next_page_params": None},
                                  headers={"x-credits-remaining": "99980",
                                           "x-ratelimit-limit": "5",
                                           "x-ratelimit-remaining": "4",
                                           "x-ratelimit-reset": "870"})
        if host == "api.llama.fi":
            return httpx.Response(400, text="Fees for uniswap not found, please visit "
                                            "/overview/fees to see available protocols",
                                  headers={"content-type": "text/plain"})
        if host == "hub.snapshot.org":
            return httpx.Response(200, json={"data": {"space": {"id": "x"}}})
        return httpx.Response(200, json={"decimals": "18"})
    return handler


def test_doctor_with_a_pro_key_shows_limits_and_credits_never_the_key(tmp_path, capsys):
    requests: list[httpx.Request] = []
    key = "proapi_DOCTORSECRET"
    cfg = SourcesConfig(cache_dir=tmp_path, blockscout_pro_api_key=Secret(key))
    code = doctor_command(cfg, False, httpx.MockTransport(_pro_handler(requests)))
    out = capsys.readouterr().out
    assert code == 0
    eth = next(ln for ln in out.splitlines() if ln.startswith("Blockscout PRO (chain 1)"))
    assert "api.blockscout.com" in eth and " yes " in eth
    assert "limit 5/s, 4 left, credits 99,980" in eth
    assert key not in out
    pro = [r for r in requests if r.url.host == "api.blockscout.com"]
    assert {r.url.path.split("/")[1] for r in pro} == {"1", "10", "42161", "8453", "137",
                                                       "100"}
    assert all(r.headers["authorization"] == f"Bearer {key}" and key not in str(r.url)
               for r in pro)


async def test_doctor_keyless_refusal_gives_the_free_key_line(tmp_path):
    """A Cloudflare 403 page from the keyless instance: holders on Ethereum still work via
    Ethplorer; the free-key line is the hint; other chains do not work."""
    cloudflare = httpx.Response(403, content=b"<!DOCTYPE html><title>Just a moment...</title>",
                                headers={"content-type": "text/html"})

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host.endswith("blockscout.com"):
            return cloudflare
        return _pro_handler([])(request)

    cfg = SourcesConfig(cache_dir=tmp_path)
    report = await run_doctor(cfg, httpx.MockTransport(handler))
    assert report.ok
    eth = report.capability("holders on ethereum")
    assert eth is not None and eth.how.startswith("Ethplorer fallback, top 100")
    op = report.capability("holders on optimism")
    assert op is not None and not op.ok and "needs key" in op.how
    assert report.hints == (KEY_NEEDED + ".",)
