"""Pure maths on holder balances: metrics, views, fees, the verdict, and the one formatting
module for numbers and names. Imports only :mod:`core`; no I/O, no network."""

from core.categories import Category
from core.scores import GiniBounds, Scores
from core.verdict import Provenance, Verdict
from core.views import Holder, ViewResult, ViewSet
from scoring.metrics import gini_bounds, score_balances
from scoring.verdict import LEVELS, make_provenance, make_verdict
from scoring.views import score_views

__all__ = [
    "LEVELS",
    "Category",
    "GiniBounds",
    "Holder",
    "Provenance",
    "Scores",
    "Verdict",
    "ViewResult",
    "ViewSet",
    "gini_bounds",
    "make_provenance",
    "make_verdict",
    "score_balances",
    "score_views",
]
