"""The figure plumbing of every chart: one Agg renderer, one lock, PNG encoding.

* :func:`new_figure` — an empty 1200 × 675 px card-coloured ``Figure`` (no pyplot);
* :func:`figure_to_png` — draw it and return PNG bytes (under :data:`LOCK`);
* :func:`encode_png` — an RGBA buffer as an RGB PNG.

matplotlib is not thread-safe, and every chart draws into one shared renderer, so building
and drawing happen under the re-entrant :data:`LOCK` (the ``render_*`` functions of
:mod:`charts.render` hold it from the first artist to the last PNG byte).
"""

from __future__ import annotations

import struct
import threading
import zlib
from typing import ClassVar

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.figure import Figure

from charts import style

#: Serialises figure building and drawing: matplotlib is not thread-safe, and all chart
#: figures draw into one shared renderer (see :class:`SharedCanvas`). Re-entrant, so the
#: public ``render_*`` functions can hold it across build, draw and encode.
LOCK = threading.RLock()

#: zlib level of the PNGs (0–9): 1 is ~2× faster than 6 for ~15 % more bytes here.
PNG_COMPRESS_LEVEL = 1


class SharedCanvas(FigureCanvasAgg):
    """An Agg canvas whose renderer is shared by every figure of the same pixel size.

    Every chart is 1200 × 675 px, so one renderer (and its 3 MB buffer) serves them all;
    matplotlib caches text metrics per renderer, so labels drawn before ("0", "50%",
    category names…) are not laid out again. ``draw`` clears the buffer first, so sharing is
    safe as long as drawing and reading the buffer happen under :data:`LOCK` (as in
    :func:`figure_to_png`).
    """

    _renderers: ClassVar[dict[tuple[int, int, float], RendererAgg]] = {}

    def get_renderer(self) -> RendererAgg:
        """The shared renderer for this canvas's size and dpi (created on first use)."""
        w, h = self.get_width_height(physical=True)
        key = (w, h, self.figure.dpi)
        renderer = self._renderers.get(key)
        if renderer is None:
            if len(self._renderers) >= 4:  # odd sizes only come from tests; stay bounded
                self._renderers.clear()
            renderer = self._renderers[key] = RendererAgg(w, h, self.figure.dpi)
        self.renderer = renderer
        return renderer


def new_figure() -> Figure:
    """An empty 1200 × 675 px card-coloured Figure with a (shared-renderer) Agg canvas."""
    fig = Figure(figsize=style.FIGSIZE, dpi=style.DPI, facecolor=style.CARD)
    SharedCanvas(fig)
    return fig


def figure_to_png(fig: Figure) -> bytes:
    """Rasterise ``fig`` at its dpi (:data:`charts.style.DPI`) and return PNG bytes."""
    with LOCK:
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
