"""A source is cited only when it supplied a figure (embed footers)."""

from __future__ import annotations

from dataclasses import replace

import chart_fixtures as cf

from commands.embeds import compared_sources, fees_embed
from core.report import SourceRef


def test_fees_footer_cites_no_source_when_fee_data_is_missing():
    report = replace(cf.synthetic_report(), fees=None, sources=(),
                     missing=("fee data: 'x' is not tracked by DefiLlama's fees.",))
    footer = fees_embed(report).footer.text or ""
    assert "DefiLlama" not in footer
    assert footer == "No fee source answered."


def test_fees_footer_names_what_the_source_supplied():
    report = replace(cf.fees_only_report(),
                     sources=(SourceRef("fees, revenue", "DefiLlama", "2025-11-20"),))
    footer = fees_embed(report).footer.text or ""
    assert footer.startswith("Source: DefiLlama (fees, revenue")
    assert "holders revenue" not in footer


def test_compare_footer_names_only_sources_that_answered():
    holders_only = replace(cf.synthetic_report(), sources=(
        SourceRef("holders, supply", "Ethplorer", "2026-11-29T00:00:00Z"),))
    both = replace(cf.synthetic_report(), sources=(
        SourceRef("holders, supply, labels", "Blockscout (ethereum)", "2026-11-29T00:00:00Z"),
        SourceRef("fees", "DefiLlama", "2025-11-20")))
    assert compared_sources([holders_only, both]) == (
        "Sources: Ethplorer, Blockscout (ethereum), DefiLlama.")
    assert compared_sources([replace(holders_only, sources=())]) == "No source answered."
