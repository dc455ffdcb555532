"""Writing a staffing plan back into the planner's scenario file.

The planned pools' ``size``, ``schedule`` or ``shifts`` are replaced by the plan's
``size`` (one count a day) or ``schedule``, followed by the shrinkage carried from a
pool's shifts (:mod:`sim.experiment.staffing_shrinkage`); a comment beside the new head
count names the targets and what was carried and how. Comments and layout of the rest of
the file survive (ruamel round trip).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.experiment.staffing_shrinkage import Carried
from sim.scenario.schema import Scenario

if TYPE_CHECKING:
    from sim.experiment.staffing import StaffingPlan

__all__ = ["write_scenario"]


def write_scenario(plan: StaffingPlan, source: str | Path, dest: str | Path,
                   erlang: bool = False) -> Scenario:
    """Write ``source`` (YAML) to ``dest`` with each planned pool's staffing replaced.

    Comments and layout survive (ruamel round trip); flat plans write ``size``,
    others a ``schedule``, followed by the shrinkage carried from a pool's shifts
    (:attr:`StaffingPlan.carried`), and a comment beside it naming the targets and what
    was carried and how. The text is validated before it is written atomically.
    """
    from io import StringIO

    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.util import load_yaml_guess_indent

    from sim import io
    from sim.scenario.loader import load_text

    text = Path(source).read_text(encoding="utf-8")
    _, indent, seq_indent = load_yaml_guess_indent(text)
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096
    offset = seq_indent or 0  # ruamel guesses the sequence indent and the dash offset
    yaml.indent(mapping=max(2, (indent or 2) - offset), sequence=indent or 2, offset=offset)
    data = yaml.load(text)
    for p in plan.pools:
        node = data["pools"][p]
        keys = list(node.keys())
        old = [k for k in ("size", "schedule", "shifts") if k in node]
        pos = keys.index(old[0]) if old else 0
        for k in old:
            del node[k]
        if isinstance(node, CommentedMap):
            node.fa.set_block_style()
        counts = (plan.erlang_agents if erlang else plan.agents)[p]
        if plan.flat:
            node.insert(pos, "size", int(counts[0]))
        else:
            sched = plan.to_schedule(p, erlang)
            seq = CommentedSeq(sched["headcount"])
            seq.fa.set_flow_style()
            node.insert(pos, "schedule", CommentedMap(interval=sched["interval"], headcount=seq))
        key = "size" if plan.flat else "schedule"
        carried = plan.carried.get(p, Carried())
        for i, (k, v) in enumerate(carried.changes.items()):
            node.insert(pos + 1 + i, k, _flow(v))
        note = f"; rostered agents; shrinkage {carried.text}" if carried.text else ""
        node.yaml_add_eol_comment(f"servicesim staff: {', '.join(map(str, plan.goals))}{note}",
                                  key)
    buf = StringIO()
    yaml.dump(data, buf)
    scenario = load_text(buf.getvalue(), file=str(dest))
    io.write_text_atomic(dest, buf.getvalue())
    return scenario


def _flow(value: Any) -> Any:
    """``value`` for ruamel, lists and mappings inside in flow style (breaks on one line),
    times of day quoted."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    if isinstance(value, dict):
        out: Any = CommentedMap((k, _flow(v)) for k, v in value.items())
    elif isinstance(value, list):
        out = CommentedSeq(_flow(v) for v in value)
    elif isinstance(value, str) and ":" in value:
        return DoubleQuotedScalarString(value)
    else:
        return value
    out.fa.set_flow_style()
    return out
