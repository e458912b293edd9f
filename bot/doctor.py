"""``lorenz doctor [--json]``: the command's I/O around :func:`pipeline.doctor.run_doctor`.

Prints the table (or the JSON document) on stdout and returns the exit status: 0 when holders
on Ethereum and fees work, 1 otherwise. Never retries; offline it ends within a few seconds.
"""

from __future__ import annotations

import asyncio
import json

import httpx

from pipeline.doctor import render_doctor, run_doctor
from sources.config import SourcesConfig

EXIT_OK = 0
EXIT_NOT_READY = 1


def doctor_command(cfg: SourcesConfig, as_json: bool = False,
                   transport: httpx.AsyncBaseTransport | None = None) -> int:
    """Run the probes, print the answer, return the exit status (see the module docstring)."""
    report = asyncio.run(run_doctor(cfg, transport))
    if as_json:
        print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        print(render_doctor(report))
    return EXIT_OK if report.ok else EXIT_NOT_READY
