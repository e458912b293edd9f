"""Looking through a wrapper: its wrapped balance shared among its own holders, pro rata.

A wrapper (stkAAVE, an aToken…) holds ``wrapped`` units of the analysed token for the
holders of its own token. Holder *i* of the wrapper, with ``bᵢ`` wrapper units out of the
wrapper's supply ``S``, is the beneficial owner of ``wrapped · bᵢ / S`` token units. The
wrapper's holder list is a top-n list, so the listed holders get
``wrapped · Σbᵢ / S`` and the rest — held by the wrapper's unlisted holders — stays one
*unattributed remainder* (never one owner).

Edge cases (all exact rules, no guessing):

* the wrapper listed among its own holders (its own tokens held by itself) claims nothing:
  its row is dropped and its balance taken off ``S`` (the others' shares grow pro rata);
* ``S`` unknown: the listed holders are taken as all of it (``S = Σbᵢ``, coverage unknown);
* ``S`` (net of itself) zero, or a listed sum above ``S``: nothing can be attributed
  (:class:`CannotLookThrough`, with the reason).

Wrapper balances and ``S`` are in the same (wrapper) units, whatever they are: only their
ratios are used. Attributed amounts and the remainder are in the analysed token's units.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

#: Relative slack for "the listed sum exceeds the supply" (float rounding of token units).
_SLACK = 1e-9


class CannotLookThrough(ValueError):
    """The wrapper's holders cannot be given its balance; the message says why."""


@dataclass(frozen=True, slots=True)
class Attribution:
    """The wrapped balance shared among a wrapper's listed holders.

    Attributes:
        rows: indices into the wrapper's holder list of the holders that got a share
            (positive balance, not the wrapper itself), in list order.
        amounts: token units attributed to each of ``rows``.
        remainder: token units of the wrapped balance left to the unlisted holders.
        covered: Σbᵢ / S of the listed holders (0–1), ``None`` when S is unknown.
    """

    rows: NDArray[np.intp]
    amounts: NDArray[np.float64]
    remainder: float
    covered: float | None

    @property
    def attributed(self) -> float:
        """Token units given to the listed holders (exactly rounded sum)."""
        return math.fsum(self.amounts.tolist())


def attribute(wrapped: float, balances: ArrayLike, supply: float | None,
              self_row: int | None = None) -> Attribution:
    """Share ``wrapped`` token units among a wrapper's listed holders, pro rata.

    Args:
        wrapped: the wrapper's balance of the analysed token (token units, ≥ 0).
        balances: its listed holders' balances of the wrapper token (wrapper units).
        supply: the wrapper's total supply (wrapper units), ``None`` when unknown.
        self_row: the row of the wrapper itself among its holders, if listed.

    Raises:
        CannotLookThrough: a negative or non-finite input, a supply (net of the wrapper's
            own holding) that is not positive, or listed holders holding more than it.
    """
    values = np.asarray(balances, dtype=np.float64)
    if not math.isfinite(wrapped) or wrapped < 0:
        raise CannotLookThrough(f"its balance ({wrapped!r}) is not a non-negative number")
    if values.size and (not np.isfinite(values).all() or (values < 0).any()):
        raise CannotLookThrough("its holder list has a negative or non-finite balance")
    keep = values > 0
    own = 0.0
    if self_row is not None and 0 <= self_row < values.size:
        own = float(values[self_row])
        keep[self_row] = False
    rows = np.flatnonzero(keep)
    listed = math.fsum(values[rows].tolist())
    if supply is None:
        net, covered = listed, None
    else:
        if not math.isfinite(supply) or supply < 0:
            raise CannotLookThrough(f"its supply ({supply!r}) is not a non-negative number")
        net = supply - own
        if listed > net * (1 + _SLACK) and net > 0:
            raise CannotLookThrough("its listed holders hold more than its reported supply")
        covered = min(listed / net, 1.0) if net > 0 else None
    if net <= 0:
        raise CannotLookThrough("its supply (less what it holds of itself) is zero")
    amounts = wrapped * (values[rows] / net)
    remainder = wrapped * max(net - listed, 0.0) / net
    return Attribution(rows, amounts, remainder, covered)
