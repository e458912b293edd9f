"""A fake Blockscout REST v2 instance for tests, serving a real holder list in pages of 50.

The real top-1000 lists in ``../shared/data/holders_dune_2026-02-19/`` (Dune, token units)
are turned back into raw integer strings and cut into pages of the documented shape
(API_NOTES.md §1.2)::

    GET /api/v2/tokens/{token}          {"address_hash", "symbol", "name", "decimals": "18",
                                         "total_supply": "<raw>", "holders_count": "<n>", …}
    GET /api/v2/tokens/{token}/holders  {"items": [{"value": "<raw>", "address": {"hash", "name",
                                         "is_contract", "public_tags"}, "token": {…}}],
                                         "next_page_params": {"address_hash", "items_count",
                                         "value"} | null}

``shape="address_hash"`` uses the newer item key. Use as ``httpx.MockTransport(server)``;
``server.requests`` records every request that reached it. :class:`Faulty` puts scripted
faults (statuses, exceptions, raw bodies) in front of any handler.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import httpx
import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared"
DUNE = SHARED / "data" / "holders_dune_2026-02-19"
ETHPLORER = SHARED / "data" / "fixtures" / "ethplorer"
UNI = "0x1f9840a85d5af5bf1d1762f925bdaddc4201f984"

_PATH = re.compile(r"^(?:/\d+)?/api/v2/tokens/(0x[0-9a-fA-F]{40})(/holders)?$")


def dune_raw_holders(symbol: str, decimals: int = 18) -> list[tuple[str, int]]:
    """The real top-1000 list for ``symbol`` as (address, raw integer), largest first.

    Skips the test when ``../shared`` is absent. Each Dune float balance is read as the
    decimal it prints as (``repr``) and scaled exactly by 10**decimals.
    """
    path = DUNE / f"dune_balance_b_{symbol.lower()}.json"
    if not path.is_file():
        pytest.skip(f"shared holder data not present: {path}")
    rows = json.loads(path.read_text())["result"]["rows"]
    out = [(str(r["address"]).lower(), round(Fraction(repr(float(r["balance"]))) * 10**decimals))
           for r in rows]
    return sorted(out, key=lambda row: row[1], reverse=True)


def ethplorer_body(name: str) -> bytes:
    """A real recorded Ethplorer body (skips when ``../shared`` is absent)."""
    path = ETHPLORER / name
    if not path.is_file():
        pytest.skip(f"shared Ethplorer fixture not present: {path}")
    return path.read_bytes()


class BlockscoutServer:
    """Token info and keyset-paged holders for one token, like a Blockscout instance.

    Args:
        token: the token address served (others get 404).
        holders: (address, raw balance) pairs, largest first.
        shape: "address" or "address_hash" — the key of the holder object in items.
        page_size: items per page.
        token_info: fields merged into the token info body (``None`` values are dropped).
        labels: extra fields for some holder address objects (name, is_contract, tags).
        endless: ignore the end of the list and always return a next page (fresh cursor).
        repeat_cursor: always answer with the same ``next_page_params``.
    """

    def __init__(self, token: str, holders: list[tuple[str, Any]], *, shape: str = "address",
                 page_size: int = 50, token_info: dict[str, Any] | None = None,
                 labels: dict[str, dict[str, Any]] | None = None, endless: bool = False,
                 repeat_cursor: bool = False, delay: float = 0.0) -> None:
        self.token = token.lower()
        self.holders = holders
        self.shape = shape
        self.page_size = page_size
        self.labels = labels or {}
        self.endless = endless
        self.repeat_cursor = repeat_cursor
        self.delay = delay
        self.requests: list[httpx.Request] = []
        self.info: dict[str, Any] = {
            "address_hash": self.token, "symbol": "UNI", "name": "Uniswap", "decimals": "18",
            "type": "ERC-20", "total_supply": str(10**27), "holders_count": "386254",
            "exchange_rate": "6.12", "icon_url": None,
        }
        for k, v in (token_info or {}).items():
            if v is None:
                self.info.pop(k, None)
            else:
                self.info[k] = v

    @property
    def holder_pages(self) -> int:
        """How many holders pages were requested."""
        return sum(r.url.path.endswith("/holders") for r in self.requests)

    def _item(self, address: str, value: Any) -> dict[str, Any]:
        holder = {"hash": address, "name": None, "is_contract": False, "public_tags": [],
                  "private_tags": [], "watchlist_names": [], "implementations": [],
                  "ens_domain_name": None, "metadata": None, "is_verified": False}
        holder.update(self.labels.get(address, {}))
        token = {k: self.info.get(k) for k in ("address_hash", "symbol", "name", "decimals",
                                               "type", "total_supply", "holders_count")}
        return {"value": value, self.shape: holder, "token_id": None, "token": token}

    def _row(self, index: int) -> tuple[str, Any]:
        if index < len(self.holders):
            return self.holders[index]
        return (f"0x{index + 1:040x}", 10**18)  # the endless tail: fresh holders forever

    def _holders_page(self, params: httpx.QueryParams) -> dict[str, Any]:
        offset = int(params.get("items_count", 0))
        if offset:  # keyset paging: the cursor must name the last item of the previous page
            address, value = self._row(offset - 1)
            assert params.get("address_hash") == address
            assert params.get("value") == str(value)
        total = offset + self.page_size if self.endless else len(self.holders)
        rows = [self._row(i) for i in range(offset, min(offset + self.page_size, total))]
        end = offset + len(rows)
        nxt = None
        if self.repeat_cursor and self.holders:
            address, value = self._row(self.page_size - 1)
            nxt = {"address_hash": address, "items_count": self.page_size, "value": value}
        elif rows and (self.endless or end < len(self.holders)):
            nxt = {"address_hash": rows[-1][0], "items_count": end, "value": rows[-1][1]}
        return {"items": [self._item(a, str(v) if isinstance(v, int) else v) for a, v in rows],
                "next_page_params": nxt}

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.delay:
            await asyncio.sleep(self.delay)
        match = _PATH.match(request.url.path)
        if not match or match.group(1).lower() != self.token:
            return httpx.Response(404, json={"message": "Not found"})
        body = self._holders_page(request.url.params) if match.group(2) else self.info
        return httpx.Response(200, json=body)


Fault = int | BaseException | httpx.Response | bytes


class Faulty:
    """Answer the first requests (matching ``when``) with scripted faults, then delegate.

    A fault is an HTTP status (empty JSON body), an exception to raise (a timeout, a reset
    connection), a ready ``httpx.Response``, or raw bytes served with status 200.
    """

    def __init__(self, inner: Callable[[httpx.Request], Any], faults: list[Fault],
                 when: Callable[[httpx.Request], bool] = lambda r: True) -> None:
        self.inner = inner
        self.faults = list(faults)
        self.when = when
        self.requests: list[httpx.Request] = []

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.faults and self.when(request):
            fault = self.faults.pop(0)
            if isinstance(fault, BaseException):
                raise fault
            if isinstance(fault, httpx.Response):
                return fault
            if isinstance(fault, bytes):
                return httpx.Response(200, content=fault,
                                      headers={"content-type": "application/json"})
            return httpx.Response(fault, json={"message": f"HTTP {fault}"})
        result = self.inner(request)
        return await result if asyncio.iscoroutine(result) else result
