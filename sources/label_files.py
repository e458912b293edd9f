"""Load address-label files given with ``--labels`` into :class:`core.labels.Label`s.

Formats (detected from the content):

* **brianleect/etherscan-labels** ``combinedAccountLabels.json`` —
  ``{"0xaddr": {"name": "Binance 8", "labels": ["binance", "exchange"]}}``;
* **dawsbot/eth-labels** per-label files — ``[{"address", "nameTag"}]``; the file name
  (``coinbase.json``, ``burn.json``…) is the label key;
* a directory of either, searched recursively (folders of folders: every ``*.json`` and
  ``*.csv`` under it);
* **CSV** ``address,name,category`` with optional ``entity`` and ``chain`` columns
  (category words as in :func:`core.categories.parse_category`; a category that names no
  kind — ``other``, ``protocol_contract`` — leaves the kind to the name, as when it is
  missing). The curated ``chain,address,protocol,token,category,label,…`` file has this shape.

**Chains.** A label is true on one chain. Each label gets the chain of its CSV row's
``chain`` column, else the chain given by the caller (``--labels optimism:FILE``), else the
first chain named by the file's own name or its folders' names, nearest first
(``optimism_combinedAccountLabels.json``, ``arbiscan_…``, a folder ``etherscan-labels``),
else Ethereum — the public label sets are Etherscan's. :class:`pipeline.labels.LabelBook`
ignores labels of other chains.

**Entities.** A label names an organisation (``entity``) only when the file says so: the
CSV ``entity`` column, or an exchange key of a label set (``binance`` for "Binance 8").

A label whose category cannot be read from its name or keys gets ``Category.OTHER``
(labelled, kind unknown) — never a guess from the balance.
"""

from __future__ import annotations

import csv
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path

from core.categories import EXCHANGE_NAMES, Category, category_from_label, parse_category
from core.errors import InputError
from core.labels import Label

log = logging.getLogger(__name__)


#: Words in file or folder names (and CSV ``chain`` values) that name a chain.
CHAIN_WORDS: dict[str, str] = {
    "ethereum": "ethereum", "etherscan": "ethereum", "eth": "ethereum", "mainnet": "ethereum",
    "optimism": "optimism", "optimistic": "optimism", "op": "optimism",
    "arbitrum": "arbitrum", "arbiscan": "arbitrum", "arb": "arbitrum",
    "base": "base", "basescan": "base",
    "polygon": "polygon", "polygonscan": "polygon", "matic": "polygon",
    "gnosis": "gnosis", "gnosisscan": "gnosis", "xdai": "gnosis",
    "bsc": "bsc", "bscscan": "bsc", "bnb": "bsc",
}

#: The chain of a label file that names none (the public label sets are Etherscan's).
DEFAULT_CHAIN = "ethereum"


def chain_named(text: str) -> str | None:
    """The chain a file/folder name or a chain value names (``"optimism_labels"`` →
    ``"optimism"``; words split on ``_ - . space``), or ``None``."""
    for word in re.split(r"[\s_.\-]+", text.strip().lower()):
        if word in CHAIN_WORDS:
            return CHAIN_WORDS[word]
    return None


def _chain_of(path: Path, root: Path) -> str:
    """The chain ``path`` (under ``root``, or ``root`` itself) names: its stem first, then
    its folders up to and including ``root``; :data:`DEFAULT_CHAIN` when none does."""
    names = [path.stem]
    here = path.parent
    while True:
        names.append(here.name)
        if here == root or here == here.parent or root not in here.parents:
            break
        here = here.parent
    if root != path and root.name not in names:
        names.append(root.name)
    return next((c for c in map(chain_named, names) if c), DEFAULT_CHAIN)


def _entity(name: str, keys: tuple[str, ...]) -> str:
    """The exchange a label set's keys name (``("binance", …)`` → ``"Binance"``, spelt as
    the label's first word when it is the same), "" when no key names one."""
    for key in keys:
        k = re.sub(r"[\s_]+", "-", key.strip().lower())
        if k in EXCHANGE_NAMES:
            first = re.split(r"[\s:(]+", name.strip(), maxsplit=1)[0] if name else ""
            return first if first.lower() == k else key.strip().title()
    return ""


def _from_name(name: str, tags: tuple[str, ...], source: str, chain: str) -> Label:
    category = category_from_label(name, tags) or Category.OTHER
    return Label(name or ", ".join(tags), category, source, _entity(name, tags), chain)


def _iter_json(path: Path, chain: str) -> Iterator[tuple[str, Label]]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path.name}: not a readable label file ({exc})") from None
    source = f"labels: {path.name}"
    if isinstance(doc, dict):
        for address, entry in doc.items():
            if not isinstance(entry, dict):
                continue
            tags = tuple(str(t) for t in entry.get("labels") or ())
            yield address, _from_name(str(entry.get("name") or ""), tags, source, chain)
    elif isinstance(doc, list):
        key = path.stem.lower()
        for entry in doc:
            if isinstance(entry, dict) and "address" in entry:
                name = str(entry.get("nameTag") or entry.get("name") or "")
                yield str(entry["address"]), _from_name(name, (key,), source, chain)
    else:
        raise InputError(f"{path.name}: unknown label format")


def _csv_label(row: dict[str, str], cols: dict[str, str], source: str, chain: str,
               where: str) -> Label:
    """One CSV row's label (``cols``: lower-case column name → the file's column name)."""
    def cell(name: str) -> str:
        return (row.get(cols[name]) or "").strip() if name in cols else ""

    name = cell("name") or cell("label")
    if cell("chain"):
        named = chain_named(cell("chain"))
        if named is None:
            raise InputError(f"{where}: unknown chain {cell('chain')!r}")
        chain = named
    entity = cell("entity")
    if cell("category"):
        try:
            category = parse_category(cell("category"))
        except ValueError as exc:
            raise InputError(f"{where}: {exc}") from None
        if category is not Category.OTHER:  # OTHER says no kind: the name may say one
            return Label(name, category, source, entity, chain)
    label = _from_name(name, (), source, chain)
    return Label(label.name, label.category, source, entity, chain)


def _iter_csv(path: Path, chain: str) -> Iterator[tuple[str, Label]]:
    source = f"labels: {path.name}"
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            cols = {f.strip().lower(): f for f in reader.fieldnames or ()}
            if "address" not in cols:
                raise InputError(f"{path.name}: a label CSV needs an 'address' column")
            for i, row in enumerate(reader, 2):
                label = _csv_label(row, cols, source, chain, f"{path.name} line {i}")
                yield row[cols["address"]], label
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"{path.name}: not a readable CSV ({exc})") from None


def split_chain(spec: str) -> tuple[str | None, str]:
    """``"optimism:labels/op.json"`` → ``("optimism", "labels/op.json")``; a spec whose
    prefix names no chain (a plain path, ``C:\\labels``) → ``(None, spec)``.

    Raises:
        InputError: a chain with no path after it (``"optimism:"``).
    """
    head, sep, tail = spec.partition(":")
    if sep and head.strip().lower() in CHAIN_WORDS:
        if not tail.strip():
            raise InputError(f"--labels {spec}: no path after '{head}:' (write CHAIN:PATH)")
        return CHAIN_WORDS[head.strip().lower()], tail
    return None, spec


def load_labels(path: str | Path, chain: str | None = None) -> list[tuple[str, Label]]:
    """All ``(address, Label)`` pairs in a label file or a folder (searched recursively),
    each label scoped to its chain (see the module docstring; ``chain`` overrides what the
    names say, a CSV ``chain`` column overrides both).

    Raises:
        InputError: a missing path, an unreadable or unknown file, or a folder with no
            label file anywhere under it.
    """
    p = Path(path)
    if p.is_dir():
        files = sorted(f for f in p.rglob("*") if f.suffix.lower() in (".json", ".csv")
                       and f.is_file() and not any(part.startswith(".")
                                                  for part in f.relative_to(p).parts))
        if not files:
            raise InputError(f"{p.name}: no label files (.json or .csv) in this folder")
        out: list[tuple[str, Label]] = []
        for f in files:
            out.extend(_load_file(f, chain or _chain_of(f, p)))
        return out
    if not p.is_file():
        hint = (" (to name a chain write CHAIN:PATH, CHAIN one of "
                f"{', '.join(sorted(set(CHAIN_WORDS.values())))})" if ":" in str(p) else "")
        raise InputError(f"no such label file: {p}{hint}")
    return _load_file(p, chain or _chain_of(p, p))


def _load_file(p: Path, chain: str) -> list[tuple[str, Label]]:
    """The labels of one file, for ``chain`` unless its rows say otherwise."""
    pairs = list(_iter_csv(p, chain) if p.suffix.lower() == ".csv" else _iter_json(p, chain))
    log.info("loaded %d labels from %s (%s)", len(pairs), p.name, chain)
    return [(a.strip().lower(), lab) for a, lab in pairs if a and a.strip().startswith("0x")]


def chain_note(loaded: list[tuple[str, Label]], chain: str) -> str | None:
    """A one-line note when label files gave labels but none for ``chain`` (they would be
    ignored without a word), else ``None``."""
    if not loaded or any(not lab.chain or lab.chain == chain for _, lab in loaded):
        return None
    others = sorted({lab.chain for _, lab in loaded})
    return (f"note: {len(loaded):,} labels loaded, none for {chain} (they apply on "
            f"{', '.join(others)}: the chain their file or folder names, else Ethereum; "
            f"write --labels {chain}:PATH)")
