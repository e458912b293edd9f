"""Trends in replies: every answer compares itself with stored snapshots (simcord bot, a
real SQLite store under tmp_path)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from pipeline.trends import Trend, series, trend_line, trends_for
from store.repo import open_store, utcnow
from tests.test_store import snap

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


async def test_reply_stores_a_snapshot_and_shows_the_trend(world, simcord_bot):
    env, _guild, channel, alice = world
    env.settle_timeout = 30  # real database I/O on a loaded machine
    store = simcord_bot.collaborators.store
    assert store is not None
    first = await alice.slash(channel, "concentration", protocol="uniswap")
    assert not any(f.name.startswith("Trend") for f in first.response.embeds[0].fields)
    (kept,) = await store.history("uniswap")
    assert kept.data.origin == "reply" and kept.data.top10_share is not None
    # the same protocol eight days ago, with a top 10 three points smaller
    old = _smaller_top10(kept.data, 0.03, days=8)
    await store.add_snapshot(old, now=utcnow() - dt.timedelta(days=8))
    simcord_bot.collaborators.analyses._fresh.clear()  # a new answer, not the cached one
    second = await alice.slash(channel, "concentration", protocol="uniswap")
    trend = next(f for f in second.response.embeds[0].fields if f.name.startswith("Trend"))
    assert trend.name == "Trend (owners view)"
    assert trend.value.startswith("7 d (")
    assert "top 10 ▲ +3.00 pts" in trend.value
    if kept.data.nakamoto is not None:  # the real UNI list (../shared); a synthetic list's
        assert "Nakamoto ▶ +0" in trend.value  # owners may not reach a majority: ">117"
    assert len(await store.history("uniswap")) == 2  # the reply replaced the hour's reply


async def test_trend_windows_and_since_first(tmp_path):
    store = await open_store(f"sqlite:///{tmp_path / 's.sqlite'}")
    now = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    try:
        current = dataclasses.replace(snap(0.45), as_of=now)
        assert await trends_for(store, current, now) == ()  # nothing stored: no trend
        await store.add_snapshot(dataclasses.replace(snap(0.44), as_of=now), now=now
                                 - dt.timedelta(days=3))
        (since,) = await trends_for(store, current, now)
        assert since.days is None and since.top10_points == pytest.approx(1.0)
        assert trend_line(since).startswith("since ")
        for days, top10 in ((8, 0.40), (31, 0.35), (200, 0.30)):
            await store.add_snapshot(snap(top10), now=now - dt.timedelta(days=days))
        got = await trends_for(store, current, now)
        # 90 days back: the 200-day-old snapshot is too far from the window (> 45 days)
        assert [(t.days, t.top10_points) for t in got] == [(7, pytest.approx(5.0)),
                                                            (30, pytest.approx(10.0))]
        dates, lines = series(await store.history("uniswap"), "top10_share")
        assert len(dates) == 4 and lines["owners"][0] == 0.30 and lines["entity"] == [None] * 4
    finally:
        await store.close()


def test_trend_line_arrows():
    t0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    line = trend_line(Trend(30, t0, t0 + dt.timedelta(days=30), -1.5, 2))
    assert line == "30 d (2026-01-01 → 2026-01-31): top 10 ▼ -1.50 pts · Nakamoto ▼ +2"
    fewer = trend_line(Trend(None, t0, t0, 0.0, 0, (7, 5)))
    assert fewer.endswith("top 10 ▶ +0.00 pts · Nakamoto ▶ +0 · delegates to quorum ▲ 7 → 5")


async def test_delegates_to_quorum_from_stored_governance(tmp_path):
    store = await open_store(f"sqlite:///{tmp_path / 's.sqlite'}")
    now = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    try:
        await store.add_snapshot(snap(0.40), now=now - dt.timedelta(days=8))  # quorum 7
        current = dataclasses.replace(snap(0.40), governance={"delegates_to_quorum": 6})
        (t,) = await trends_for(store, current, now)
        assert t.quorum == (7, 6) and t.to_dict()["delegates_to_quorum"] == [7, 6]
    finally:
        await store.close()


async def test_trend_command_series_and_chart(world, simcord_bot):
    env, _guild, channel, alice = world
    env.settle_timeout = 30  # real database I/O on a loaded machine
    simcord_bot.get_cog("Watches").now = utcnow
    empty = await alice.slash(channel, "trend", protocol="uniswap")
    assert empty.ephemeral and "no snapshots of Uniswap" in empty.response.content
    await alice.slash(channel, "concentration", protocol="uniswap")
    store = simcord_bot.collaborators.store
    (kept,) = await store.history("uniswap")
    old = _smaller_top10(kept.data, 0.05, days=31)
    await store.add_snapshot(old, now=utcnow() - dt.timedelta(days=31))
    result = await alice.slash(channel, "trend", protocol="uniswap", days=60)
    embed = result.response.embeds[0]
    assert embed.title == "Uniswap — top-10 share over time"
    assert embed.description.startswith("2 snapshot(s) from ")
    trend = next(f for f in embed.fields if f.name.startswith("Trend"))
    assert trend.value.startswith("30 d (") and "+5.00 pts" in trend.value
    png = await result.response.attachments[0].read()
    assert png.startswith(b"\x89PNG")
    cb = [r for r in env.http_requests if "/webhooks/" in r.path or r.path.endswith(
        "/callback")][-1]
    payload = cb.json.get("data", cb.json) if isinstance(cb.json, dict) else {}
    assert payload.get("allowed_mentions", {"parse": []}) == {"parse": []}


async def test_outage_after_a_restart_answers_from_the_store(world, simcord_bot,
                                                             monkeypatch):
    """Nothing kept in memory (a restart), every API down: the reply gives the last stored
    figures with their time and source, not only the failure."""
    from core.errors import SourceUnavailable

    env, _guild, channel, alice = world
    env.settle_timeout = 30  # real database I/O on a loaded machine
    await alice.slash(channel, "concentration", protocol="uniswap")
    service = simcord_bot.collaborators.analyses
    service._fresh.clear()
    service._last_good.clear()  # what a restart forgets

    async def upstream_down(*_a, **_kw):
        raise SourceUnavailable("Could not reach eth.blockscout.com — no data fetched.",
                                "eth.blockscout.com", ("Blockscout",))

    monkeypatch.setattr("pipeline.service.analyze_protocol", upstream_down)
    result = await alice.slash(channel, "concentration", protocol="uniswap")
    text = result.response.content
    assert "Could not reach Blockscout" in text and "blockscout.com" not in text
    assert "Last stored figures (holders from Blockscout" in text
    assert "view top 10 " in text and "Nakamoto " in text
    assert any("Last stored figures" in str(e) for e in env.errors)  # the expected error


def _smaller_top10(data, by: float, days: int):
    """``data`` as if taken ``days`` earlier with a basis-view top 10 ``by`` smaller (the
    headline and the per-view figures, which trends compare view by view)."""
    view = data.basis_view
    metrics = {**data.metrics, view: {**data.metrics[view],
                                      "top10_share": data.metrics[view]["top10_share"] - by}}
    return dataclasses.replace(data, top10_share=data.top10_share - by, metrics=metrics,
                               as_of=data.as_of - dt.timedelta(days=days))


def test_trends_compare_one_view_never_two():
    """A snapshot whose basis view moved (owners → beneficial, when a look-through came
    back) is compared on the new basis view only — never owners against beneficial."""
    from pipeline.snapshots import same_view_change
    from store.records import SnapshotIn

    now = utcnow()
    old = SnapshotIn("x", "X", "X", now, "cli", basis_view="owners", top10_share=0.20,
                     nakamoto=30, metrics={"owners": {"top10_share": 0.20, "nakamoto": 30}})
    new = SnapshotIn("x", "X", "X", now, "cli", basis_view="beneficial", top10_share=0.50,
                     nakamoto=5, metrics={"owners": {"top10_share": 0.21, "nakamoto": 29},
                                          "beneficial": {"top10_share": 0.50, "nakamoto": 5}})
    assert same_view_change(old, new) == (None, None)  # the old one has no beneficial view
    back = dataclasses.replace(new, basis_view="owners", top10_share=0.21, nakamoto=29)
    assert same_view_change(old, back) == (1.0, -1)  # owners against owners


def test_newcomer_alert_names_its_denominator():
    """A new top-10 holder is a share of supply only when the supply is known; else of
    the listed holders' balance — the alert says which, and which list it read."""
    from pipeline.watch_job import alert_texts
    from store.records import MemberRow, SnapshotIn, SnapshotOut, WatchRow

    now = utcnow()
    old_members = tuple(MemberRow(r, f"0x{r:040x}", 100.0, 0.05, "", "unlabeled", "")
                        for r in range(1, 11))
    newcomer = MemberRow(1, "0x" + "ab" * 20, 500.0, 0.2, "", "unlabeled", "")
    old = SnapshotIn("x", "X", "X", now - dt.timedelta(days=1), "cli", members=old_members)
    watch = WatchRow(1, 1, 1, "x", {}, 1, now)
    for supply, words in ((1e9, "20.00% of supply"),
                          (None, "20.00% of the listed holders' balance")):
        new = SnapshotIn("x", "X", "X", now, "cli", supply=supply,
                         members=(newcomer, *old_members[:9]))
        alerts = alert_texts(watch, SnapshotOut(1, old.as_of, old), SnapshotOut(2, now, new))
        (text,) = [t for kind, t in alerts if kind == "new-holder"]
        assert words in text and "top 10 holders (every address)" in text
        assert newcomer.address in text


def test_trend_chart_names_metric_views_and_source():
    """The chart's title is the metric in words, each line is "<view> view", the key sits
    above the plot (never over a line), one snapshot gets a readable range, and the footer
    names the holder source."""
    from matplotlib.dates import num2date

    from charts.canvas import LOCK
    from charts.trend import build_trend_figure

    days = [dt.datetime(2026, 9, 1, tzinfo=dt.UTC) + dt.timedelta(days=7 * i)
            for i in range(5)]
    lines = {"raw": [0.5, 0.51, 0.52, 0.53, 0.54], "owners": [None, 0.2, 0.2, 0.21, 0.22]}
    with LOCK:
        fig = build_trend_figure("Uniswap", "top10_share", days, lines,
                                 "holders from Blockscout")
        fig.canvas.draw()
        texts = [t.get_text() for t in fig.texts]
        ax = fig.axes[0]
        legend = ax.get_legend()
        assert [t.get_text() for t in legend.get_texts()] == ["raw view", "owners view"]
        renderer = fig.canvas.get_renderer()
        assert legend.get_window_extent(renderer).y0 >= ax.get_window_extent(renderer).y1
        assert ax.lines[1].get_ydata().tolist() == pytest.approx([20, 20, 21, 22])
        one = build_trend_figure("Uniswap", "nakamoto", days[:1], {"owners": [43.0]}, "")
        lo, hi = (num2date(x) for x in one.axes[0].get_xlim())
    assert texts[0].startswith("Uniswap — top-10 share")
    assert "top10_share" not in " ".join(texts)
    assert texts[-1].endswith("holders from Blockscout") and "5 snapshot(s)" in texts[-1]
    assert hi - lo == dt.timedelta(days=2)
