"""FMEA by simulation: failure modes rated (S x O x D) and ranked; lost customers first."""

from __future__ import annotations

import json

import pytest

from sim.experiment.fmea import FmeaError, busiest_hour, failure_modes, fmea, mode_channels
from tests.experiment.conftest import tiny


def _two_systems(**over):
    return tiny(
        horizon="6h", warmup="30min", replications=3,
        intents={"bills": {"share": 0.9, "handle_time": {"dist": "exponential", "mean": "1min"},
                           "resolution": 0.95},
                 "archive": {"share": 0.1,
                             "handle_time": {"dist": "exponential", "mean": "1min"}}},
        recontact={"delay": "20min"},
        backstage={
            "core": {"capacity": 100, "latency": "5s", "needed_by": {"intents": ["bills"]},
                     "on_outage": "fail"},
            "records": {"capacity": 100, "latency": "5s", "needed_by": {"intents": ["archive"]},
                        "on_outage": "fail"}},
        outages=[{"target": "core", "mtbf": "30d", "mttr": "2h"},
                 {"target": "records", "mtbf": "730d", "mttr": "10min"}],
        **over)


def test_failure_modes_frequency_and_repair_time():
    modes = {m.target: m for m in failure_modes(_two_systems())}
    assert modes["core"].per_year == 365 / 30 and modes["core"].duration_s == 7200
    assert modes["records"].duration_s == 600 and not modes["records"].per_year_assumed
    assert modes["phone"].per_year_assumed and modes["agents"].kind == "pool"


def test_busiest_hour_follows_the_profile():
    weights = [1.0] * 24
    weights[3] = 5.0
    sc = tiny(horizon="10h", warmup="0s",
              demand=[{"channel": "phone", "rate": "45/min", "profile": {"weights": weights}}])
    assert busiest_hour(sc) == 3 * 3600.0


def test_fmea_ranks_long_frequent_outage_of_busy_system_first(tmp_path):
    result = fmea(_two_systems(), replications=3, executor="serial",
                  targets=["core", "records"])
    table = result.table
    assert list(table.target) == ["core", "records"]
    core = table.iloc[0]
    assert core.recontact_rate_diff > 0 and core.recontact_rate_ci_low > 0
    assert core.rpn > table.iloc[1].rpn and core.occurrence > table.iloc[1].occurrence
    result.write(tmp_path)
    doc = json.loads((tmp_path / "fmea.json").read_text())
    assert doc["modes"][0]["target"] == "core"
    assert "severity" in doc["scoring"] and "rpn" in doc["scoring"]
    assert (tmp_path / "fmea.csv").read_text().startswith("rank,target")


def _main_channel_at_peak(**over):
    """Phone carries 9 in 10 customers, peaking at 03:00; chat is small.

    Built so that the old latency-only score misranks: blocked callers never reach
    resolution (so latency does not rise), while a backstage system that fails
    monthly for 3h with callbacks ('defer') only delays customers, a lot. A team
    outage is rare and short (mtbf 10 years, 10 min); ``records`` is needed by no
    contact (no effect at all).
    """
    weights = [1.0] * 24
    weights[3] = 3.0
    voice = {"kind": "voice", "service_level_target": "20s",
             "patience": {"dist": "exponential", "mean": "3min"}}
    chat = {"kind": "chat", "service_level_target": "60s",
            "patience": {"dist": "exponential", "mean": "5min"}}
    ht = {"dist": "exponential", "mean": "1min"}
    settings = dict(
        horizon="5h", warmup="30min", replications=3,
        channels={"phone": voice, "chat": chat},
        demand=[{"channel": "phone", "rate": "30/min", "profile": {"weights": weights}},
                {"channel": "chat", "rate": "3/min", "profile": {"weights": weights}}],
        intents={"general": {"share": 1.0, "handle_time": ht},
                 "archive": {"share": 0.0, "handle_time": ht}},
        pools={"phone_team": {"size": 100, "channels": ["phone"]},
               "chat_team": {"size": 12, "channels": ["chat"]}},
        backstage={"crm": {"latency": "5s", "needed_by": {"intents": ["general"]},
                           "on_outage": "defer"},
                   "records": {"latency": "5s", "needed_by": {"intents": ["archive"]},
                               "on_outage": "fail"}},
        outages=[{"target": "crm", "mtbf": "30d", "mttr": "3h"},
                 {"target": "phone_team", "mtbf": "3650d", "mttr": "10min"}])
    settings.update(over)
    return tiny(**settings)


@pytest.fixture(scope="module")
def main_channel_fmea():
    return fmea(_main_channel_at_peak(), replications=3, executor="serial")


def test_peak_outage_of_the_main_channel_ranks_first(main_channel_fmea):
    table = main_channel_fmea.table.set_index("target")
    assert main_channel_fmea.table.target.iloc[0] == "phone"
    phone = table.loc["phone"]
    assert phone["at"] == "Mon 03:00"                     # at the peak
    assert phone.lost_ci_low > 0.5 * phone.exposed       # most of those who came are lost
    assert phone.blocked_ci_low > 0 and phone.severity == 10 and phone.act_anyway
    assert phone.rpn == 10 * 3 * 1 and phone.detection_assumed
    # the frequent, long backstage failure only delays customers: it rates low
    crm = table.loc["crm"]
    assert crm.resolution_latency_s_ci_low > 600 and crm.occurrence == 6
    assert crm.lost_ci_high < 0.01 * crm.exposed and crm.severity <= 3
    # a failure that loses customers never scores below one that does not
    losing = table[table.lost_ci_low > 0]
    assert (losing.severity >= 5).all() and losing.severity.min() > crm.severity


def test_failure_with_no_effect_scores_the_minimum(main_channel_fmea):
    records = main_channel_fmea.table.set_index("target").loc["records"]
    assert records.lost_diff == 0 and records.abandoned_diff == 0
    assert records.severity == 1 and records.rpn == records.occurrence  # S = D = 1
    assert records.effect == "no significant effect"
    assert main_channel_fmea.table.target.iloc[-1] == "records"


def test_counts_are_reported_for_every_mode(main_channel_fmea):
    t = main_channel_fmea.table
    for name in ("lost", "abandoned", "blocked"):
        for suffix in ("_diff", "_ci_low", "_ci_high"):
            assert t[name + suffix].notna().all()
    for kpi in ("abandon_rate", "blocked_rate", "resolution_rate"):
        assert f"{kpi}_diff" in t
    chat = t.set_index("target").loc["chat"]
    assert chat.blocked_diff > 0 and chat.lost_diff > 0 and chat.kind == "channel"


def test_detection_ratings_enter_the_rpn():
    sc = _two_systems()
    result = fmea(sc, replications=2, executor="serial", targets=["records"],
                  detection={"records": 8})
    row = result.table.iloc[0]
    assert row.detection == 8 and not row.detection_assumed
    assert row.rpn == row.severity * row.occurrence * 8
    with pytest.raises(FmeaError, match="1 to 10"):
        fmea(sc, replications=2, executor="serial", targets=["records"],
             detection={"records": 0})
    with pytest.raises(FmeaError, match="no such failure mode"):
        fmea(sc, replications=2, executor="serial", detection={"nope": 3})
    with pytest.raises(FmeaError, match="no failure mode 'nope'"):
        fmea(sc, replications=2, executor="serial", targets=["nope"])


def test_channel_outage_starts_at_that_channels_peak():
    phone_w, chat_w = [1.0] * 24, [1.0] * 24
    phone_w[3], chat_w[6] = 5.0, 5.0
    sc = _main_channel_at_peak(demand=[
        {"channel": "phone", "rate": "30/min", "profile": {"weights": phone_w}},
        {"channel": "chat", "rate": "3/min", "profile": {"weights": chat_w}}], horizon="8h")
    modes = {m.target: m for m in failure_modes(sc)}
    assert busiest_hour(sc, 3600, mode_channels(sc, modes["chat"])) == 6 * 3600
    assert busiest_hour(sc, 3600, mode_channels(sc, modes["phone_team"])) == 3 * 3600
    assert busiest_hour(sc, 3600, mode_channels(sc, modes["crm"])) == 3 * 3600


def test_cli_prints_ratings_and_refuses_bad_detection(tiny_file, tmp_path):
    from typer.testing import CliRunner

    from sim.cli import app

    runner = CliRunner()
    out = tmp_path / "f"
    res = runner.invoke(app, ["fmea", str(tiny_file), "-n", "2", "--executor", "serial",
                              "-o", str(out), "--detection", "phone=4"])
    assert res.exit_code == 0, res.output
    assert "RPN" in res.stdout and "lost" in res.stdout and "channel:phone" in res.stdout
    doc = json.loads((out / "fmea.json").read_text())
    phone = next(m for m in doc["modes"] if m["target"] == "phone")
    assert phone["detection"] == 4 and phone["rpn"] == phone["severity"] * 3 * 4
    assert doc["modes"][0]["target"] == "phone"  # a blocked channel loses its callers
    for bad in ("phone=11", "phone", "nope=3"):
        res = runner.invoke(app, ["fmea", str(tiny_file), "-n", "2", "--executor", "serial",
                                  "-o", str(tmp_path / "g"), "-q", "--detection", bad])
        assert res.exit_code == 2, (bad, res.output)
        assert "Traceback" not in res.output
