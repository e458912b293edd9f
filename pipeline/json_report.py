"""The ``--json`` document of a report (the CLI's ``--json`` schema)."""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import Any

from core.report import Report
from core.scores import Scores
from core.views import ViewResult, ViewSet
from scoring.windows import windows

_SCORE_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Scores))


def _view_json(view: ViewResult) -> dict[str, Any]:
    # Every Scores field is always present, null when nothing is left in the view, so the
    # schema does not change shape with the data.
    out: dict[str, Any] = (view.scores.to_dict() if view.scores is not None
                           else dict.fromkeys(_SCORE_FIELDS))
    out["gini_all_low"] = view.gini_all.low if view.gini_all else None
    out["gini_all_high"] = view.gini_all.high if view.gini_all else None
    out["identified_share"] = view.identified_share
    out["top10_identified_share"] = view.top10_identified_share
    out["top10_unidentified"] = view.top10_unidentified
    out["entity_nakamoto"] = view.entity_nakamoto
    out["entities"] = {"count": view.entities, "wallets": view.entity_wallets}
    out["excluded"] = {"count": view.excluded.count, "share": view.excluded.share,
                       "by_category": dict(view.excluded.by_category)}
    return out


def _look_through_json(views: ViewSet) -> dict[str, list[dict[str, Any]]]:
    """What the beneficial view looked through (wrapper, holders listed, share of its
    supply covered, attributed and remainder in token units, source, as-of) and what it
    could not (wrapper, share of the raw denominator, reason)."""
    return {"looked_through": [asdict(w) for w in views.looked_through],
            "not_looked_through": [asdict(n) for n in views.not_looked_through]}


def report_to_json(report: Report, top: int = 20) -> dict[str, Any]:
    """The ``--json`` document: verdict, views, provenance, then the optional sections."""
    doc: dict[str, Any] = {
        "name": report.name,
        "symbol": report.symbol,
        "verdict": report.verdict.to_dict() if report.verdict else None,
        "views": ({v.name: _view_json(v) for v in report.views} if report.views else None),
        # the token's total number of holders when the holder API reports it (the views'
        # Gini is of the listed holders; gini_all_* bound the Gini of all of them)
        "holder_count": report.views.holder_count if report.views else None,
        "provenance": report.provenance.to_dict() if report.provenance else None,
        "top_holders": [
            {"rank": i + 1, "address": h.address, "balance": h.balance, "label": h.label,
             "category": h.category.value, "entity": h.entity,
             "label_source": h.label_source}
            for i, h in enumerate((report.holders or ())[:top])
        ],
        "missing": list(report.missing),
        "warnings": list(report.warnings),
        # what time each part covers: holder fetch time and source, the fees' 30-day
        # window, the voted proposals' closing dates (None where the part is absent)
        "windows": windows(report),
    }
    if report.views is not None:
        # also when no beneficial view was made: what could not be looked through (veCRV…)
        doc["look_through"] = _look_through_json(report.views)
        if report.views.beneficial is not None:
            doc["views"]["beneficial"].update(doc["look_through"])
    if report.protocol is not None:
        doc["protocol"] = report.protocol.to_dict()
    if report.fees is not None:
        fees = asdict(report.fees)
        fees["split_30d"] = report.fees.split_30d.to_dict()
        fees["daily"] = [list(p) for p in report.fees.daily]
        doc["fees"] = fees
    if report.votes is not None:
        doc["votes"] = {
            "space": report.votes.space,
            "note": report.votes.note,
            "proposals": [
                {"id": p.id, "title": p.title, "end": p.end, "votes": p.votes,
                 "scores": p.scores.to_dict() if p.scores else None}
                for p in report.votes.proposals
            ],
        }
    if report.governance is not None:
        doc["governance"] = report.governance.to_dict()
    if report.sources:
        doc["sources"] = [s.to_dict() for s in report.sources]
    return doc
