"""Pure maths on holder balances: metrics, views, labels, verdict. No I/O, no network."""

from scoring.categories import Category
from scoring.metrics import GiniBounds, Scores, gini_bounds, score_balances
from scoring.verdict import LEVELS, Provenance, Verdict, make_provenance, make_verdict
from scoring.views import Holder, ViewResult, ViewSet, score_views

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
