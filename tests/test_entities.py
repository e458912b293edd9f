"""Entities end to end: labels that name one organisation merge its wallets for the entity
Nakamoto — in the JSON, the text report and the Discord embed (issue 11, item 5)."""

from __future__ import annotations

from core.categories import Category
from core.labels import Label
from pipeline.assemble import analyze_holders
from pipeline.json_report import report_to_json
from pipeline.labels import LabelBook, label_holders
from pipeline.service import Answer

ADDRESSES = [f"0x{i:040x}" for i in range(1, 7)]
BALANCES = [25.0, 22.0, 20.0, 15.0, 10.0, 8.0]  # of 100


def _report():
    book = LabelBook("ethereum", [
        (ADDRESSES[2], Label("Fund A hot", Category.FUND, "labels: test", "Fund A")),
        (ADDRESSES[3], Label("Fund A cold", Category.FUND, "labels: test", "Fund A")),
        (ADDRESSES[5], Label("Safe", Category.MULTISIG, "labels: test")),
    ])
    holders = label_holders(ADDRESSES, BALANCES, book)
    return analyze_holders(holders, name="Token", symbol="TOK", supply=100.0,
                           holder_count=None, sources=("test",), as_of="2026-11-29T00:00:00Z")


def test_entity_nakamoto_in_the_json():
    doc = report_to_json(_report())
    raw = doc["views"]["raw"]
    # wallets 25 + 22 = 47, + 20 = 67 > 50 → 3; Fund A (20 + 15 = 35) + 25 = 60 → 2
    assert raw["nakamoto"] == 3 and raw["entity_nakamoto"] == 2
    assert raw["entities"] == {"count": 1, "wallets": 2}
    entities = {h["address"]: h["entity"] for h in doc["top_holders"]}
    assert entities[ADDRESSES[2]] == entities[ADDRESSES[3]] == "Fund A"
    assert entities[ADDRESSES[0]] == "" and entities[ADDRESSES[5]] == ""


def test_entity_nakamoto_in_the_embed():
    from commands.embeds import concentration_embed

    embed = concentration_embed(Answer(_report(), None, 0.0), None)
    raw = next(f.value for f in embed.fields if f.name.startswith("raw view · % of "))
    assert "Nakamoto **3** (**2** counting entities)" in raw
    assert "identified: " in raw
