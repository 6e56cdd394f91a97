"""Sentences of the delivery page (04): RAG, interventions, flow forecasts."""

from __future__ import annotations

import pandas as pd

from ._common import money

__all__ = ["rag_sentences", "intervention_sentences", "flow_forecast_sentences"]


def rag_sentences(summary: pd.DataFrame) -> list[str]:
    """One line per project in delivery: its RAG and the rules that fired (``rag``, ``reasons``, ``name``)."""
    return [f"{pid} ({row.get('name', pid)}): {row['rag'].upper()} - {row['reasons'] or 'no rule fired'}"
            for pid, row in summary.iterrows()]


def intervention_sentences(summary: pd.DataFrame, intervene: list[str], watch: list[str],
                           on_track: list[str]) -> list[str]:
    """The delivery decision: why to intervene on each red project, what to watch, what is on track.

    ``summary`` is ``DeliveryReview.summary_`` indexed by project: ``cpi``, ``spi_t``, ``eac``, ``bac``,
    ``eac_p10``/``eac_p90`` [currency], ``p_within_budget`` [probability], ``finish_date_p50``/``p90``, ``reasons``.
    """
    out = []
    for pid in intervene:
        r = summary.loc[pid]
        out.append(f"INTERVENE on {pid}: CPI {r['cpi']:.2f}, SPI(t) {r['spi_t']:.2f}; EAC {money(r['eac'])} against "
                   f"BAC {money(r['bac'])} (P10-P90 {money(r['eac_p10'])}-{money(r['eac_p90'])}), "
                   f"{r['p_within_budget']:.0%} chance to finish within budget; P50 finish "
                   f"{r['finish_date_p50']:%Y-%m-%d} (P90 {r['finish_date_p90']:%Y-%m-%d}). Why: {r['reasons']}.")
    out += [f"WATCH {pid}: {summary.loc[pid, 'reasons']}." for pid in watch]
    out.append(f"On track: {', '.join(on_track) if on_track else 'none'}.")
    return out


def flow_forecast_sentences(focus: str, forecast: dict, summary: pd.DataFrame) -> list[str]:
    """The throughput forecast of the focus project's backlog, beside its earned-schedule finish.

    ``forecast`` is ``DeliveryReview.forecast_``: ``forecaster`` (its ``history_`` [items/period], ``freq`` and
    ``stability_['verdict']``), ``when`` (per ``percentile`` [%] a ``date``), ``scope`` (low, high) [items],
    ``how_many`` (per ``percentile`` the ``items_done`` [items] by the committed finish, or None) and
    ``committed_finish``.
    """
    tf, when, scope = forecast["forecaster"], forecast["when"], forecast["scope"]
    per = {"D": "day", "W": "week"}.get(getattr(tf, "freq", "W"), "period")
    h = getattr(tf, "history_", None)
    history = (f"throughput history of {len(h)} {per}s, {float(h.mean()):.1f} items a {per} on average, "
               if h is not None and len(h) else "throughput history ")
    out = [f"{focus}: {scope[0]} to {scope[1]} items left; {history}{tf.stability_['verdict']}."]
    if forecast["how_many"] is not None:
        p85 = when.set_index("percentile").loc[85]
        many = forecast["how_many"]
        line = (f"By the committed finish {pd.Timestamp(forecast['committed_finish']):%Y-%m-%d}, {focus} will finish "
                f"at least {int(many.set_index('percentile').loc[85, 'items_done'])} items with 85 % confidence "
                f"(backlog {scope[0]}-{scope[1]} items); flow P85 date {p85['date']:%Y-%m-%d}")
        if focus in summary.index:
            line += (f" against the earned-schedule P50 finish "
                     f"{pd.Timestamp(summary.loc[focus, 'finish_date_p50']):%Y-%m-%d}")
        out.append(line + ".")
    return out
