"""Tests of sim.metrics and sim.io."""
