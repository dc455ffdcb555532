"""Calibration fits after-call work from a log's wrap-up column.

The truth: billing has a fixed 60 s of after-call work, tech an exponential one with
mean 45 s on phone and none on video (``after_call_work_by_channel: {video: 0s}``).
Handle times are exponential and gamma, whose maximum-likelihood means are the
sample means, so ``check`` sets like against like. Two days, ~3,600 contacts (~0.2 s).
"""

from __future__ import annotations

import math
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from sim.calibrate import ContactLog, calibrate, check, contact_log, read_contacts
from sim.calibrate.wrapup import fit_wrap, fit_wrap_up
from sim.calibrate.write import scenario_text, write_scenario
from sim.cli import app
from sim.experiment import run
from sim.scenario import Scenario
from sim.scenario.loader import validate

BILLING_ACW_S, TECH_ACW_S = 60.0, 45.0


def _truth() -> Scenario:
    return validate({
        "name": "wrap-up truth", "horizon": "2d", "warmup": "1h", "replications": 1,
        "seed": 7,
        "channels": {"phone": {"kind": "voice"}, "video": {"kind": "voice"}},
        "demand": [{"channel": "phone", "intent": "billing", "rate": "30/h"},
                   {"channel": "phone", "intent": "tech", "rate": "30/h"},
                   {"channel": "video", "intent": "tech", "rate": "15/h"}],
        "intents": {
            "billing": {"handle_time": {"dist": "exponential", "mean": "4min"},
                        "after_call_work": {"dist": "deterministic", "value": "60s"}},
            "tech": {"handle_time": {"dist": "gamma", "mean": "5min", "cv": 0.5},
                     "after_call_work": {"dist": "exponential", "mean": "45s"},
                     "after_call_work_by_channel": {
                         "video": {"dist": "deterministic", "value": "0s"}}}},
        "pools": {"agents": {"size": 14, "channels": ["phone", "video"]}},
    })


@dataclass
class Logs:
    wrap: Path
    plain: Path


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> Logs:
    """One run of the truth as a contact log, with its wrap-up column and without."""
    sc = _truth()
    res = run(sc, replications=1, executor="serial", keep_intervals=False)
    assert res.contacts is not None
    table = contact_log(res.contacts, sc)
    folders = [tmp_path_factory.mktemp(f) for f in ("wrap", "plain")]
    out = Logs(folders[0] / "log.csv", folders[1] / "log.csv")
    table.to_csv(out.wrap, index=False)
    table.drop(columns="wrap").to_csv(out.plain, index=False)
    return out


@pytest.fixture(scope="module")
def wrap_log(logs: Logs) -> ContactLog:
    log = read_contacts(logs.wrap)
    assert log.has_wrap_up
    return log


def _observed_wrap(log: ContactLog, intent: str, channel: str) -> pd.Series:
    c = log.contacts
    rows = c[(c["outcome"] == "answered") & (c["intent"] == intent) & (c["channel"] == channel)]
    return rows["wrap_s"]


def test_after_call_work_is_recovered_per_intent_and_channel(wrap_log: ContactLog,
                                                             tmp_path: Path) -> None:
    sc = write_scenario(calibrate(wrap_log), tmp_path / "cal.yaml")
    billing, tech = sc.intents["billing"], sc.intents["tech"]
    # a fixed 60 s is read back exactly, as a fixed duration
    assert billing.after_call_work is not None
    assert billing.after_call_work.dist == "deterministic"
    assert billing.after_call_work.mean_s == BILLING_ACW_S
    assert not billing.after_call_work_by_channel
    # exponential, mean 45 s: the fitted mean is the sample mean (4 significant digits),
    # which is within 3 standard errors (45 / sqrt(n)) of the truth
    phone = _observed_wrap(wrap_log, "tech", "phone")
    assert tech.after_call_work is not None
    assert tech.after_call_work.mean_s == pytest.approx(phone.mean(), rel=2e-3)
    assert tech.after_call_work.mean_s == pytest.approx(
        TECH_ACW_S, abs=3 * TECH_ACW_S / math.sqrt(len(phone)))
    assert tech.after_call_work.cv == pytest.approx(1.0, abs=0.1)
    # video never wraps up: its own after-call work of 0 s
    assert tech.after_call_work_by_channel is not None
    assert set(tech.after_call_work_by_channel) == {"video"}
    assert tech.after_call_work_by_channel["video"].mean_s == 0.0
    assert (_observed_wrap(wrap_log, "tech", "video") == 0).all()
    text = (tmp_path / "cal.yaml").read_text()
    assert "# after-call work from the wrap-up column" in text
    assert "every wrap-up the same" in text and "none with wrap-up" in text


def test_check_of_the_calibrated_scenario_marks_acw_and_aht_ok(wrap_log: ContactLog,
                                                              tmp_path: Path) -> None:
    sc = write_scenario(calibrate(wrap_log), tmp_path / "cal.yaml")
    k = check(wrap_log, sc, replications=4, executor="serial").kpis
    k = k.set_index(["group", "member", "kpi"]).sort_index()
    for member in (("all", ""), ("intent", "billing"), ("intent", "tech"),
                   ("channel", "phone"), ("channel", "video")):
        assert k.loc[(*member, "acw_s"), "status"] == "ok", member
    for member in (("all", ""), ("intent", "billing"), ("intent", "tech")):
        assert k.loc[(*member, "aht_s"), "status"] == "ok", member
    # the simulated AHT exceeds the talk time by the observed wrap-up (60 s for billing)
    row = k.loc[("intent", "billing")]
    assert row.loc["aht_s", "sim_mean"] - row.loc["talk_s", "sim_mean"] == pytest.approx(
        BILLING_ACW_S)
    allrow = k.loc[("all", "")]
    assert allrow.loc["acw_s", "sim_mean"] == pytest.approx(allrow.loc["acw_s", "observed"],
                                                            rel=0.03)


def _text(log: Path, tmp_path: Path) -> str:
    """The calibrated scenario of ``log``, read from the same path every time."""
    same = tmp_path / "log.csv"
    shutil.copyfile(log, same)
    return scenario_text(calibrate(read_contacts(same)), "same")


def test_a_log_without_wrap_up_calibrates_as_before(logs: Logs, tmp_path: Path) -> None:
    plain, wrap = _text(logs.plain, tmp_path), _text(logs.wrap, tmp_path)
    assert "after_call_work" not in plain
    # the wrap-up adds its own lines and changes no other
    plain_lines = plain.splitlines()
    kept = set(plain_lines)
    added = [line for line in wrap.splitlines() if line not in kept]
    assert [line for line in wrap.splitlines() if line in kept] == plain_lines
    assert added and all("after_call_work" in line or line.lstrip().startswith("#")
                         for line in added)
    a, b = yaml.safe_load(plain), yaml.safe_load(wrap)
    for intent in b["intents"].values():
        intent.pop("after_call_work", None)
        intent.pop("after_call_work_by_channel", None)
    assert a == b


def test_fit_wrap_unit() -> None:
    rng = np.random.default_rng(3)
    fixed = fit_wrap(np.full(50, 30.0))
    assert fixed.spec() == {"dist": "deterministic", "value": 30.0} and fixed.n_zero == 0
    none = fit_wrap(np.zeros(40))
    assert none.none and none.spec()["value"] == 0.0
    x = rng.exponential(45.0, 4000)
    expo = fit_wrap(np.concatenate([x, np.zeros(100)]))
    assert expo.n_zero == 100 and expo.dist is not None
    assert expo.dist.mean_s == pytest.approx(x.mean(), rel=0.01)  # zeros left out
    assert expo.mean_s == pytest.approx(x.sum() / 4100)  # the observed mean keeps them
    # one channel: no overrides; a log without the column: nothing
    one = pd.DataFrame({"channel": "phone", "wrap_s": x[:200]})
    base, over = fit_wrap_up(one)
    assert base is not None and base.n == 200 and over == {}
    assert fit_wrap_up(one.drop(columns="wrap_s")) == (None, {})
    assert fit_wrap_up(pd.DataFrame({"channel": ["a"] * 40, "wrap_s": 0.0})) == (None, {})
    # same distribution on two channels: no override (means within 5% and 2 SE)
    two = pd.DataFrame({"channel": ["a"] * 2000 + ["b"] * 2000,
                        "wrap_s": rng.exponential(45.0, 4000)})
    assert fit_wrap_up(two)[1] == {}


def test_calibrate_prints_the_after_call_work(logs: Logs, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["calibrate", str(logs.wrap), "--out",
                                      str(tmp_path / "s.yaml")])
    assert result.exit_code == 0, result.output
    assert "After-call work by intent" in result.stdout
    assert "fixed 60s" in result.stdout and "none" in result.stdout
    plain = CliRunner().invoke(app, ["calibrate", str(logs.plain), "--out",
                                     str(tmp_path / "p.yaml")])
    assert plain.exit_code == 0, plain.output
    assert "After-call work" not in plain.stdout
