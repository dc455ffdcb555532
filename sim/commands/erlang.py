"""``servicesim erlang --rate RATE --aht AHT``: quick staffing answers from the Erlang formulas.

A planner's back-of-the-envelope before (or instead of) a simulation: for an
arrival rate and a handle time, how busy are the agents, how many callers wait,
how long, how many hang up, and how many agents meet a target. Nothing is
simulated; the numbers come from :mod:`sim.analytic` (Erlang C, or Erlang A when a
patience is given).
"""

from __future__ import annotations

import math
from typing import Annotated

import typer

from sim.commands.display import assemble, error, styled
from sim.commands.display import console as make_console

HELP = """Staffing from the Erlang formulas, without simulating.

Give the arrival rate and the average handle time, e.g.

  servicesim erlang --rate 45/min --aht 3min --agents 150

With --acw (after-call work, e.g. 30s) the agents are busy for talk + ACW
per contact, and the offered load counts both.

Without --agents a range of head counts around the number needed for the
targets is shown (default target: 80% of contacts answered within 20s).
With --patience (the average time a caller waits before hanging up) the
Erlang A model is used and abandonments are counted; without it, Erlang C
(nobody hangs up). Assumes steady demand and exponential handle times.
"""


#: Largest offered load (Erlangs) and head count computed: the formulas' work and
#: memory grow with them, and the largest contact centres staff tens of thousands.
MAX_LOAD = 100_000
MAX_AGENTS = 1_000_000


def _fmt_seconds(seconds: float) -> str:
    if math.isnan(seconds):
        return "-"
    if math.isinf(seconds):
        return "unbounded"
    if seconds < 120:
        return f"{seconds:.1f}s"
    if seconds < 7200:
        return f"{seconds / 60:.1f}min"
    return f"{seconds / 3600:.1f}h"


def _pct(share: float) -> str:
    return "-" if math.isnan(share) else f"{100 * share:.1f}%"


def _fail(message: str) -> typer.Exit:
    error(message)
    return typer.Exit(2)


def erlang(
    rate: Annotated[
        str, typer.Option("--rate", "-r", help="Arrival rate, e.g. '45/min', '1200/h'.")
    ],
    aht: Annotated[
        str, typer.Option("--aht", "-a", help="Average handle time, e.g. '180s', '3min'.")
    ],
    agents: Annotated[
        int | None,
        typer.Option("--agents", "-n", help="Agents on the queue; omit to see a range."),
    ] = None,
    patience: Annotated[
        str | None,
        typer.Option(
            help="Average time a caller waits before hanging up, e.g. '2min' "
            "(uses Erlang A). Omit if nobody hangs up (Erlang C)."
        ),
    ] = None,
    target: Annotated[
        list[str] | None,
        typer.Option(
            "--target",
            "-t",
            help="Target to staff for, repeatable: 'service_level>=0.8 @20s', "
            "'abandon_rate<=0.05', 'asa_s<=30', 'p_wait<=0.3', 'occupancy<=0.85'.",
        ),
    ] = None,
    within: Annotated[
        str | None,
        typer.Option(
            help="Answer time for the service-level column "
            "(default: the service_level target's time, else 20s)."
        ),
    ] = None,
    acw: Annotated[
        str | None,
        typer.Option(
            "--acw",
            help="Average after-call work (wrap-up) per contact, e.g. '30s': the agent "
            "stays busy for it, so the offered load is rate x (AHT + ACW).",
        ),
    ] = None,
) -> None:
    """Offered load, waiting, service level and abandonment for a head count."""
    from rich.table import Table

    from sim.analytic.erlang_a import erlang_a_metrics
    from sim.analytic.staffing import kpi_value, parse_target, required_agents_for_all
    from sim.scenario.units import parse_duration, parse_rate

    try:
        rate_per_s = parse_rate(rate)
        aht_s = parse_duration(aht)
        if aht_s <= 0:
            raise ValueError(f"the handle time must be longer than zero, got {aht!r}")
        talk_s = aht_s
        aht_s += 0.0 if acw is None else parse_duration(acw)  # busy time: talk + ACW
        if rate_per_s <= 0:
            raise ValueError(f"the arrival rate must be above zero, got {rate!r}")
        patience_s = None if patience is None else parse_duration(patience)
        targets = [parse_target(t) for t in (target or [])]
        if within is not None:
            within_s = parse_duration(within)
        else:
            sl_times = [t.within_s for t in targets if t.within_s is not None]
            within_s = sl_times[0] if sl_times else 20.0
        if agents is not None and not 1 <= agents <= MAX_AGENTS:
            raise ValueError(f"--agents must be between 1 and {MAX_AGENTS:,}, got {agents}")
        if rate_per_s * aht_s > MAX_LOAD:
            raise ValueError(
                f"an offered load of {rate_per_s * aht_s:,.0f} Erlangs ({rate} x {aht}) is "
                f"beyond any contact centre (at most {MAX_LOAD:,}); check the units")
        staffed_for = targets or [parse_target(f"service_level>=0.8 @{within_s:g}s")]
        needed = required_agents_for_all(rate_per_s, aht_s, staffed_for, patience_s)
    except ValueError as exc:
        raise _fail(str(exc)) from None

    load = rate_per_s * aht_s
    model = "Erlang C (nobody hangs up)" if patience_s is None else (
        f"Erlang A (average patience {_fmt_seconds(patience_s)})"
    )
    console = make_console()
    split = "" if aht_s == talk_s else (
        f" (talk {_fmt_seconds(talk_s)} + after-call work {_fmt_seconds(aht_s - talk_s)})")
    console.print(assemble("offered load: ", (f"{load:.2f}", "bold"),
                           f" Erlangs{split}  ·  model: {model}"))

    if agents is not None:
        rows = [agents]
    else:
        rows = list(range(max(1, needed - 3), needed + 4))

    table = Table(show_header=True, header_style="bold")
    table.add_column("agents", justify="right")
    table.add_column("occupancy", justify="right")
    table.add_column("P(wait)", justify="right")
    table.add_column("ASA", justify="right")
    table.add_column(f"service level @{within_s:g}s", justify="right")
    if patience_s is not None:
        table.add_column("P(abandon)", justify="right")
    if targets:
        table.add_column("meets targets", justify="center")
    for n in rows:
        metrics = erlang_a_metrics(rate_per_s, aht_s, n, patience_s, within_s)
        unstable = patience_s is None and n <= load
        cells = [
            styled(str(n), "bold" if n == needed else ""),
            _pct(metrics.occupancy),
            _pct(metrics.p_wait),
            "unbounded (queue grows)" if unstable else _fmt_seconds(metrics.asa_s),
            _pct(metrics.service_level),
        ]
        if patience_s is not None:
            cells.append(_pct(metrics.p_abandon))
        if targets:
            ok = all(t.met(kpi_value(t, metrics)) for t in targets)
            cells.append("yes" if ok else "no")
        table.add_row(*cells)
    console.print(table)
    wanted = ", ".join(str(t) for t in staffed_for)
    console.print(assemble(f"required agents for {wanted}: ", (str(needed), "bold")))


def register(app: typer.Typer) -> None:
    """Add the ``erlang`` command to the app."""
    app.command("erlang", help=HELP)(erlang)
