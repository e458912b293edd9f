"""The ``lorenz`` process: closed pipes, Ctrl-C and what it imports (issue 15, items 1 and 3).

Each test runs a real interpreter: a closed pipe, a SIGINT and ``sys.modules`` are only
what they are in a process of their own. Nothing here asserts a time; waits have generous
deadlines that only turn a hang into a failure.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sources.inflight import InFlight
from tests.fake_upstream import FakeUpstream
from tests.local_server import LocalUpstream, config_toml

REPO = Path(__file__).resolve().parents[1]
EXIT_BROKEN_PIPE = 128 + signal.SIGPIPE
EXIT_INTERRUPTED = 128 + signal.SIGINT
HEAVY = ("pandas", "matplotlib", "discord")


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "LORENZ_CONFIG"}


def _lorenz(*args: str) -> list[str]:
    return [sys.executable, "-m", "bot.cli", *args]


def _address(i: int) -> str:
    return f"0x{i:040x}"


@pytest.fixture
def dune_file(tmp_path) -> Path:
    """A Dune result JSON with 1,500 holders: its text report with ``--top 1500`` is over
    100 KB, more than a pipe holds, so the writer meets a closed pipe mid-report."""
    rows = [{"address": _address(i + 1), "balance": 1_000_000 / (i + 1)} for i in range(1500)]
    doc = {"execution_ended_at": "2026-02-19T00:00:00Z", "result": {"rows": rows}}
    path = tmp_path / "holders.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


# ------------------------------------------------------------------------ closed pipes


def _run_into_closed_pipe(argv: list[str], cwd: Path, *, stderr_too: bool = False
                          ) -> tuple[int, bytes]:
    """Run with stdout (and stderr, when ``stderr_too``) a pipe whose reader is already
    gone: every write fails with EPIPE, whatever the timing."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = subprocess.run(argv, cwd=cwd, env=_env(), stdout=write_end,
                              stderr=write_end if stderr_too else subprocess.PIPE,
                              timeout=120, check=False)
    finally:
        os.close(write_end)
    return proc.returncode, proc.stderr or b""


@pytest.mark.parametrize("extra", [["--top", "1500"], ["--json"], ["--top", "1"]])
def test_output_to_a_closed_pipe_ends_quietly(dune_file, tmp_path, extra):
    code, err = _run_into_closed_pipe(_lorenz("analyze", "--holders-file", str(dune_file),
                                              *extra), tmp_path)
    assert code == EXIT_BROKEN_PIPE
    assert err == b""


@pytest.mark.parametrize("argv", [["methodology"], ["--help"], ["analyze", "--help"]])
def test_other_commands_into_a_closed_pipe(tmp_path, argv):
    code, err = _run_into_closed_pipe(_lorenz(*argv), tmp_path)
    assert code == EXIT_BROKEN_PIPE
    assert err == b""


def test_an_error_into_a_closed_pipe_is_quiet_too(tmp_path):
    """``lorenz … 2>&1 | head -0``: the one-line error itself meets the closed pipe."""
    code, _ = _run_into_closed_pipe(_lorenz("analyze", "--holders-file", "missing.json"),
                                    tmp_path, stderr_too=True)
    assert code == EXIT_BROKEN_PIPE


def test_head_dash_1(dune_file, tmp_path):
    """``lorenz analyze --holders-file … --top 1500 | head -1``."""
    proc = subprocess.Popen(_lorenz("analyze", "--holders-file", str(dune_file), "--top",
                                    "1500"), cwd=tmp_path, env=_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()
    proc.stdout.close()  # what head does after its line
    err = proc.stderr.read()
    code = proc.wait(timeout=120)
    assert first.startswith(b"holders in holders.json: ")
    assert code == EXIT_BROKEN_PIPE
    assert err == b""


def test_an_open_pipe_gets_everything(dune_file, tmp_path):
    proc = subprocess.run(_lorenz("analyze", "--holders-file", str(dune_file), "--top",
                                  "1500"), cwd=tmp_path, env=_env(), capture_output=True,
                          text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "1500. " in proc.stdout and proc.stderr == ""


# ----------------------------------------------------------------------------- Ctrl-C

#: Runs the CLI with a transport whose close takes 0.3 s, like closing TLS connections over
#: a slow network: request tasks still running then wake against a closed client.
SLOW_CLOSE = """
import asyncio, sys
import sources.http as http
from bot.cli import main

make = http.make_http_client

def slow_closing_client(*args, **kwargs):
    client = make(*args, **kwargs)
    transport = client._transport
    close = transport.aclose

    async def aclose():
        await asyncio.sleep(0.3)
        await close()

    transport.aclose = aclose
    return client

http.make_http_client = slow_closing_client
sys.exit(main(sys.argv[1:]))
"""


@pytest.fixture
def slow_upstream():
    fake = FakeUpstream.default()
    fake.delay = (0.05, 0.3)
    server = LocalUpstream(fake).start()
    yield server
    server.stop()


def _interrupt_after(proc: subprocess.Popen, fake: FakeUpstream, requests: int) -> None:
    """Send SIGINT once the upstream has seen ``requests`` requests from ``proc``."""
    deadline = time.monotonic() + 60  # only turns a hang into a failure
    while fake.count("") < requests:
        assert proc.poll() is None, "the analysis ended before it could be interrupted"
        assert time.monotonic() < deadline, "the analysis sent no requests"
        time.sleep(0.005)
    proc.send_signal(signal.SIGINT)


@pytest.mark.parametrize("slow_close", [True, False], ids=["slow-close", "plain"])
@pytest.mark.parametrize("requests", [1, 3, 6])
def test_ctrl_c_prints_one_line(slow_upstream, tmp_path, requests, slow_close):
    cfg = config_toml(tmp_path / "config.toml", slow_upstream.base, tmp_path / "cache")
    argv = (["-c", SLOW_CLOSE] if slow_close else ["-m", "bot.cli"])
    proc = subprocess.Popen([sys.executable, *argv, "analyze", "uniswap", "--config",
                             str(cfg)], cwd=REPO, env=_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        _interrupt_after(proc, slow_upstream.fake, requests)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert (err, proc.returncode) == ("lorenz: interrupted\n", EXIT_INTERRUPTED), out[:300]
    assert out == ""


def test_a_finished_analysis_closes_the_client(slow_upstream, tmp_path, monkeypatch, capsys):
    """Nothing left running: the HTTP client (and its cache) is closed before the exit."""
    import sources.http
    from bot.cli import main

    closed: list[int] = []
    aclose = sources.http.HttpClient.aclose

    async def spy(self) -> None:
        others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        closed.append(len(others))
        await aclose(self)

    monkeypatch.setattr(sources.http.HttpClient, "aclose", spy)
    cfg = config_toml(tmp_path / "config.toml", slow_upstream.base, tmp_path / "cache")
    assert main(["analyze", "uniswap", "--config", str(cfg), "--no-votes"]) == 0
    assert capsys.readouterr().out.startswith("Uniswap")
    assert closed == [0]  # closed once, with no request task still running


async def test_an_abandoned_shared_task_failing_is_not_reported():
    """InFlight's shared task, left running when its only caller is cancelled, fails
    later (the client was closed): asyncio must not log "never retrieved" for it."""
    reported: list[dict] = []
    asyncio.get_running_loop().set_exception_handler(lambda _loop, ctx: reported.append(ctx))
    gate = asyncio.Event()

    async def work() -> None:
        await gate.wait()
        raise RuntimeError("Cannot send a request, as the client has been closed.")

    inflight: InFlight[None] = InFlight()
    caller = asyncio.create_task(inflight.run("key", work))
    await asyncio.sleep(0)
    caller.cancel()
    with pytest.raises(asyncio.CancelledError):
        await caller
    gate.set()
    while len(inflight):
        await asyncio.sleep(0)
    del caller
    gc.collect()
    assert reported == []


async def test_a_waiting_caller_still_gets_the_error():
    inflight: InFlight[None] = InFlight()

    async def work() -> None:
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        await inflight.run("key", work)


# ------------------------------------------------------------------------ lazy imports

_MODULES_AFTER = """
import contextlib, io, json, sys
from bot.cli import main
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    code = main(sys.argv[1:])
heavy = ("pandas", "matplotlib", "discord")
print(json.dumps({"code": code, "modules": sorted(m for m in heavy if m in sys.modules)}))
"""


def _modules_after(*argv: str, cwd: Path) -> set[str]:
    """The heavy modules (pandas, matplotlib, discord) loaded by ``lorenz ARGV``."""
    proc = subprocess.run([sys.executable, "-c", _MODULES_AFTER, *argv], cwd=cwd, env={
        **_env(), "PYTHONPATH": str(REPO)}, capture_output=True, text=True, timeout=120,
        check=False)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.splitlines()[-1])
    assert result["code"] == 0
    return set(result["modules"])


@pytest.mark.parametrize("argv", [["--help"], ["--version"], ["analyze", "--help"],
                                  ["methodology"]])
def test_help_imports_nothing_heavy(tmp_path, argv):
    assert _modules_after(*argv, cwd=tmp_path) == set()


@pytest.mark.parametrize("extra", [[], ["--json"]])
def test_a_json_file_analysis_imports_neither_pandas_nor_matplotlib(dune_file, tmp_path,
                                                                   extra):
    assert _modules_after("analyze", "--holders-file", str(dune_file), *extra,
                          cwd=tmp_path) == set()


def test_a_csv_file_analysis_imports_no_matplotlib_or_discord(tmp_path):
    path = tmp_path / "holders.csv"
    path.write_text("address,balance\n" + "".join(f"{_address(i + 1)},{100 - i}\n"
                                                  for i in range(50)), encoding="utf-8")
    assert not _modules_after("analyze", "--holders-file", str(path),
                              cwd=tmp_path) & {"matplotlib", "discord"}


def test_a_chart_imports_matplotlib_only_then(dune_file, tmp_path):
    """The check sees imports: asking for a chart loads matplotlib (and still no discord)."""
    modules = _modules_after("analyze", "--holders-file", str(dune_file), "--chart",
                             str(tmp_path / "chart.png"), cwd=tmp_path)
    assert "matplotlib" in modules and "discord" not in modules
