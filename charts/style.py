"""Look and feel of every Lorenz chart: colours, fonts, sizes, fixed layout (DESIGN.md §3.5).

One dark "card" palette works on Discord's dark theme (the card is darker than Discord's
#313338) and on the light theme (a dark card on white reads as one image). Text is light,
every colour below was picked for contrast on :data:`CARD`.

Nothing here touches ``matplotlib.rcParams``: the values are passed as explicit keyword
arguments by :mod:`charts.plots` and :mod:`charts.render`, so rendering never changes the
process-wide matplotlib state and needs no ``matplotlib.rc_context``.

Units: sizes are in points (1 pt = DPI/72 px; at :data:`DPI` 100, 14 pt ≈ 19 px), figure
sizes in inches, layout rectangles in figure fractions ``(left, bottom, width, height)``.
"""

from __future__ import annotations

from typing import Any, Literal

from matplotlib.axes import Axes

from core.categories import CATEGORY_WORDS, Category

#: Figure size in inches and resolution: 12 × 6.75 in at 100 dpi = 1200 × 675 px (16:9).
FIGSIZE: tuple[float, float] = (12.0, 6.75)
DPI: int = 100

FONT_FAMILY = "DejaVu Sans"  # ships with matplotlib: the same glyphs on every machine

# Font sizes (points). Discord shows a 1200 px image at ~400 css px on a phone, so nothing
# below 12 pt carries information that matters.
TITLE_SIZE = 26
SUBTITLE_SIZE = 16
PANEL_TITLE_SIZE = 17
LABEL_SIZE = 14
TICK_SIZE = 14
VALUE_SIZE = 14
LEGEND_SIZE = 13
FOOTER_SIZE = 11
NOTICE_SIZE = 22  # "holder data unavailable" and similar

# Palette (hex sRGB).
CARD = "#1b1e27"  # figure background
PANEL = "#222631"  # axes background
TEXT = "#eceef2"
MUTED = "#a3a9b7"
GRID = "#3a4050"
EQUALITY = "#8b93a5"  # the line of equality on Lorenz curves
NOT_REPORTED_EDGE = "#a3a9b7"  # outline + hatch of "not reported" parts

#: Colours of the views (Lorenz curves, grouped bars): Okabe–Ito sky blue, reddish purple,
#: orange — told apart with every common colour-vision deficiency (Okabe & Ito, "Color
#: Universal Design", 2002) and bright enough on :data:`CARD`.
VIEW_COLORS: dict[str, str] = {
    "raw": "#56b4e9",  # sky blue
    "circulating": "#cc79a7",  # reddish purple
    "owners": "#e69f00",  # orange
    "beneficial": "#f0e442",  # yellow
}

#: Human names of the views, as short as possible.
VIEW_NAMES: dict[str, str] = {
    "raw": "raw view",
    "circulating": "circulating view",
    "owners": "owners view",
    "beneficial": "beneficial view",
}

#: One colour per holder category (core.categories.Category): Okabe–Ito's eight and Paul
#: Tol's "muted" scheme, picked so that the categories that share a chart (treasury, burn,
#: exchange, undistributed and the unlabelled ones) stay apart under deuteranopia,
#: protanopia and tritanopia (tests/test_chart_story.py simulates them); the unlabelled
#: kinds are greys of different lightness, burn is vermilion — never a grey.
CATEGORY_COLORS: dict[Category, str] = {
    Category.TREASURY: "#f0e442",  # Okabe–Ito yellow
    Category.BURN: "#d55e00",  # Okabe–Ito vermilion
    Category.VESTING: "#cc79a7",  # Okabe–Ito reddish purple
    Category.UNDISTRIBUTED: "#999933",  # Tol olive
    Category.EXCHANGE: "#56b4e9",  # Okabe–Ito sky blue
    Category.BRIDGE: "#88ccee",  # Tol cyan
    Category.STAKING: "#aa4499",  # Tol purple
    Category.LENDING: "#0072b2",  # Okabe–Ito blue
    Category.AMM_POOL: "#009e73",  # Okabe–Ito bluish green
    Category.FUND: "#ee8866",  # Tol light orange
    Category.MULTISIG: "#bbcc33",  # Tol light pear
    Category.OTHER: "#ddcc77",  # Tol sand
    Category.UNLABELED_CONTRACT: "#a8a8a8",  # mid grey: a contract nobody labelled
    Category.WALLET: "#e0e0e0",  # light grey: an unlabelled wallet
    Category.UNLABELED: "#6e6e6e",  # dark grey: nothing known
}

#: Short legend names of the categories (one list for embeds and charts).
CATEGORY_NAMES: dict[Category, str] = CATEGORY_WORDS

#: Fee parts: colour and name, in drawing order (left to right in the stacked bar).
FEE_PARTS: tuple[tuple[str, str, str], ...] = (
    ("supply_side", "supply side", "#5c8dff"),
    ("treasury", "treasury", "#f2c14e"),
    ("holders", "holders", "#4cd6a0"),
)


#: Vote chart: top-10 share (light) behind the top-1 share (solid).
VOTE_TOP10 = "#4a5a82"
VOTE_TOP1 = "#6ea8fe"
MAJORITY = "#ff8a65"  # the 50 % line

# Common keyword sets -------------------------------------------------------------------

TEXT_KW: dict[str, Any] = {"color": TEXT, "family": FONT_FAMILY}
MUTED_KW: dict[str, Any] = {"color": MUTED, "family": FONT_FAMILY}


def style_axes(ax: Axes, *, grid_axis: Literal["x", "y", "both"] | None = "x") -> Axes:
    """Apply the card look to ``ax``: background, spines, tick colours and sizes.

    Args:
        ax: the axes to style (modified in place).
        grid_axis: ``"x"``, ``"y"``, ``"both"`` or ``None`` (no grid lines).

    Returns:
        ``ax``.
    """
    ax.set_facecolor(PANEL)
    for side, spine in ax.spines.items():
        spine.set_visible(side in ("left", "bottom"))
        spine.set_color(GRID)
    ax.tick_params(colors=MUTED, labelcolor=TEXT, labelsize=TICK_SIZE,
                   labelfontfamily=FONT_FAMILY, length=0, pad=6)
    if grid_axis is not None:
        ax.grid(True, axis=grid_axis, color=GRID, linewidth=0.8)
        ax.set_axisbelow(True)
    return ax


def panel_title(ax: Axes, text: str, pad: float = 10) -> None:
    """A left-aligned panel title in the card style (points: :data:`PANEL_TITLE_SIZE`),
    ``pad`` points above the axes."""
    ax.set_title(text, loc="left", fontsize=PANEL_TITLE_SIZE, fontweight="bold", pad=pad,
                 **TEXT_KW)
