"""Text for charts: cutting text to a width, and dates.

Charts are read at phone width, so every string is as short as it can be. Text that must
fit a panel is cut to a width in pixels by :class:`TextFitter`, which measures strings with
the figure's Agg renderer (no draw pass); :func:`fit` cuts by characters. Percentages, USD,
addresses, Nakamoto and "Name (SYM)" are not written here: charts use
:mod:`scoring.formatting`, the one copy shared with the embeds and the terminal report.
"""

from __future__ import annotations

from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties

from charts.style import FONT_FAMILY
from scoring.formatting import ELLIPSIS

__all__ = ["TextFitter", "fit"]


def fit(text: str, max_chars: int) -> str:
    """``text`` on one line, cut to at most ``max_chars`` characters with a trailing "…".

    Newlines and runs of blanks become one space. ``max_chars`` below 2 is treated as 2.
    """
    flat = " ".join(text.split())
    max_chars = max(max_chars, 2)
    if len(flat) <= max_chars:
        return flat
    return flat[: max_chars - 1].rstrip() + ELLIPSIS


#: Advance widths (px) of single characters, per (size pt, weight, dpi); filled lazily and
#: kept for the life of the process (a few hundred floats).
_ADVANCES: dict[tuple[float, str, float], dict[str, float]] = {}

#: Exact widths (px) of whole strings, per (text, size pt, weight, dpi): a layout costs ~1.5 ms
#: on matplotlib 3.11 and charts measure the same labels render after render. Bounded.
_WIDTHS: dict[tuple[str, float, str, float], float] = {}
_MAX_WIDTHS = 4096


def clear_widths() -> None:
    """Forget the measured string widths (not the per-character advances)."""
    _WIDTHS.clear()


class TextFitter:
    """Cuts text to a width in pixels, measured with a figure's Agg renderer.

    Character budgets fail on wide glyphs ("WWWW…"); this measures with the font that will
    draw the text (:data:`charts.style.FONT_FAMILY`), without drawing the figure. Laying out
    a string is slow (about a millisecond), so widths are first *estimated* from cached
    per-character advances; only a string whose estimate is within 4 % of the limit is laid
    out for real. Strings are measured as plain text (draw them with ``parse_math=False``).
    """

    #: Estimates below this fraction of the limit are trusted without a real layout.
    SAFE = 0.96

    def __init__(self, renderer: RendererAgg) -> None:
        self._renderer = renderer
        self._props: dict[tuple[float, str], FontProperties] = {}

    @classmethod
    def for_figure(cls, fig: Figure) -> TextFitter:
        """A fitter measuring with ``fig``'s Agg canvas renderer (cached by the canvas)."""
        canvas = fig.canvas
        if not isinstance(canvas, FigureCanvasAgg):
            canvas = FigureCanvasAgg(fig)
        return cls(canvas.get_renderer())

    @property
    def dpi(self) -> float:
        """Dots per inch of the renderer (pixels per 72 points)."""
        return float(self._renderer.dpi)

    def _prop(self, size: float, weight: str) -> FontProperties:
        key = (size, weight)
        prop = self._props.get(key)
        if prop is None:
            prop = self._props[key] = FontProperties(family=FONT_FAMILY, size=size,
                                                     weight=weight)
        return prop

    def width(self, text: str, size: float, weight: str = "normal") -> float:
        """Width of ``text`` in pixels at ``size`` points and the figure's dpi (exact; kept,
        so a string is laid out once per process)."""
        key = (text, size, weight, float(self._renderer.dpi))
        width = _WIDTHS.get(key)
        if width is None:
            w, _, _ = self._renderer.get_text_width_height_descent(
                text, self._prop(size, weight), ismath=False)
            if len(_WIDTHS) >= _MAX_WIDTHS:
                _WIDTHS.clear()
            width = _WIDTHS[key] = float(w)
        return width

    def estimate(self, text: str, size: float, weight: str = "normal") -> float:
        """Width of ``text`` in pixels as the sum of its characters' advances (no kerning;
        within a few % of :meth:`width`)."""
        table = _ADVANCES.setdefault((size, weight, self._renderer.dpi), {})
        total = 0.0
        for ch in text:
            adv = table.get(ch)
            if adv is None:
                # advance = width("|c|") − width("||"): the bars' ink cancels out.
                adv = table[ch] = max(self.width(f"|{ch}|", size, weight)
                                      - self.width("||", size, weight), 0.0)
            total += adv
        return total

    def fits(self, text: str, max_px: float, size: float, weight: str = "normal") -> bool:
        """Whether ``text`` is at most ``max_px`` wide (laid out only when the estimate is
        within 4 % of the limit)."""
        guess = self.estimate(text, size, weight)
        if guess <= max_px * self.SAFE:
            return True
        if guess > max_px / self.SAFE:
            return False
        return self.width(text, size, weight) <= max_px

    def fit(self, text: str, max_px: float, size: float, weight: str = "normal") -> str:
        """``text`` on one line, cut with a trailing "…" to at most ``max_px`` pixels wide.

        Returns "" when not even "…" fits.
        """
        flat = " ".join(text.split())
        if self.fits(flat, max_px, size, weight):
            return flat

        def cut(k: int) -> str:
            return flat[:k].rstrip().rstrip(ELLIPSIS) + ELLIPSIS

        lo, hi = 0, len(flat) - 1  # the longest prefix length whose "prefix…" fits
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.fits(cut(mid), max_px, size, weight):
                lo = mid
            else:
                hi = mid - 1
        if lo == 0:
            return ELLIPSIS if self.fits(ELLIPSIS, max_px, size, weight) else ""
        return cut(lo)
