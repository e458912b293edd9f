"""``lorenz doctor``: probe each configured data source once and say what works.

One cheap request per source (:mod:`sources.probe`: no retries, no cache), all at once, each
with a short timeout — so offline the doctor is done within a few seconds and names every
host it could not reach:

* **DefiLlama** — ``/summary/fees/uniswap?dataType=dailyHoldersRevenue`` (small; its 400
  "not found" is an answer too) → the *fees* capability;
* **Blockscout** — per chain: Ethereum ``/api/v2/tokens/{UNI}/holders``, other chains
  ``/api/v2/stats``; through PRO (``{blockscout_pro_url}/{chain_id}``) when a key is set,
  else the keyless per-instance URL → *holders on <chain>*. PRO's rate-limit and credit
  headers are shown;
* **Ethplorer** — ``getTokenInfo/{UNI}`` → the Ethereum holder fallback (top 100; 1,000 with
  ``ETHPLORER_API_KEY``);
* **Snapshot** — ``{ space(id: "uniswapgovernance.eth") { id } }`` → *votes*.

(This build reads no chain directly, so there is no on-chain capability to check.)

The doctor is ready (:attr:`DoctorReport.ok`, exit status 0) only when holders on Ethereum
(Blockscout, or the Ethplorer fallback) and fees work. Keys are shown as present or not,
never their value; the table names hosts (that is what a doctor is for) but never URLs.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import httpx

from sources.config import SourcesConfig
from sources.holders import CHAIN_IDS, KEY_NEEDED, blockscout_base
from sources.http import USER_AGENT, base_transport
from sources.probe import Outcome, ProbeResult, probe

#: Seconds each probe may take (connect included).
PROBE_TIMEOUT = 5.0
#: What the probes ask about: UNI on Ethereum, Uniswap's fees and Snapshot space.
PROBE_TOKEN = "0x1f9840a85d5af5bf1d1762f925bdaddc4201f984"
PROBE_SLUG = "uniswap"
PROBE_SPACE = "uniswapgovernance.eth"


@dataclass(frozen=True, slots=True)
class Capability:
    """One thing Lorenz can do (``"holders on ethereum"``, ``"fees"``, ``"votes"``), whether
    it works now, and through what (or why not)."""

    name: str
    ok: bool
    how: str

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "how": self.how}


@dataclass(frozen=True, slots=True)
class DoctorReport:
    """The probes, the capabilities they imply, and hints (one line each)."""

    probes: tuple[ProbeResult, ...]
    capabilities: tuple[Capability, ...]
    hints: tuple[str, ...] = ()

    def capability(self, name: str) -> Capability | None:
        return next((c for c in self.capabilities if c.name == name), None)

    @property
    def ok(self) -> bool:
        """Holders on Ethereum and fees work (the main job can run)."""
        holders, fees = self.capability("holders on ethereum"), self.capability("fees")
        return bool(holders and holders.ok and fees and fees.ok)

    @property
    def unreachable_hosts(self) -> tuple[str, ...]:
        """Hosts that did not answer at all, in probe order, each once."""
        return tuple(dict.fromkeys(p.host for p in self.probes if p.outcome == Outcome.UNREACHABLE))

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` document."""
        return {
            "ok": self.ok,
            "sources": [_probe_dict(p) for p in self.probes],
            "capabilities": [c.to_dict() for c in self.capabilities],
            "unreachable_hosts": list(self.unreachable_hosts),
            "hints": list(self.hints),
        }


def _probe_dict(p: ProbeResult) -> dict[str, Any]:
    return {"source": p.source, "host": p.host, "reachable": p.reachable, "key": p.key,
            "latency_ms": round(p.latency_ms, 1), "status": p.status, "outcome": p.outcome,
            "detail": p.detail, "limits": p.quota.to_dict() if p.quota else None}


#: The JSON-RPC probe's source name (the Ethereum node of ``[sources.rpc]``).
RPC_PROBE = "Ethereum JSON-RPC"


def _blockscout_chains(cfg: SourcesConfig) -> list[str]:
    """The chains holders can come from: every configured instance, and with a PRO key every
    chain PRO serves; Ethereum first."""
    chains = set(cfg.blockscout) | (set(CHAIN_IDS) if cfg.blockscout_pro_api_key else set())
    return sorted(chains, key=lambda c: (c != "ethereum", c))


async def _probe_all(client: httpx.AsyncClient, cfg: SourcesConfig,
                     ) -> tuple[list[tuple[str, ProbeResult]], dict[str, ProbeResult]]:
    """Every probe at once: ``([(chain, Blockscout result)], {"DefiLlama"|…: result})``."""
    chains = _blockscout_chains(cfg)
    pro = bool(cfg.blockscout_pro_api_key)
    calls = []
    for chain in chains:
        base, _headers, label = blockscout_base(cfg, chain)
        path = (f"/api/v2/tokens/{PROBE_TOKEN}/holders" if chain == "ethereum"
                else "/api/v2/stats")
        via_pro = label.startswith("Blockscout PRO")
        calls.append(probe(client, label, client.build_request("GET", base + path),
                           key=via_pro or (False if not pro else None),
                           keyless_blockscout=not via_pro))
    ethplorer_key = cfg.ethplorer_api_key.get()
    snapshot_key = cfg.snapshot_api_key.get()
    others = {
        "DefiLlama": probe(client, "DefiLlama", client.build_request(
            "GET", f"{cfg.defillama_url}/summary/fees/{PROBE_SLUG}",
            params={"dataType": "dailyHoldersRevenue"}), not_found_text="not found"),
        "Ethplorer": probe(client, "Ethplorer", client.build_request(
            "GET", f"{cfg.ethplorer_url.rstrip('/')}/getTokenInfo/{PROBE_TOKEN}",
            params={"apiKey": ethplorer_key or "freekey"}), key=bool(ethplorer_key)),
        "Snapshot": probe(client, "Snapshot", client.build_request(
            "POST", cfg.snapshot_url,
            json={"query": f'{{ space(id: "{PROBE_SPACE}") {{ id }} }}'},
            headers={"x-api-key": snapshot_key} if snapshot_key else None),
            key=bool(snapshot_key)),
    }
    if cfg.rpc.get("ethereum"):  # on-chain governance: one eth_blockNumber
        others[RPC_PROBE] = probe(client, RPC_PROBE, client.build_request(
            "POST", cfg.rpc["ethereum"],
            json={"jsonrpc": "2.0", "id": 1, "method": "eth_blockNumber", "params": []}))
    results = await asyncio.gather(*calls, *others.values())
    return (list(zip(chains, results[:len(chains)], strict=True)),
            dict(zip(others, results[len(chains):], strict=True)))


def _capabilities(cfg: SourcesConfig, blockscout: list[tuple[str, ProbeResult]],
                  others: dict[str, ProbeResult]) -> tuple[list[Capability], list[str]]:
    """What works, from the probes; and the hints (the free-key line when it applies)."""
    caps: list[Capability] = []
    hints: list[str] = []
    ethplorer = others["Ethplorer"]
    for chain, result in blockscout:
        name = f"holders on {chain}"
        if result.works:
            keyless = not result.source.startswith("Blockscout PRO")
            caps.append(Capability(name, True, result.source + (
                f", keyless: top {cfg.keyless_holders_limit} (deprecated API)" if keyless
                else f", top {cfg.holders_limit}")))
        elif chain == "ethereum" and ethplorer.works:
            top = "1,000" if cfg.ethplorer_api_key else "100"
            caps.append(Capability(name, True, f"Ethplorer fallback, top {top} only "
                                               f"({result.source}: {result.outcome})"))
        else:
            fallback = (f"; Ethplorer fallback: {ethplorer.outcome}" if chain == "ethereum"
                        else "")
            caps.append(Capability(name, False, f"{result.source}: {result.outcome} "
                                                f"({result.detail}){fallback}"))
        if result.outcome == Outcome.NEEDS_KEY and not cfg.blockscout_pro_api_key:
            hints.append(KEY_NEEDED + ".")
    for name, source in (("fees", "DefiLlama"), ("votes", "Snapshot"),
                         ("on-chain delegates (ethereum)", RPC_PROBE)):
        if source not in others:
            continue
        r = others[source]
        caps.append(Capability(name, r.works, source if r.works
                               else f"{source}: {r.outcome} ({r.detail})"))
    if not cfg.blockscout_pro_api_key and not hints:
        hints.append("Tip: a free Blockscout PRO key (BLOCKSCOUT_PRO_API_KEY, from the "
                     "Blockscout developer portal) gives 1,000 holders on every chain.")
    return caps, list(dict.fromkeys(hints))


async def run_doctor(cfg: SourcesConfig,
                     transport: httpx.AsyncBaseTransport | None = None) -> DoctorReport:
    """Probe every configured source once (at the same time) and judge the capabilities.

    Args:
        cfg: the sources' URLs and keys.
        transport: the innermost transport (a test's MockTransport); default real HTTP.
    """
    timeout = min(cfg.timeout_seconds, PROBE_TIMEOUT)
    async with httpx.AsyncClient(
            transport=base_transport(cfg, transport), timeout=httpx.Timeout(timeout),
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            follow_redirects=True) as client:
        blockscout, others = await _probe_all(client, cfg)
    caps, hints = _capabilities(cfg, blockscout, others)
    probes = (*(r for _, r in blockscout), others["Ethplorer"], others["DefiLlama"],
              others["Snapshot"], *([others[RPC_PROBE]] if RPC_PROBE in others else []))
    return DoctorReport(tuple(probes), tuple(caps), tuple(hints))


# --------------------------------------------------------------------------- rendering

_COLUMNS = (("source", 26), ("host", 28), ("reachable", 9), ("key", 4), ("latency", 8),
            ("limits / credits", 36), ("answer", 0))


def _cell(text: str, width: int) -> str:
    if not width:
        return text
    return (text if len(text) <= width else text[:width - 1] + "…").ljust(width)


def _key_text(key: bool | None) -> str:
    return "—" if key is None else ("yes" if key else "no")


def render_doctor(report: DoctorReport) -> str:
    """The doctor's table, the capabilities, the hints and the overall line (plain text)."""
    lines = [" ".join(_cell(name, w) for name, w in _COLUMNS).rstrip()]
    for p in report.probes:
        row = (p.source, p.host, "yes" if p.reachable else "no", _key_text(p.key),
               f"{p.latency_ms:.0f} ms", p.quota.text() if p.quota else "—",
               f"{p.outcome} ({p.detail})" if p.detail else p.outcome)
        lines.append(" ".join(_cell(v, w) for v, (_, w) in
                              zip(row, _COLUMNS, strict=True)).rstrip())
    lines.append("")
    for c in report.capabilities:
        lines.append(f"{c.name:<22} {'works' if c.ok else 'NOT WORKING':<12} {c.how}")
    if report.unreachable_hosts:
        lines += ["", "could not reach: " + ", ".join(report.unreachable_hosts)]
    lines += ["", *report.hints] if report.hints else []
    lines.append("")
    lines.append("ready: holders on Ethereum and fees work" if report.ok else
                 "not ready: holders on Ethereum and fees must both work")
    return "\n".join(lines)


__all__ = ["Capability", "DoctorReport", "render_doctor", "run_doctor"]
