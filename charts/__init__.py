"""Charts: a report drawn on matplotlib Figures and written as PNG bytes (DESIGN.md §3.5).

* :mod:`charts.style` — colours (one per holder category), fonts, sizes;
* :mod:`charts.format` — cutting text to a pixel width, dates (numbers, names and level
  colours come from :mod:`scoring.formatting`, shared with the embeds and the terminal);
* :mod:`charts.plots` — axes-level plot functions (draw on a given ``Axes``, return it);
* :mod:`charts.render` — the figures and the public ``render_*_png`` functions.

No pyplot, no global rcParams changes, no Discord; inputs are the picklable report
dataclasses, outputs PNG bytes (safe in threads, and in a process pool).
"""
