"""Engine cost against the shape of the operation, in one process.

Target 2 of issue 20: the engine's cost per contact must not depend on how big a
chat pool is, nor on how many pools share a skill (at most 1.5x from 1x to 100x),
and a shift change must cost in proportion to the agents that change.

* **pools sharing a skill**: one phone line (rho 0.9, impatient callers) served by
  the same 200 agents split into 2 ... 200 pools that all have the skill;
* **chat pool size**: one chat line (``max_concurrency`` 3) and one chat-only pool
  of 50 ... 5,000 agents, demand scaled with the pool;
* **shift changes**: a pool of N agents brought on duty, then off duty, at once
  (:meth:`sim.model.staffing.Staffing.set_headcount`); and agents leaving one step at
  a time (:data:`ONE_BY_ONE` steps of one agent each) from a pool of N idle agents, and
  from a pool of N busy agents (each is asked to leave and finishes its contact first);
  time per agent that changes. The verdict is on the single-agent steps: their cost
  must not grow with N (a step costs in proportion to the agents that change). Joining
  or leaving all at once costs per agent about the same at every size, somewhat more
  at 50,000 (the agents no longer fit in the processor's caches).

Each configuration plays about the same number of contacts; the figures are the
best of ``repeats`` interleaved runs (wall clock) and the verdicts are ratios of
the largest to the smallest configuration, taken in the same run.

Run ``python -m benchmarks.routing`` (``--quick``: a tenth of the contacts).
"""

from __future__ import annotations

import argparse
import time

from sim.model.world import World
from sim.scenario.schema import Scenario

#: Largest/smallest per-contact cost accepted as "independent of the size".
FLAT_TOLERANCE = 1.5
#: Single-agent steps timed together for "one agent leaves" (one alone is too short to time).
ONE_BY_ONE = 50


def shared_scenario(pools: int, contacts: int, agents: int = 200) -> Scenario:
    """``agents`` agents in ``pools`` equal pools, all serving one phone line."""
    aht = 240.0
    rate = 0.9 * agents / aht  # per second
    horizon = contacts / rate
    return Scenario.model_validate({
        "name": f"{pools} pools sharing one skill", "horizon": f"{horizon:.0f}s",
        "warmup": "0s", "replications": 1, "seed": 3,
        "channels": {"phone": {"kind": "voice",
                               "patience": {"dist": "exponential", "mean": "3min"}}},
        "demand": [{"channel": "phone", "rate": f"{rate * 3600:g}/h"}],
        "intents": {"general": {"handle_time": {"dist": "exponential", "mean": f"{aht:g}s"}}},
        "pools": {f"p{i:03d}": {"size": agents // pools, "channels": ["phone"]}
                  for i in range(pools)},
    })


def chat_scenario(agents: int, contacts: int) -> Scenario:
    """One chat line served by one chat-only pool of ``agents`` agents."""
    aht = 480.0
    rate = 0.85 * 3 * agents / (aht * 1.3)  # three slots, inflated handle times
    horizon = contacts / rate
    return Scenario.model_validate({
        "name": f"chat pool of {agents}", "horizon": f"{horizon:.0f}s",
        "warmup": "0s", "replications": 1, "seed": 3,
        "channels": {"chat": {"kind": "chat", "max_concurrency": 3,
                              "concurrency_inflation": 0.25,
                              "patience": {"dist": "exponential", "mean": "5min"}}},
        "demand": [{"channel": "chat", "rate": f"{rate * 3600:g}/h"}],
        "intents": {"general": {"handle_time": {"dist": "exponential", "mean": f"{aht:g}s"}}},
        "pools": {"chat": {"size": agents, "channels": ["chat"]}},
    })


def _us_per_contact(scenario: Scenario) -> float:
    t0 = time.perf_counter()
    rec = World(scenario, 0).run().records()
    return (time.perf_counter() - t0) * 1e6 / rec.n_contacts


def _best_of(configs: dict, repeats: int) -> dict:
    runs: dict = {k: [] for k in configs}
    for _ in range(repeats):  # interleaved, so every size sees the same machine state
        for k, sc in configs.items():
            runs[k].append(_us_per_contact(sc))
    return {k: min(v) for k, v in runs.items()}


def shift_change(agents: int, repeats: int = 3) -> dict:
    """µs per agent of bringing ``agents`` on duty, then off, at once; and µs per step of
    :data:`ONE_BY_ONE` single-agent steps down from a pool of ``agents`` (all idle: each
    leaves at once; all busy: each is asked to leave and finish its contact)."""
    sc = shared_scenario(1, 1000, agents=agents)
    best: dict = {"join": [], "leave": [], "one_idle": [], "one_busy": []}
    for _ in range(repeats):
        world = World(sc, 0)
        st = world.staffing
        t0 = time.perf_counter()
        st.set_headcount(0, agents)
        best["join"].append((time.perf_counter() - t0) * 1e6 / agents)
        t0 = time.perf_counter()
        for k in range(1, ONE_BY_ONE + 1):
            st.set_headcount(0, agents - k)
        best["one_idle"].append((time.perf_counter() - t0) * 1e6 / ONE_BY_ONE)
        t0 = time.perf_counter()
        st.set_headcount(0, 0)
        best["leave"].append((time.perf_counter() - t0) * 1e6 / (agents - ONE_BY_ONE))
        st.set_headcount(0, agents)
        for agent in world.pools[0].agents:  # all busy (as if each held a contact)
            world.router.take(agent)
            agent.load = 1
        t0 = time.perf_counter()
        for k in range(1, ONE_BY_ONE + 1):
            st.set_headcount(0, agents - k)
        best["one_busy"].append((time.perf_counter() - t0) * 1e6 / ONE_BY_ONE)
    return {k: min(v) for k, v in best.items()}


def measure(contacts: int = 200_000, repeats: int = 2, agents_shift: tuple = (2_000, 50_000)
            ) -> dict:
    """Every figure, printed with the verdicts."""
    out: dict = {}
    pools = (2, 20, 200)
    shared = _best_of({n: shared_scenario(n, contacts) for n in pools}, repeats)
    out["shared_us"] = shared
    out["shared_ratio"] = max(shared.values()) / min(shared.values())
    sizes = (50, 500, 5_000)
    chat = _best_of({n: chat_scenario(n, contacts) for n in sizes}, repeats)
    out["chat_us"] = chat
    out["chat_ratio"] = max(chat.values()) / min(chat.values())
    shifts = {n: shift_change(n, repeats=5) for n in agents_shift}
    out["shift"] = shifts
    lo, hi = agents_shift[0], agents_shift[-1]
    out["shift_ratio"] = max(shifts[hi][k] / shifts[lo][k] for k in ("one_idle", "one_busy"))
    out["shift_all_ratio"] = max(shifts[hi][k] / shifts[lo][k] for k in ("join", "leave"))
    print(f"engine cost per contact, best of {repeats} interleaved runs (~{contacts:,} contacts"
          " each):")
    print("  pools sharing the skill (200 agents): "
          + ", ".join(f"{n}: {v:.1f} µs" for n, v in shared.items())
          + f"  -> {out['shared_ratio']:.2f}x")
    print("  chat-only pool size:                  "
          + ", ".join(f"{n:,}: {v:.1f} µs" for n, v in chat.items())
          + f"  -> {out['chat_ratio']:.2f}x")
    print("  shift changes (µs per agent joining / leaving at once; µs per step of one agent "
          "leaving, idle / busy pool):")
    for n, r in shifts.items():
        print(f"    {n:>7,} agents: join {r['join']:.2f}, leave {r['leave']:.2f}; one leaves: "
              f"{r['one_idle']:.1f} / {r['one_busy']:.1f} µs")
    print(f"  cost of a one-agent step, {lo:,} -> {hi:,} agents: {out['shift_ratio']:.2f}x "
          f"(idle or busy pool, the larger); per agent joining or leaving all at once: "
          f"{out['shift_all_ratio']:.2f}x")
    print(f"  verdicts (target <= {FLAT_TOLERANCE}x): pools sharing a skill "
          f"{_verdict(out['shared_ratio'])}, chat pool size {_verdict(out['chat_ratio'])}, "
          f"one-agent shift steps {_verdict(out['shift_ratio'])}")
    return out


def _verdict(ratio: float) -> str:
    return "met" if ratio <= FLAT_TOLERANCE else "not met"


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m benchmarks.routing")
    p.add_argument("--quick", action="store_true")
    p.add_argument("--repeats", type=int, default=2)
    args = p.parse_args(argv)
    measure(20_000 if args.quick else 200_000, args.repeats)


if __name__ == "__main__":
    main()
