"""Benchmark a big holder CSV: ``lorenz analyze --holders-file big.csv`` against pandas.read_csv.

    python benchmarks/holder_file.py [--rows 1000000] [--repeats 5] [--format csv|etherscan]
                                     [--json]

Writes a CSV of ``--rows`` holders to a temporary folder: random addresses, balances from a
heavy-tailed distribution (Pareto, α = 1.2, token units written with full precision), a few
built-in addresses (burn, treasury, exchanges: labelling has something to find) and 0.1 %
repeated rows (merging has something to add up). ``--format etherscan`` writes the Etherscan
export instead (quoted fields, thousands commas, a third column).

Each run is a fresh process, so its peak memory (VmHWM) is its own: the analysis runs the
CLI's ``main(["analyze", "--holders-file", path])`` (output to /dev/null); the baseline runs
``pandas.read_csv(path)``. Both time only the call (the modules it needs imported first,
pandas in both) and alternate, run after run, so a busy machine slows both alike. Printed:
median seconds of each, their ratio (target ≤ 3), the analysis process's peak resident
memory (interpreter, imports and data) against the file size (target ≤ 3×), and the load
average. Linux only (VmHWM).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

#: Built-in addresses mixed into the file (burn, Uniswap treasury, Binance 8).
KNOWN = ("0x000000000000000000000000000000000000dead",
         "0x1a9c8182c09f50c8318d769245bea52c32be35bc",
         "0xf977814e90da44bfa03b6295a0616a897441acec")

#: The peak resident memory of this process image in KB: VmHWM, which exec resets (ru_maxrss
#: would also count the parent's pages copied by fork before the exec).
_PEAK = """
def peak_kb():
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:"))
"""

_ANALYZE = _PEAK + """
import io, os, sys, time, contextlib
sys.path.insert(0, {root!r})
from bot.cli import main
# what the file path imports on first use, imported first (as pandas is for the baseline)
import pandas, pipeline.assemble, pipeline.labels, pipeline.text_report, sources.holder_files
with open(os.devnull, "w") as out, contextlib.redirect_stdout(out):
    start = time.perf_counter()
    code = main(["analyze", "--holders-file", {path!r}])
    seconds = time.perf_counter() - start
print(code, seconds, peak_kb())
"""

_PANDAS = _PEAK + """
import time
import pandas as pd
start = time.perf_counter()
frame = pd.read_csv({path!r})
seconds = time.perf_counter() - start
print(0, seconds, peak_kb())
"""


def write_csv(path: Path, rows: int, fmt: str, seed: int = 15) -> None:
    """A holder CSV of ``rows`` rows (see the module doc)."""
    rng = np.random.default_rng(seed)
    balances = (rng.pareto(1.2, rows) + 1.0) * rng.uniform(0.01, 10.0, rows)
    raw = rng.integers(0, 256, size=(rows, 20), dtype=np.uint8)
    addresses = ["0x" + bytes(r).hex() for r in raw]
    for i, known in enumerate(KNOWN):
        addresses[i * 97] = known
    repeat = rng.choice(rows, size=rows // 1000, replace=False)
    for i, j in zip(repeat[: len(repeat) // 2], repeat[len(repeat) // 2:], strict=True):
        addresses[j] = addresses[i]
    with path.open("w", encoding="utf-8") as fh:
        if fmt == "etherscan":
            fh.write('"HolderAddress","Balance","PendingBalanceUpdate"\n')
            fh.writelines(f'"{a}","{b:,.12f}","No"\n'
                          for a, b in zip(addresses, balances.tolist(), strict=True))
        else:
            fh.write("address,balance\n")
            fh.writelines(f"{a},{b!r}\n" for a, b in zip(addresses, balances.tolist(),
                                                           strict=True))


def run(script: str) -> tuple[float, float]:
    """Seconds and peak resident MB of one child process running ``script``."""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout.split()
    code, seconds, max_kb = int(out[0]), float(out[1]), int(out[2])
    if code != 0:
        raise SystemExit(f"the analysis ended with status {code}")
    return seconds, max_kb / 1024


def main(argv: list[str] | None = None) -> int:
    """Print (or ``--json``) the medians, the ratio and peak memory against file size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--format", choices=("csv", "etherscan"), default="csv")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.csv"
        write_csv(path, args.rows, args.format)
        size_mb = path.stat().st_size / 2**20
        analyze, baseline, peak = [], [], []
        for _ in range(max(args.repeats, 1)):
            seconds, mb = run(_PANDAS.format(path=str(path)))
            baseline.append(seconds)
            seconds, mb = run(_ANALYZE.format(root=str(ROOT), path=str(path)))
            analyze.append(seconds)
            peak.append(mb)
    load = os.getloadavg()
    result = {
        "rows": args.rows, "format": args.format, "file_mb": round(size_mb, 1),
        "analyze_s": round(statistics.median(analyze), 3),
        "pandas_read_csv_s": round(statistics.median(baseline), 3),
        "ratio": round(statistics.median(analyze) / statistics.median(baseline), 2),
        "peak_mb": round(max(peak), 1), "peak_vs_file": round(max(peak) / size_mb, 2),
        "runs": len(analyze), "load_average": [round(x, 2) for x in load],
    }
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"{args.rows:,} rows, {args.format} format, {size_mb:.1f} MB; "
          f"{len(analyze)} runs each, alternating, fresh processes")
    print(f"  lorenz analyze --holders-file  median {result['analyze_s']:.2f} s "
          f"(runs {', '.join(f'{t:.2f}' for t in analyze)})")
    print(f"  pandas.read_csv                median {result['pandas_read_csv_s']:.2f} s "
          f"(runs {', '.join(f'{t:.2f}' for t in baseline)})")
    print(f"  ratio {result['ratio']:.2f} (target ≤ 3)")
    print(f"  peak memory of the analysis {result['peak_mb']:.0f} MB = "
          f"{result['peak_vs_file']:.2f} × the file (target ≤ 3)")
    print("  load average {:.2f} {:.2f} {:.2f}".format(*load))
    return 0


if __name__ == "__main__":
    sys.exit(main())
