"""``handle_time_by_channel`` on intents: validation, and the offered load it implies."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.experiment.staffing_erlang import pool_loads
from sim.scenario import describe, load_text
from sim.scenario.describe import offered_load
from tests.scenario.helpers import error_of, replace

TEXT = """\
name: per-channel handle time
horizon: 10h
channels:
  phone: {kind: voice}
  chat: {kind: chat}
  web: {kind: self_service, duration: 3min}
demand:
  - {channel: phone, rate: 60/h}
  - {channel: chat, rate: 60/h}
intents:
  billing:
    handle_time: {dist: exponential, mean: 6min}
    handle_time_by_channel:
      chat: {dist: lognormal, mean: 10min, cv: 0.6}
pools:
  agents: {size: 20, channels: [phone, chat]}
"""


def test_valid_and_used_per_channel() -> None:
    s = load_text(TEXT)
    billing = s.intents["billing"]
    assert billing.handle_time_on("chat").mean_s == 600.0
    assert billing.handle_time_on("phone").mean_s == 360.0
    assert billing.handle_time_on("email").mean_s == 360.0   # unlisted: handle_time


def test_unknown_channel_is_located_with_a_hint() -> None:
    err = error_of(replace(TEXT, "      chat: {dist: lognormal", "      caht: {dist: lognormal"))
    assert err.path == "intents.billing.handle_time_by_channel.caht"
    assert err.line == 14
    assert "unknown channel 'caht'" in err.message and "chat" in err.message


@pytest.mark.parametrize("kind", ["self_service", "bot"])
def test_session_channels_are_rejected(kind: str) -> None:
    text = replace(TEXT, "      chat: {dist: lognormal", "      web: {dist: lognormal")
    text = replace(text, "web: {kind: self_service,", f"web: {{kind: {kind},")
    err = error_of(text)
    assert err.path == "intents.billing.handle_time_by_channel.web"
    assert err.line == 14
    assert f"'web' is {kind}" in err.message and "duration" in err.message


def test_bad_distribution_is_rejected() -> None:
    err = error_of(replace(TEXT, "mean: 10min, cv: 0.6", "mean: -10min, cv: 0.6"))
    assert "handle_time_by_channel" in err.path


def test_offered_load_uses_the_channel_mean() -> None:
    s = load_text(TEXT)
    phone, chat = s.demand
    assert offered_load(s, phone) == pytest.approx(1.0 * 6 / 60 * 60)     # 60/h x 6min
    assert offered_load(s, chat) == pytest.approx(1.0 * 10 / 60 * 60)     # 60/h x 10min
    text = describe(s)
    assert "Offered load by channel: phone 6.0 Erlangs, chat 10.0 Erlangs" in text
    assert "on chat" in text


def test_erlang_staffing_load_uses_the_channel_mean() -> None:
    s = load_text(TEXT)
    work = pool_loads(s, 3600.0, 24)["agents"]["work"]
    np.testing.assert_allclose(work, 6.0 + 10.0)


def test_validate_command_reports_the_per_channel_load(tmp_path: Path) -> None:
    f = tmp_path / "s.yaml"
    f.write_text(TEXT)
    result = CliRunner().invoke(app, ["validate", str(f)])
    assert result.exit_code == 0, result.output
    assert "phone 6.0 Erlangs, chat 10.0 Erlangs" in result.output
