"""What starting ``lorenz`` costs: ``lorenz --help`` and a JSON holder-file analysis.

Each case runs in fresh processes (``python -m bot.cli …``), repeated; printed are the
medians of the process CPU time (user + system, in seconds; steadier than wall time on a
busy machine), of the wall time and of the peak resident memory (MB, from ``wait4``), and
which heavy libraries the command imported (pandas, matplotlib, discord: none of them
should load for these two). The JSON file is generated: a Dune result with 1,000 holders.

    python benchmarks/startup.py [--runs N] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HEAVY = ("pandas", "matplotlib", "discord")
MODULES = """
import contextlib, io, json, sys
from bot.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    main(sys.argv[1:])
print(json.dumps([m for m in ("pandas", "matplotlib", "discord") if m in sys.modules]))
"""


def dune_file(folder: Path, n: int = 1000) -> Path:
    """A Dune result JSON with ``n`` heavy-tailed holders (balances in token units)."""
    rows = [{"address": f"0x{i + 1:040x}", "balance": 1e9 / (i + 1) ** 1.2} for i in range(n)]
    path = folder / "holders.json"
    path.write_text(json.dumps({"execution_ended_at": "2026-02-19T00:00:00Z",
                                "result": {"rows": rows}}), encoding="utf-8")
    return path


def run_once(argv: list[str]) -> tuple[float, float, float]:
    """One fresh process: (CPU seconds, wall seconds, peak RSS in MB)."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", *argv], cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"lorenz {' '.join(argv)} exited with {proc.returncode}")
    return usage.ru_utime + usage.ru_stime, wall, usage.ru_maxrss / 1024


def heavy_modules(argv: list[str]) -> list[str]:
    """The heavy libraries ``lorenz ARGV`` imported."""
    out = subprocess.run([sys.executable, "-c", MODULES, *argv], cwd=REPO, check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout.splitlines()[-1])


def measure(argv: list[str], runs: int) -> dict[str, object]:
    """Medians over ``runs`` fresh processes, and the heavy modules imported."""
    samples = [run_once(argv) for _ in range(runs)]
    cpu, wall, rss = (statistics.median(s[i] for s in samples) for i in range(3))
    return {"cpu_s": round(cpu, 3), "wall_s": round(wall, 3), "peak_rss_mb": round(rss, 1),
            "heavy_modules": heavy_modules(argv)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="processes per case")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = dune_file(Path(tmp))
        cases = {"lorenz --help": ["--help"],
                 "lorenz analyze --holders-file <1,000-row Dune JSON>":
                     ["analyze", "--holders-file", str(path)]}
        results = {name: measure(argv, args.runs) for name, argv in cases.items()}
    if args.json:
        print(json.dumps(results, indent=2))
        return
    for name, r in results.items():
        print(f"{name}: CPU {r['cpu_s']:.2f} s, wall {r['wall_s']:.2f} s, peak "
              f"{r['peak_rss_mb']:.0f} MB, heavy modules: "
              f"{', '.join(r['heavy_modules']) or 'none'}")


if __name__ == "__main__":
    main()
