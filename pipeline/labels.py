"""Labels for holder addresses and the rules that turn them into categories.

Three kinds of label feed a category, in this order of precedence:

1. **user label files** (``--labels``; the loaders live in :mod:`sources.label_files`) —
   the user said so explicitly (but a user label that names no category — ``OTHER`` or
   ``UNLABELED`` ("unknown") — does not override a built-in fact that does);
2. **built-in facts** (:mod:`pipeline.known_addresses`) — curated, each with a source;
3. **live labels** from the holder API (public tags, contract name, ``is_contract``).

An address with none of these is ``UNLABELED``; one that the API says is a contract but
nobody named is ``UNLABELED_CONTRACT``; one the API says is not a contract is ``WALLET``.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from core.categories import Category, category_from_contract, category_from_label
from core.holder_table import CATEGORY_CODE, Addresses, HolderTable
from core.labels import Label, LiveLabel
from pipeline.known_addresses import known_address, known_keys
from sources.holder_files import normalise_addresses
from sources.holders import HolderSnapshot

#: User-label categories that say "labelled, kind not known": they never hide a built-in fact.
_NAMES_NO_KIND = frozenset({Category.OTHER, Category.UNLABELED})


class LabelBook:
    """User labels by lower-case address, plus the built-in facts, for one chain.

    The first label given for an address wins among user labels (so list the most specific
    file first). A user label scoped to another chain (:attr:`Label.chain` set and not
    ``chain``) is left out: an Ethereum label says nothing about the same address on
    Optimism.
    """

    def __init__(self, chain: str = "ethereum", labels: Iterable[tuple[str, Label]] = ()):
        self.chain = chain
        self._user: dict[str, Label] = {}
        for address, label in labels:
            self.add(address, label)

    def __len__(self) -> int:
        return len(self._user)

    def add(self, address: str, label: Label) -> None:
        """Add a user label unless the address already has one or the label is for
        another chain."""
        if label.chain and label.chain != self.chain:
            return
        self._user.setdefault(address.strip().lower(), label)

    def extend(self, labels: Iterable[tuple[str, Label]]) -> None:
        """Add many user labels (first one wins)."""
        for address, label in labels:
            self.add(address, label)

    def keys(self) -> frozenset[str]:
        """Every address this book may label: the user labels' and the chain's built-in
        facts' (an address outside them, without a live label, is unlabeled)."""
        return frozenset(self._user) | known_keys(self.chain)

    def classify(self, address: str, live: LiveLabel | None = None) -> Label:
        """The label of ``address`` by the precedence above (never ``None``)."""
        key = address.strip().lower()
        user = self._user.get(key)
        if user is not None and user.category not in _NAMES_NO_KIND:
            return user
        fact = known_address(key, self.chain)
        if fact is not None:  # a built-in fact beats a user label that names no category
            return Label(fact.label, fact.category, f"built-in: {fact.source}", fact.entity,
                         self.chain)
        if user is not None:
            return user
        if live is not None:
            return classify_live(live)
        return Label("", Category.UNLABELED, "")


def classify_live(live: LiveLabel) -> Label:
    """Category from a holder API's own labels: its tags first, then — for a contract — the
    compiled contract name or its proxy's implementation name
    (:data:`core.categories.CONTRACT_RULES`: Safe multisigs, timelocks, vesting, pools,
    bridges…), then keyword rules on the name.

    A contract whose names match no rule (``"TransparentUpgradeableProxy"``) does not make
    a category: it is reported as an unlabeled contract with its name shown.
    """
    name = (live.name or "").strip()
    source = "holder API label"
    category = category_from_label(" ".join(live.tags), live.tags) if live.tags else None
    if category is None and live.is_contract:
        category = category_from_contract(name, live.implementation)
        if category is not None:
            source = "holder API contract name"
            name = _contract_label(name, live.implementation, category)
    if category is None and name:
        category = category_from_label(name)
    if category is not None:
        return Label(name or ", ".join(live.tags), category, source)
    if live.is_contract:
        return Label(name, Category.UNLABELED_CONTRACT, source)
    if live.is_contract is False:
        return Label(name, Category.WALLET, source)
    return Label(name, Category.UNLABELED, source if name else "")


def _contract_label(name: str, implementation: str | None, category: Category) -> str:
    """What to show for a contract classified by its compiled name: the name (and the
    implementation behind a proxy); a Safe says that its signers are not named."""
    shown = name or implementation or ""
    if implementation and name and implementation != name:
        shown = f"{name} → {implementation}"
    if category is Category.MULTISIG:
        return f"Safe multisig, signers not named ({shown})"
    return shown


def _largest_first(balances: NDArray[np.float64]) -> NDArray[np.integer]:
    """Row order by balance, largest first, equal balances in their given order (a stable
    sort; the faster unstable one is kept when no two balances are equal)."""
    negated = np.negative(balances)
    order = np.argsort(negated)
    negated = negated[order]
    if negated.size > 1 and (negated[1:] == negated[:-1]).any():
        order = np.argsort(np.negative(balances), kind="stable")
    small = np.int32 if order.size < 2**31 else np.int64
    return order.astype(small)


def label_holders(
    addresses: Addresses | Iterable[str],
    balances: ArrayLike,
    book: LabelBook,
    live_labels: dict[str, LiveLabel] | None = None,
) -> HolderTable:
    """Attach a label and category to every holder; sorted by balance, largest first.

    Vectorised: the rows are sorted once (stable, so equal balances keep their order) and
    only the rows whose address is in the book (:meth:`LabelBook.keys`) or has a live label
    are looked up (:meth:`core.holder_table.Addresses.rows_of`) and classified by
    :meth:`LabelBook.classify`; every other row is ``UNLABELED`` without a label — what
    ``classify`` gives an address it knows nothing about.

    Args:
        addresses: lower-case addresses (as :func:`sources.holder_files.read_holder_file`
            gives them), or any strings (lower-cased here).
        balances: one balance per address, token units.
        book: user labels and the chain's built-in facts.
        live_labels: labels from the holder API, by lower-case address.
    """
    live_labels = live_labels or {}
    column = (addresses if isinstance(addresses, Addresses)
              else normalise_addresses([a.lower() for a in addresses]).compact())
    values = np.asarray(balances, dtype=np.float64)
    if values.shape != (len(column),):
        raise ValueError("label_holders: one balance per address is needed")
    order = _largest_first(values)
    column = column.take(order)
    categories = np.full(len(column), CATEGORY_CODE[Category.UNLABELED], dtype=np.uint8)
    labels: dict[int, tuple[str, str]] = {}
    entities: dict[int, str] = {}
    for row, key in column.rows_of(book.keys() | live_labels.keys()).items():
        label = book.classify(key, live_labels.get(key))
        categories[row] = CATEGORY_CODE[label.category]
        if label.name or label.source:
            labels[row] = (label.name, label.source)
        if label.entity:
            entities[row] = label.entity
    return HolderTable(column, values[order], categories, labels, entities)


def label_snapshot(
    snapshot: HolderSnapshot,
    chain: str,
    user_labels: Iterable[tuple[str, Label]] = (),
) -> HolderTable:
    """The label stage of the live pipeline: a fetched holder list, labelled.

    Every holder of ``snapshot`` (balances in token units) gets a label and category by the
    precedence above — ``user_labels`` (first one per address wins), the built-in facts of
    ``chain``, then the holder API's live labels. Sorted by balance, largest first.
    """
    book = LabelBook(chain=chain, labels=user_labels)
    return label_holders(snapshot.addresses, snapshot.balances, book, snapshot.live_labels)
