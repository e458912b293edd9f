"""The application: resolve → fetch → label → score → assemble, the analysis service
(caches, coalescing, render pool) and the text and JSON renderings. No discord here."""
