"""A throwaway PostgreSQL cluster for the store tests (the Debian package's binaries).

:func:`start_cluster` runs ``initdb`` and ``pg_ctl`` from ``/usr/lib/postgresql/*/bin`` on a
temporary directory and a free loopback port — as the ``postgres`` user when the tests run
as root (``initdb`` refuses root) — and returns a :class:`Cluster`, or raises
:class:`Unavailable` saying why it cannot start (no binaries, no unprivileged user…), so
the tests skip with that reason. ``.ci/run`` installs the package (``postgresql``).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from tests.local_server import closed_port


class Unavailable(Exception):
    """PostgreSQL cannot be started here (the message says why)."""


def _bin_dir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise Unavailable("PostgreSQL is not installed (no initdb; apt-get install postgresql)")


def _as_user() -> list[str]:
    """The command prefix that runs the server as an unprivileged user when we are root."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        raise Unavailable("running as root and there is no 'postgres' user for initdb") from None
    runuser = shutil.which("runuser")
    if runuser is None:
        raise Unavailable("running as root and runuser is missing (initdb refuses root)")
    return [runuser, "-u", "postgres", "--"]


@dataclass
class Cluster:
    """A running cluster: ``url(db)`` for SQLAlchemy, :meth:`stop` to end it."""

    bin: Path
    data: Path
    port: int
    prefix: list[str]

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        """A new empty database; returns its URL."""
        name = "t_" + uuid.uuid4().hex[:12]
        self._run([str(self.bin / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U",
                   "postgres", "-q", "-c", f"CREATE DATABASE {name}"])
        return self.url(name)

    def _run(self, cmd: list[str]) -> None:
        out = subprocess.run([*self.prefix, *cmd], capture_output=True, text=True,
                             timeout=60)
        if out.returncode != 0:
            raise Unavailable(f"{Path(cmd[0]).name} failed: {out.stderr.strip()[:300]}")

    def stop(self) -> None:
        subprocess.run([*self.prefix, str(self.bin / "pg_ctl"), "-D", str(self.data), "-m",
                        "immediate", "stop"], capture_output=True, timeout=60)
        shutil.rmtree(self.data.parent, ignore_errors=True)


def start_cluster() -> Cluster:
    """Start a cluster on a temporary directory and a free port (see the module docstring).

    Raises:
        Unavailable: why it cannot start.
    """
    bin_dir = _bin_dir()
    prefix = _as_user()
    root = Path(tempfile.mkdtemp(prefix="lorenz-pg-"))
    data = root / "data"
    if prefix:
        os.chmod(root, 0o755)
        shutil.chown(root, "postgres")
    cluster = Cluster(bin_dir, data, closed_port(), prefix)
    try:
        cluster._run([str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-A",
                      "trust", "-E", "UTF8", "--no-sync", "--no-instructions"])
        cluster._run([str(bin_dir / "pg_ctl"), "-D", str(data), "-w", "-t", "60", "-l",
                      str(root / "log"), "-o",
                      f"-h 127.0.0.1 -p {cluster.port} -k {root} -F "
                      "-c fsync=off -c full_page_writes=off", "start"])
    except (Unavailable, OSError, subprocess.TimeoutExpired) as exc:
        shutil.rmtree(root, ignore_errors=True)
        raise Unavailable(str(exc) or type(exc).__name__) from None
    return cluster
