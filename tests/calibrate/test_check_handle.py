"""``check`` compares handle times like with like: a log's handle time against the
simulated talk time, and AHT (handle + wrap-up) only when the log carries wrap-up.

Oracle by hand: talk is exponential with mean 4 min (240 s), after-call work a fixed
60 s, so AHT is 300 s and the wrap-up exactly 60 s in every replication.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sim.calibrate import check, contact_log, read_contacts
from sim.experiment import run
from sim.scenario.loader import validate

TALK_S, ACW_S = 240.0, 60.0


def _scenario(acw: bool):
    intent = {"handle_time": {"dist": "exponential", "mean": "4min"}}
    if acw:
        intent["after_call_work"] = {"dist": "deterministic", "value": "60s"}
    return validate({
        "name": "wrap-up", "horizon": "1d", "warmup": "1h", "replications": 4, "seed": 5,
        "channels": {"phone": {"kind": "voice"}},
        "demand": [{"channel": "phone", "rate": "2/min"}],
        "intents": {"general": intent},
        "pools": {"agents": {"size": 14, "channels": ["phone"]}},
    })


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Replication 0 of the scenario with after-call work, as a contact log with its
    wrap-up column and without it."""
    sc = _scenario(acw=True)
    res = run(sc, replications=1, executor="serial", keep_intervals=False)
    assert res.contacts is not None
    table = contact_log(res.contacts, sc)
    assert "wrap" in table  # a scenario with after-call work exports it
    folder = tmp_path_factory.mktemp("wrap")
    out = {"wrap": folder / "with_wrap.csv", "plain": folder / "plain.csv"}
    table.to_csv(out["wrap"], index=False)
    table.drop(columns="wrap").to_csv(out["plain"], index=False)
    return out


def _rows(result, group: str = "all", member: str = "") -> pd.DataFrame:
    k = result.kpis
    return k[(k["group"] == group) & (k["member"] == member)].set_index("kpi")


def test_a_log_without_wrap_up_is_set_against_talk_time(logs: dict[str, Path]) -> None:
    log = read_contacts(logs["plain"])
    assert not log.has_wrap_up
    rows = _rows(check(log, _scenario(acw=True), replications=4, executor="serial"))
    assert "aht_s" not in rows.index and "acw_s" not in rows.index
    talk = rows.loc["talk_s"]
    # both sides are the talk time (240 s), not the simulated AHT (300 s)
    assert talk["observed"] == pytest.approx(TALK_S, rel=0.05)
    assert talk["sim_mean"] == pytest.approx(TALK_S, rel=0.03)
    assert talk["status"] != "off"
    # a scenario without after-call work: its aht_s is the talk time
    plain = _rows(check(log, _scenario(acw=False), replications=4, executor="serial"))
    assert plain.loc["talk_s", "sim_mean"] == pytest.approx(TALK_S, rel=0.03)
    assert plain.loc["talk_s", "status"] != "off"


def test_a_log_with_wrap_up_is_also_set_against_aht(logs: dict[str, Path]) -> None:
    log = read_contacts(logs["wrap"])
    assert log.has_wrap_up
    result = check(log, _scenario(acw=True), replications=4, executor="serial")
    for group, member in (("all", ""), ("channel", "phone"), ("intent", "general")):
        rows = _rows(result, group, member)
        assert rows.loc["aht_s", "observed"] == pytest.approx(TALK_S + ACW_S, rel=0.05)
        assert rows.loc["aht_s", "sim_mean"] == pytest.approx(TALK_S + ACW_S, rel=0.03)
        assert rows.loc["acw_s", "observed"] == pytest.approx(ACW_S)
        assert rows.loc["acw_s", "sim_mean"] == pytest.approx(ACW_S)
        assert rows.loc["acw_s", "status"] == "ok"
        assert (rows.loc[["talk_s", "aht_s"], "status"] != "off").all()
    # the scenario lacks the wrap-up the log shows: AHT and wrap-up are off
    lacking = _rows(check(log, _scenario(acw=False), replications=4, executor="serial"))
    assert lacking.loc["acw_s", "sim_mean"] == 0 and lacking.loc["acw_s", "status"] == "off"
    assert lacking.loc["aht_s", "status"] == "off"
    assert lacking.loc["talk_s", "status"] != "off"


def test_wrap_up_column_aliases_and_bad_values(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_text(
        "case,arrival,outcome,wait,handle,Wrap-up time\n"
        "a,2024-01-01 09:00:00,answered,10,240,45\n"
        "b,2024-01-01 09:01:00,answered,10,240,1:00\n"
        "c,2024-01-01 09:02:00,answered,10,240,\n"
        "d,2024-01-01 09:03:00,answered,10,240,-5\n"
        "e,2024-01-01 09:04:00,abandoned,30,,\n")
    log = read_contacts(path)
    assert log.columns["wrap"] == "Wrap-up time"
    assert log.contacts.set_index("case")["wrap_s"].loc[["a", "b"]].tolist() == [45.0, 60.0]
    assert log.issues.counts == {"missing wrap-up time": 1, "negative wrap-up time": 1}
    assert log.n == 3  # the abandoned contact needs no wrap-up
