"""Built-in facts: addresses whose category is known, each with where the fact comes from.

The facts are data, one CSV file per chain in ``pipeline/address_facts/`` (``all_chains.csv``
holds those true on every EVM chain, such as burn sinks), with the columns ``address``
(lower-case), ``protocol`` (``*`` for none in particular), ``category`` (a
:class:`~core.categories.Category` value), ``label``, ``entity`` (the organisation that
holds through the address — "Binance" for "Binance 8" — or empty for contracts that hold
for many: pools, markets, bridges, distributors) and ``source`` (repository, commit and
path, or the label data set, so a reader can check the fact). Lines starting with ``#``
are comments (each file says when it was last checked). An address that is not there, in
a live label, or in a user label file stays "unlabeled" — we never guess.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from importlib import resources

from core.categories import Category

#: The file of facts that hold on every chain; every other file is named after its chain.
ALL_CHAINS = "all_chains"


@dataclass(frozen=True, slots=True)
class KnownAddress:
    """One built-in fact: ``address`` on ``chain`` is a ``category`` holder of ``protocol``.

    ``chain`` is ``"*"`` for a fact that holds on every chain.
    """

    chain: str
    address: str
    protocol: str
    category: Category
    label: str
    source: str
    entity: str = ""


def _load() -> tuple[KnownAddress, ...]:
    """Every fact of every file in ``address_facts/`` (read once, at import).

    Raises:
        ValueError: a row with an unknown category or a missing source (a broken data file
            must fail loudly, not drop a fact).
    """
    facts: list[KnownAddress] = []
    folder = resources.files("pipeline") / "address_facts"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".csv"):
            continue
        stem = entry.name.removesuffix(".csv")
        chain = "*" if stem == ALL_CHAINS else stem
        lines = [line for line in entry.read_text(encoding="utf-8").splitlines()
                 if not line.startswith("#")]
        for row in csv.DictReader(lines):
            if not row["source"].strip():
                raise ValueError(f"{entry.name}: {row['address']} has no source")
            facts.append(KnownAddress(chain, row["address"].strip().lower(), row["protocol"],
                                      Category(row["category"]), row["label"], row["source"],
                                      row["entity"].strip()))
    return tuple(facts)


KNOWN_ADDRESSES: tuple[KnownAddress, ...] = _load()

_BY_CHAIN: dict[tuple[str, str], KnownAddress] = {
    (k.chain, k.address): k for k in KNOWN_ADDRESSES
}


def known_address(address: str, chain: str = "ethereum") -> KnownAddress | None:
    """The built-in fact for ``address`` on ``chain`` (case-insensitive), if any."""
    key = address.lower()
    return _BY_CHAIN.get((chain.lower(), key)) or _BY_CHAIN.get(("*", key))


def known_keys(chain: str = "ethereum") -> frozenset[str]:
    """Every address with a built-in fact on ``chain`` (its own and the all-chain facts)."""
    wanted = {chain.lower(), "*"}
    return frozenset(address for c, address in _BY_CHAIN if c in wanted)
