"""Plots for the reports: PNG bytes from plain data (matplotlib, Agg, no pyplot global state).

Inputs are a result's ``series`` (the student's curves, untrusted plain data) and, when the
report may show expected values, the key's envelopes and bands. Every function returns PNG
bytes or ``None`` when there is nothing to draw; none of them raises for odd student data
(strings, NaN, missing epochs are dropped or drawn as gaps).

Reveal rule: the key's curves and bands are drawn only when ``show_key`` is true, i.e. when
the report may show expected values. Otherwise only the student's own numbers are drawn.

The band drawn is the band that grades: a curve's envelope is padded by the same rule as the
checks' bands (``autograder.keyassemble.curve``), the band its last epoch is checked against is
drawn there, and honest degenerate outcomes the checks accept are marked.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from autograder.assignment import PlotSpec
from autograder.i18n import translate
from autograder.keymodel import AnswerKey
from autograder.results import ExerciseResult

MAX_POINTS = 5000  # longest curve drawn; a student's history could be huge
_DPI = 96
_SIZE = (6.4, 4.0)
_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd")


@dataclass(frozen=True)
class Plot:
    name: str  # file stem, as the assignment's [[plots]] names it
    title: str  # translated caption
    png: bytes


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _number(value: Any) -> float:
    """A finite float, or NaN for anything else (strings such as "NaN", None, bools, lists)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return math.nan
    x = float(value)
    return x if math.isfinite(x) else math.nan


def curve(values: Any) -> list[float]:
    """A per-epoch curve from untrusted data: a list of numbers, capped at MAX_POINTS."""
    if not isinstance(values, list):
        return []
    return [_number(v) for v in values[:MAX_POINTS]]


def _has_data(ys: Sequence[float]) -> bool:
    return any(not math.isnan(y) for y in ys)


def _png(fig: Figure) -> bytes:
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=_DPI, metadata={"Software": None})
    return buf.getvalue()


def _legend(fig: Figure) -> None:
    """Below the axes, so it never hides a curve."""
    fig.legend(loc="outside lower center", ncols=2, fontsize=7, frameon=False)


def _figure() -> tuple[Figure, Any]:
    fig = Figure(figsize=_SIZE, layout="constrained")
    return fig, fig.add_subplot()


@dataclass(frozen=True)
class Envelope:
    lower: list[float]
    upper: list[float]
    reference: list[float]  # the deterministic run
    final: tuple[tuple[float, float], ...] = ()  # the band the last epoch is checked against
    degenerate: tuple[float, ...] = ()  # honest degenerate outcomes that band's check accepts


def _intervals(q: Any) -> tuple[tuple[float, float], ...]:
    if q is None or q.tolerance.get("kind") != "band":
        return ()
    pairs = [(_number(lo), _number(hi)) for lo, hi in q.tolerance.get("intervals", [])]
    return tuple(iv for iv in pairs if not any(map(math.isnan, iv)))


def _degenerate(q: Any) -> tuple[float, ...]:
    values = [_number(d.get("value")) for d in (q.degenerate.values() if q is not None else ())
              if isinstance(d, Mapping)]
    return tuple(v for v in values if not math.isnan(v))


def envelope(key: AnswerKey | None, qid: str) -> Envelope | None:
    q = key.quantities.get(qid) if key else None
    if q is None or q.tolerance.get("kind") != "envelope":
        return None
    lower, upper = curve(q.tolerance.get("lower")), curve(q.tolerance.get("upper"))
    if not lower or len(lower) != len(upper):
        return None
    final = key.quantities.get(str(q.tolerance.get("final", ""))) if key else None
    return Envelope(lower, upper, curve(q.value), _intervals(final), _degenerate(final))


def _draw_envelope(ax: Any, env: Envelope, colour: str, label: str, ref_label: str,
                   check_label: str = "", degenerate_label: str = "") -> None:
    xs = list(range(1, len(env.lower) + 1))
    ax.fill_between(xs, env.lower, env.upper, color=colour, alpha=0.15, linewidth=0, label=label)
    if _has_data(env.reference):
        ax.plot(range(1, len(env.reference) + 1), env.reference, color=colour, linestyle=":",
                linewidth=1.2, label=ref_label)
    last = len(env.lower)
    for i, (lo, hi) in enumerate(env.final):
        ax.vlines(last, lo, hi, color=colour, linewidth=5, alpha=0.5,
                  label=check_label if i == 0 and check_label else None)
    for i, v in enumerate(env.degenerate):
        ax.plot([last], [v], marker="x", markersize=8, color=colour, linestyle="none",
                label=degenerate_label if i == 0 and degenerate_label else None)


def curves_plot(title: str, lines: Sequence[tuple[str, list[float], Envelope | None]], lang: str,
                *, ylabel: str) -> bytes | None:
    """Student curves (short name, values, key envelope or None) on one axis; None if no data."""
    if not any(_has_data(ys) for _, ys, _ in lines):
        return None
    fig, ax = _figure()
    all_values: list[float] = []
    for i, (name, ys, env) in enumerate(lines):
        colour = _COLOURS[i % len(_COLOURS)]
        if env is not None:
            _draw_envelope(ax, env, colour, f"{translate('plot_band', lang)} ({name})",
                           f"{translate('plot_reference', lang)} ({name})",
                           f"{translate('plot_check_band', lang)} ({name})",
                           f"{translate('plot_degenerate', lang)} ({name})")
            all_values += env.lower + env.upper + [v for iv in env.final for v in iv]
            all_values += list(env.degenerate)
        if _has_data(ys):
            ax.plot(range(1, len(ys) + 1), ys, color=colour, marker="o", markersize=3,
                    linewidth=1.6, label=f"{translate('plot_yours', lang)} ({name})")
            all_values += ys
    finite = [v for v in all_values if not math.isnan(v)]
    if finite and min(finite) > 0 and max(finite) / min(finite) > 30:
        ax.set_yscale("log")  # a loss that falls by orders of magnitude in a few epochs
    ax.set_title(title, fontsize=10)
    ax.set_xlabel(translate("plot_epoch", lang))
    ax.set_ylabel(ylabel)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.grid(alpha=0.3)
    _legend(fig)
    return _png(fig)


def _by_key(series: Any) -> dict[int, float]:
    """A mapping with positive integer keys (e.g. a metric by batch size) from untrusted data."""
    if not isinstance(series, Mapping):
        return {}
    out = {}
    for k, v in list(series.items())[:64]:
        try:
            b = int(str(k))
        except ValueError:
            continue
        if b > 0:
            out[b] = _number(v)
    return dict(sorted(out.items()))


def by_key_plot(title: str, mse: Mapping[int, float],
                bands: Mapping[int, tuple[float, list[tuple[float, float]]]], lang: str, *,
                xlabel: str, ylabel: str,
                degenerate: Mapping[int, Sequence[float]] | None = None) -> bytes | None:
    """A value per integer key (e.g. test MSE by batch size) on a log2 x axis, against the key's
    bands; ``bands``: key -> (reference, intervals); ``degenerate``: key -> the honest
    degenerate outcomes its check also accepts (marked)."""
    if not any(not math.isnan(v) for v in mse.values()):
        return None
    fig, ax = _figure()
    marked = False
    for b, values in sorted((degenerate or {}).items()):
        for v in values:
            ax.plot([b], [v], marker="x", markersize=8, color="#555555", linestyle="none",
                    label=translate("plot_degenerate", lang) if not marked else None)
            marked = True
    for i, (b, (ref, intervals)) in enumerate(sorted(bands.items())):
        for j, (lo, hi) in enumerate(intervals):
            ax.vlines(b, lo, hi, color="#888888", linewidth=6, alpha=0.35,
                      label=translate("plot_band", lang) if i == j == 0 else None)
        if not math.isnan(ref):
            ax.plot([b], [ref], marker="_", markersize=14, color="#444444",
                    label=translate("plot_reference", lang) if i == 0 else None)
    xs = list(mse)
    ax.plot(xs, [mse[b] for b in xs], color=_COLOURS[0], marker="o", linewidth=1.6,
            label=translate("plot_yours", lang))
    drawn = [v for v in [*mse.values(), *(x for vs in (degenerate or {}).values() for x in vs),
                         *(b for _r, ivs in bands.values() for iv in ivs for b in iv)]
             if not math.isnan(v) and v > 0]
    if drawn and max(drawn) / min(drawn) > 30:
        ax.set_yscale("log")  # a dead output (≈ 600) beside healthy runs (≈ 20)
    ax.set_xscale("log", base=2)
    ticks = sorted(set(xs) | set(bands))
    ax.set_xticks(ticks, [str(t) for t in ticks])
    ax.set_title(title, fontsize=10)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    _legend(fig)
    return _png(fig)


Bands = dict[int, tuple[float, list[tuple[float, float]]]]  # key -> (reference, intervals)


def _bands(key: AnswerKey | None, prefix: str, keys: Sequence[int]) -> Bands:
    out = {}
    for b in keys:
        q = key.quantities.get(f"{prefix}{b}") if key else None
        if q is None or q.tolerance.get("kind") != "band":
            continue
        intervals = [(_number(lo), _number(hi)) for lo, hi in q.tolerance.get("intervals", [])]
        out[b] = (_number(q.value), [iv for iv in intervals if not any(map(math.isnan, iv))])
    return out


def _line(series: Mapping[str, Any], path: str) -> list[float]:
    name, _, metric = path.partition(".")
    h = series.get(name)
    return curve(h.get(metric)) if isinstance(h, Mapping) else []


def exercise_plots(exercise: ExerciseResult, key: AnswerKey | None, *, show_key: bool, lang: str,
                   specs: Sequence[PlotSpec] = (),
                   messages: Mapping[str, Mapping[str, str]] | None = None) -> list[Plot]:
    """The plots the assignment declares for this exercise; empty when there is no data."""
    key = key if show_key else None
    series = exercise.series or {}
    plots: list[Plot] = []

    def t(mid: str, **kw: Any) -> str:
        return translate(mid, lang, extra=messages, **kw)

    for spec in specs:
        title = t(spec.title, **dict(spec.title_params))
        png: bytes | None = None
        if spec.kind == "curves":
            lines = [(t(ln.label), _line(series, ln.series),
                      envelope(key, ln.envelope) if ln.envelope else None)
                     for ln in spec.lines if isinstance(series.get(ln.series.partition(".")[0]), Mapping)]
            png = curves_plot(title, lines, lang, ylabel=t(spec.ylabel)) if lines else None
        elif spec.kind == "by_key":
            values = _by_key(series.get(spec.series))
            dead = ({b: _degenerate(key.quantities.get(f"{spec.band_prefix}{b}")) for b in values}
                    if key else {})
            png = (by_key_plot(title, values, _bands(key, spec.band_prefix, list(values)), lang,
                               xlabel=t(spec.xlabel), ylabel=t(spec.ylabel),
                               degenerate={b: v for b, v in dead.items() if v}) if values else None)
        if png:
            plots.append(Plot(spec.name, title, png))
    return plots


def histogram(scores: Sequence[float], max_score: float, lang: str) -> bytes | None:
    """Distribution of total scores, 10 bins from 0 to ``max_score``."""
    values = [s for s in (_number(x) for x in scores) if not math.isnan(s)]
    if not values:
        return None
    top = max_score if max_score > 0 else max(values) or 1.0
    fig, ax = _figure()
    ax.hist(values, bins=10, range=(0.0, top), color=_COLOURS[0], edgecolor="white")
    ax.set_title(translate("summary_distribution", lang), fontsize=10)
    ax.set_xlabel(translate("plot_score", lang))
    ax.set_ylabel(translate("plot_students", lang))
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.grid(alpha=0.3, axis="y")
    return _png(fig)
