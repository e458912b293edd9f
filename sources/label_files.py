"""Load address-label files given with ``--labels`` into :class:`pipeline.labels.Label`s.

Formats (detected from the content):

* **brianleect/etherscan-labels** ``combinedAccountLabels.json`` —
  ``{"0xaddr": {"name": "Binance 8", "labels": ["binance", "exchange"]}}``;
* **dawsbot/eth-labels** per-label files — ``[{"address", "nameTag"}]``; the file name
  (``coinbase.json``, ``burn.json``…) is the label key;
* a directory of either (every ``*.json`` in it);
* **CSV** ``address,name,category`` (category optional; words as in
  :func:`core.categories.parse_category`; a category that names no kind — ``other``,
  ``protocol_contract`` — leaves the kind to the name, as when it is missing). The
  curated ``chain,address,protocol,token,category,label,…`` file has this shape.

A label whose category cannot be read from its name or keys gets ``Category.OTHER``
(labelled, kind unknown) — never a guess from the balance.
"""

from __future__ import annotations

import csv
import json
import logging
from collections.abc import Iterator
from pathlib import Path

from core.categories import Category, category_from_label, parse_category
from core.errors import InputError
from core.labels import Label

log = logging.getLogger(__name__)


def _from_name(name: str, tags: tuple[str, ...], source: str) -> Label:
    category = category_from_label(name, tags) or Category.OTHER
    return Label(name or ", ".join(tags), category, source)


def _iter_json(path: Path) -> Iterator[tuple[str, Label]]:
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
            yield address, _from_name(str(entry.get("name") or ""), tags, source)
    elif isinstance(doc, list):
        key = path.stem.lower()
        for entry in doc:
            if isinstance(entry, dict) and "address" in entry:
                name = str(entry.get("nameTag") or entry.get("name") or "")
                yield str(entry["address"]), _from_name(name, (key,), source)
    else:
        raise InputError(f"{path.name}: unknown label format")


def _iter_csv(path: Path) -> Iterator[tuple[str, Label]]:
    source = f"labels: {path.name}"
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            fields = {f.strip().lower(): f for f in reader.fieldnames or ()}
            if "address" not in fields:
                raise InputError(f"{path.name}: a label CSV needs an 'address' column")
            name_col = fields.get("name") or fields.get("label")
            cat_col = fields.get("category")
            for i, row in enumerate(reader, 2):
                name = (row.get(name_col) or "").strip() if name_col else ""
                if cat_col and (row.get(cat_col) or "").strip():
                    try:
                        category = parse_category(row[cat_col])
                    except ValueError as exc:
                        raise InputError(f"{path.name} line {i}: {exc}") from None
                    if category is Category.OTHER:  # says no kind: the name may say one
                        yield row[fields["address"]], _from_name(name, (), source)
                    else:
                        yield row[fields["address"]], Label(name, category, source)
                else:
                    yield row[fields["address"]], _from_name(name, (), source)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"{path.name}: not a readable CSV ({exc})") from None


def load_labels(path: str | Path) -> list[tuple[str, Label]]:
    """All ``(address, Label)`` pairs in a label file or directory.

    Raises:
        InputError: missing path or unreadable/unknown file.
    """
    p = Path(path)
    if p.is_dir():
        out: list[tuple[str, Label]] = []
        for f in sorted(p.glob("*.json")) + sorted(p.glob("*.csv")):
            out.extend(load_labels(f))
        return out
    if not p.is_file():
        raise InputError(f"no such label file: {p}")
    pairs = list(_iter_csv(p) if p.suffix.lower() == ".csv" else _iter_json(p))
    log.info("loaded %d labels from %s", len(pairs), p.name)
    return [(a.strip().lower(), lab) for a, lab in pairs if a and a.strip().startswith("0x")]
