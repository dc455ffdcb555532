"""``servicesim erlang``: the planner's quick staffing table."""

from __future__ import annotations

import typer
from typer.testing import CliRunner

from sim.commands.erlang import register

runner = CliRunner()


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:  # a callback keeps "erlang" a sub-command
        """Test app."""

    register(app)
    return app


def run(*args: str):
    return runner.invoke(_app(), ["erlang", *args])


def test_range_around_required_count():
    result = run("--rate", "100/30min", "--aht", "3min")
    assert result.exit_code == 0, result.output
    assert "10.00" in result.stdout  # offered load in Erlangs
    assert "68.2%" in result.stdout  # P(wait) with 11 agents
    assert "required agents for service_level>=0.8 @20s: 14" in result.stdout


def test_given_agents_patience_and_targets():
    result = run(
        "--rate", "45/min", "--aht", "3min", "--agents", "140", "--patience", "2min",
        "-t", "service_level>=0.8 @20s", "-t", "abandon_rate<=3%",
    )
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Erlang A" in out and "P(abandon)" in out and "yes" in out
    assert "required agents for service_level>=0.8 @20s, abandon_rate<=0.03:" in out


def test_within_changes_the_service_level_column():
    result = run("--rate", "100/30min", "--aht", "3min", "-n", "14", "--within", "30s")
    assert result.exit_code == 0, result.output
    assert "@30s" in result.stdout


def test_help_speaks_planner():
    result = run("--help")
    assert result.exit_code == 0
    assert "--patience" in result.stdout and "--target" in result.stdout


def test_bad_input_is_one_error_line_and_exit_2():
    for args in (
        ["--rate", "45", "--aht", "3min"],
        ["--rate", "45/min", "--aht", "three minutes"],
        ["--rate", "45/min", "--aht", "3min", "-t", "speed>=3"],
        ["--rate", "45/min", "--aht", "3min", "--agents", "0"],
        ["--rate", "45/min", "--aht", "3min", "--patience", "soon"],
    ):
        result = run(*args)
        assert result.exit_code == 2, args
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
