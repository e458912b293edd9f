"""Every figure says its window (issue 10): holder fetch time and source, the fees' 30-day
window (and a staleness caveat when its last day is > 2 days old), the votes' date range —
in the JSON, the terminal text, the embeds' footer and the chart footers.

The report comes from the real pipeline over the fake APIs (only the network is replaced);
its fee series ends on 2025-11-21 and its three proposals closed 2025-11-07 → 2025-11-21.
"""

from __future__ import annotations

import httpx
import pytest

from pipeline.analyze import Services, analyze_protocol
from pipeline.json_report import report_to_json
from pipeline.resolve import find_protocol
from pipeline.text_report import render_text
from scoring.windows import window_lines, windows
from sources.config import SourcesConfig
from sources.directory import Directory
from sources.http import HttpClient, make_http_client
from tests.fake_upstream import FakeUpstream

FEES = "fees: 30 days 2025-10-23 → 2025-11-21 (DefiLlama)"
VOTES = ("votes: 3 proposal(s) closed 2025-11-07 → 2025-11-21 "
         "(Snapshot uniswapgovernance.eth)")


@pytest.fixture
async def report(tmp_path, closing):
    cfg = SourcesConfig(cache_dir=tmp_path)
    http = HttpClient(make_http_client(cfg, transport=httpx.MockTransport(
        FakeUpstream.default().handler)), rate_limits={}, default_rate=(10_000, 1))
    closing(http)
    directory = Directory(http, cfg)
    record, _ = await find_protocol(directory, "uniswap")
    return await analyze_protocol(Services(cfg, http, directory), record)


def test_window_lines(report):
    lines = window_lines(report)
    assert lines[0].startswith("holders: top ") and "from Blockscout (ethereum)" in lines[0]
    assert "fetched " in lines[0] and lines[0].endswith(" UTC")
    assert lines[1:] == [FEES, VOTES]


def test_json_has_every_window(report):
    doc = report_to_json(report)
    w = doc["windows"]
    assert w == windows(report)
    assert w["fees"] == {"from": "2025-10-23", "to": "2025-11-21", "days": 30,
                         "source": "DefiLlama"}
    assert w["votes"]["from"] == "2025-11-07" and w["votes"]["to"] == "2025-11-21"
    assert w["holders"]["source"] == "Blockscout (ethereum)" and w["holders"]["fetched_at"]
    assert doc["fees"]["window_start"] == "2025-10-23"
    assert any("days ago" in x for x in doc["fees"]["warnings"])  # stale: > 2 days old
    fee_source = next(s for s in doc["sources"] if s["what"].startswith("fees"))
    assert fee_source["as_of"] == "2025-11-21"  # the window's last day, not today


def test_terminal_text_says_the_windows(report):
    text = render_text(report)
    assert "Fees, 30 days 2025-10-23 → 2025-11-21:" in text
    assert "Data windows:" in text and FEES in text and VOTES in text
    assert "DefiLlama's fee data ends on 2025-11-21" in text  # the staleness caveat


def test_embed_footer_says_the_windows(report):
    from commands.embeds import fees_embed, footer_text, votes_embed

    footer = footer_text(report)
    assert FEES in footer and VOTES in footer and "holders: top " in footer
    fees = fees_embed(report)
    assert "2025-10-23 → 2025-11-21" in fees.footer.text
    assert (fees.description or "").startswith("**Fees, 30 days 2025-10-23 → 2025-11-21**")
    caveats = next(f.value for f in fees.fields if f.name == "Caveats")
    assert "DefiLlama's fee data ends on 2025-11-21" in caveats  # the staleness caveat
    assert "2025-11-07 → 2025-11-21" in votes_embed(report).footer.text
    # an on-chain DAO: the delegates first, Snapshot (with its window) in its own field
    snapshot = next(f.value for f in votes_embed(report).fields if f.name == "Snapshot votes")
    assert "closed 2025-11-07 → 2025-11-21" in snapshot


def test_chart_footers_say_the_windows(report):
    from charts.render import build_comparison_figure, build_report_figure

    def texts(fig) -> str:
        return "\n".join(t.get_text() for t in fig.texts)

    footer = texts(build_report_figure(report))
    assert "fees 2025-10-23 → 2025-11-21" in footer
    assert "votes 2025-11-07 → 2025-11-21" in footer
    assert "as of " in footer
    assert "fees 2025-10-23 → 2025-11-21" in texts(build_comparison_figure([report, report]))


def test_one_time_format_for_text_embeds_and_charts():
    from scoring.formatting import date_text, moment_text

    # The same moment reads the same everywhere: offsets are converted to UTC.
    assert moment_text("2026-02-19T08:27:38+02:00") == "2026-02-19 06:27 UTC"
    assert moment_text("2026-02-19T06:27:38Z") == "2026-02-19 06:27 UTC"
    assert moment_text("2026-02-19T06:27:38") == "2026-02-19 06:27"  # no zone invented
    assert moment_text("unknown") == "unknown"
    assert date_text(1_771_459_200) == "2026-02-19"
