"""A real HTTP server on 127.0.0.1 that serves the fake upstream APIs, for end-to-end runs.

Each API lives under a path prefix (``/llama``, ``/blockscout``, ``/ethplorer``,
``/snapshot``) so one port stands in for every host; :func:`config_toml` writes the matching
``config.toml``. The answers come from :class:`tests.fake_upstream.FakeUpstream`.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

from tests.fake_upstream import FakeUpstream

PREFIXES = {
    "/llama": "api.llama.fi",
    "/blockscoutpro": "api.blockscout.com",
    "/blockscout": "eth.blockscout.com",
    "/blockscoutop": "optimism.blockscout.com",
    "/blockscoutarb": "arbitrum.blockscout.com",
    "/ethplorer": "api.ethplorer.io",
    "/snapshot": "hub.snapshot.org",
    "/rpceth": "ethereum.publicnode.com",
    "/rpcop": "mainnet.optimism.io",
    "/rpcarb": "arb1.arbitrum.io",
}


class LocalUpstream:
    """Serve ``fake`` on an ephemeral loopback port until :meth:`stop`."""

    def __init__(self, fake: FakeUpstream) -> None:
        self.fake = fake
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: object) -> None:  # keep test output clean
                return

            def _serve(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                prefix = next((p for p in PREFIXES
                               if self.path == p or self.path.startswith(p + "/")), None)
                if prefix is None:
                    self.send_response(404)
                    self.end_headers()
                    return
                rest = self.path[len(prefix):]
                url = f"https://{PREFIXES[prefix]}{rest}"
                headers = {"content-type": "application/json"}
                if self.headers.get("authorization"):  # Blockscout PRO's Bearer key
                    headers["authorization"] = self.headers["authorization"]
                request = httpx.Request(self.command, url, content=body, headers=headers)
                response = asyncio.run(outer.fake.handler(request))
                content = response.content
                self.send_response(response.status_code)
                for k, v in response.headers.items():
                    if k.lower() not in ("content-length", "transfer-encoding",
                                         "content-encoding", "connection"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            do_GET = _serve
            do_POST = _serve

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> LocalUpstream:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


#: The chains :func:`config_toml` points at the stand-in (JSON-RPC and Blockscout).
CHAINS = ("ethereum", "optimism", "arbitrum")


def config_toml(path: Path, base: str, cache_dir: Path) -> Path:
    """Write a config.toml that points every source at ``base``: DefiLlama, Ethplorer,
    Snapshot, Blockscout and the JSON-RPC nodes of Ethereum, OP Mainnet and Arbitrum One (the
    chains of the six on-chain DAOs)."""
    path.write_text(f"""
[sources]
defillama_url = "{base}/llama"
ethplorer_url = "{base}/ethplorer"
snapshot_url = "{base}/snapshot/graphql"
cache_dir = "{cache_dir}"
timeout_seconds = 5.0

delegate_scan_wait = 2.0
rpc = {{ ethereum = "{base}/rpceth", optimism = "{base}/rpcop", arbitrum = "{base}/rpcarb" }}

[sources.blockscout]
ethereum = "{base}/blockscout"
optimism = "{base}/blockscoutop"
arbitrum = "{base}/blockscoutarb"
""")
    return path


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released): connections are refused."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port
