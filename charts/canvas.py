"""The figure plumbing of every chart: one Agg renderer, one lock, PNG encoding.

* :func:`new_figure` — an empty 1200 × 675 px card-coloured ``Figure`` (no pyplot);
* :func:`reused_figure` / :func:`add_axes` — a figure and its axes kept between renders;
* :func:`figure_to_png` — draw it and return PNG bytes (under :data:`LOCK`);
* :func:`encode_png` — an RGBA buffer as an RGB PNG.

matplotlib is not thread-safe, and every chart draws into one shared renderer, so building
and drawing happen under the re-entrant :data:`LOCK` (the ``render_*`` functions of
:mod:`charts.render` hold it from the first artist to the last PNG byte).
"""

from __future__ import annotations

import math
import struct
import threading
import zlib
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any, ClassVar

import matplotlib as mpl
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg, get_hinting_flag
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from numpy.typing import NDArray

from charts import style
from charts.format import clear_widths

#: Serialises figure building and drawing: matplotlib is not thread-safe, and all chart
#: figures draw into one shared renderer (see :class:`SharedCanvas`). Re-entrant, so the
#: public ``render_*`` functions can hold it across build, draw and encode.
LOCK = threading.RLock()

#: zlib level of the PNGs (0–9): 1 is ~2× faster than 6 for ~15 % more bytes here.
PNG_COMPRESS_LEVEL = 1


#: How many rendered strings a renderer keeps (each a few KB of grey pixels).
TEXT_CACHE_SIZE = 2048


class TextRenderer(RendererAgg):
    """An Agg renderer that draws each string as one bitmap, and keeps the bitmaps.

    matplotlib 3.11 lays a string out with a shaping engine and renders and composites it
    glyph by glyph (~2 ms for a 20-character label); 3.10 rendered the whole string into one
    bitmap and drew that once. This renderer does the latter — FreeType lays the string out
    and draws it into one grey bitmap, placed at the nearest whole pixel as 3.10 did — and
    caches the bitmap by string, font, size and dpi, so the labels every chart repeats
    ("0", "50%", category names, headers) are rasterised once per process. Rotation is done
    on the bitmap (as in 3.10). Math text, and text asking for OpenType features or a
    language, goes the default way.
    """

    def __init__(self, width: int, height: int, dpi: float):
        super().__init__(width, height, dpi)
        self._strings: OrderedDict[tuple[Any, ...], tuple[NDArray[np.uint8], float, float,
                                                          float]] = OrderedDict()

    def clear_strings(self) -> None:
        """Forget the rasterised strings."""
        self._strings.clear()

    def draw_text(self, gc: Any, x: float, y: float, s: str, prop: FontProperties,
                  angle: float, ismath: Any = False, mtext: Any = None) -> None:
        """Draw ``s`` at ``(x, y)`` (pixels, y downwards) as one cached bitmap."""
        if ismath or (mtext is not None and (mtext.get_fontfeatures()
                                             or mtext.get_language())):
            super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
            return
        image, xo, yo, descent = self._string_bitmap(s, prop, bool(gc.get_antialiased()))
        xd = descent * math.sin(math.radians(angle))
        yd = descent * math.cos(math.radians(angle))
        self._renderer.draw_text_image(image, round(x + xo + xd), round(y + yo + yd) + 1,
                                       angle, gc)

    def _string_bitmap(self, s: str, prop: FontProperties,
                       antialiased: bool) -> tuple[NDArray[np.uint8], float, float, float]:
        """The grey bitmap of ``s`` and its offsets and descent in pixels (cached, LRU)."""
        key = (s, tuple(prop.get_family()), prop.get_style(), prop.get_variant(),
               prop.get_weight(), prop.get_stretch(), prop.get_size_in_points(),
               prop.get_file(), self.dpi, antialiased, get_hinting_flag(),
               mpl.rcParams["text.hinting_factor"])
        entry = self._strings.get(key)
        if entry is not None:
            self._strings.move_to_end(key)
            return entry
        font = self._prepare_font(prop)
        font.set_text(s, 0, flags=get_hinting_flag())
        font.draw_glyphs_to_bitmap(antialiased=antialiased)
        xo, yo = font.get_bitmap_offset()
        entry = (np.array(font.get_image(), dtype=np.uint8), xo / 64.0, yo / 64.0,
                 font.get_descent() / 64.0)
        self._strings[key] = entry
        if len(self._strings) > TEXT_CACHE_SIZE:
            self._strings.popitem(last=False)
        return entry


def clear_text_caches() -> None:
    """Forget every rasterised string and measured width (benchmarks: the cold case)."""
    with LOCK:
        for renderer in SharedCanvas._renderers.values():
            renderer.clear_strings()
        clear_widths()


class SharedCanvas(FigureCanvasAgg):
    """An Agg canvas whose renderer is shared by every figure of the same pixel size.

    Every chart is 1200 × 675 px, so one renderer (and its 3 MB buffer) serves them all;
    matplotlib caches text metrics per renderer, so labels drawn before ("0", "50%",
    category names…) are not laid out again. ``draw`` clears the buffer first, so sharing is
    safe as long as drawing and reading the buffer happen under :data:`LOCK` (as in
    :func:`figure_to_png`).
    """

    _renderers: ClassVar[dict[tuple[int, int, float], TextRenderer]] = {}

    def get_renderer(self) -> RendererAgg:
        """The shared renderer for this canvas's size and dpi (created on first use)."""
        w, h = self.get_width_height(physical=True)
        key = (w, h, self.figure.dpi)
        renderer = self._renderers.get(key)
        if renderer is None:
            if len(self._renderers) >= 4:  # odd sizes only come from tests; stay bounded
                self._renderers.clear()
            renderer = self._renderers[key] = TextRenderer(w, h, self.figure.dpi)
        self.renderer = renderer
        return renderer


def new_figure() -> Figure:
    """An empty 1200 × 675 px card-coloured Figure with a (shared-renderer) Agg canvas."""
    fig = Figure(figsize=style.FIGSIZE, dpi=style.DPI, facecolor=style.CARD)
    SharedCanvas(fig)
    return fig


#: Figures kept between renders, one per layout, and the axes each may hand out again.
_KEPT: dict[Hashable, Figure] = {}
_SPARE_AXES: dict[int, list[Axes]] = {}


def reused_figure(layout: Hashable) -> Figure:
    """The figure kept for ``layout`` (a key naming the charts with the same axes), emptied
    of every artist the last render added; a new one the first time.

    Making a Figure and its Axes costs ~10 ms per axes (ticks, spines, transforms) that an
    emptied one does not. Safe under :data:`LOCK` only and for the ``render_*`` path: the
    figure is emptied again by the next render, so never hand it out (the ``build_*``
    functions make fresh figures). Axes come back, in order, from :func:`add_axes`; the
    plot functions set everything they show (limits, ticks, spines, titles) each time.
    """
    fig = _KEPT.get(layout)
    if fig is None:
        if len(_KEPT) >= 16:  # layouts are a handful; stay bounded anyway
            _KEPT.clear()
            _SPARE_AXES.clear()
        fig = _KEPT[layout] = new_figure()
        return fig
    for artist in [*fig.texts, *fig.patches, *fig.lines, *fig.artists]:
        artist.remove()
    for ax in fig.axes:
        for artist in [*ax.lines, *ax.patches, *ax.texts, *ax.artists, *ax.collections,
                       *ax.images]:
            artist.remove()
        ax.containers.clear()
        for loc in ("left", "center", "right"):
            ax.set_title("", loc=loc)
    _SPARE_AXES[id(fig)] = list(fig.axes)
    return fig


def add_axes(fig: Figure, rect: tuple[float, float, float, float]) -> Axes:
    """An axes at ``rect`` (figure fractions): the next spare one of a :func:`reused_figure`
    moved there, else a new one."""
    spare = _SPARE_AXES.get(id(fig))
    if spare:
        ax = spare.pop(0)
        ax.set_position(rect)
        return ax
    return fig.add_axes(rect)


def figure_to_png(fig: Figure) -> bytes:
    """Rasterise ``fig`` at its dpi (:data:`charts.style.DPI`) and return PNG bytes."""
    with LOCK:
        for ax in _SPARE_AXES.pop(id(fig), ()):  # a kept axes this render did not use
            ax.remove()
        canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
        canvas.draw()
        width, height = canvas.get_width_height(physical=True)
        return encode_png(canvas.buffer_rgba(), width, height)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def encode_png(rgba: memoryview | bytes, width: int, height: int) -> bytes:
    """An 8-bit RGB PNG of a ``height`` × ``width`` RGBA buffer (alpha dropped: the card is
    opaque).

    Written directly (rows with PNG filter 0, zlib level :data:`PNG_COMPRESS_LEVEL`): for
    flat chart graphics this is smaller than Pillow's adaptive filtering and about a third
    faster (~14 ms vs ~20 ms for 1200 × 675 here).
    """
    pixels = np.frombuffer(rgba, dtype=np.uint8).reshape(height, width, 4)
    rows = np.empty((height, 1 + 3 * width), dtype=np.uint8)
    rows[:, 0] = 0  # filter type "None" for every row
    rows[:, 1:] = pixels[:, :, :3].reshape(height, 3 * width)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return b"".join((
        b"\x89PNG\r\n\x1a\n",
        _chunk(b"IHDR", header),
        _chunk(b"IDAT", zlib.compress(rows.data, PNG_COMPRESS_LEVEL)),
        _chunk(b"IEND", b""),
    ))
