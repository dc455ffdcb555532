"""Named random streams: one numpy ``Generator`` per stochastic source.

Each source (the arrivals of one demand line, the handle times of one intent on
one line, patience, handoff choices, ...) draws from its own generator, derived
from the scenario seed, the replication index and a stable hash of the source's
name. Adding a source never shifts the others, and two scenarios run with the same
seed share random numbers wherever their structure matches (common random numbers).
"""

from __future__ import annotations

import hashlib

import numpy as np


def stable_hash(name: str) -> int:
    """A 32-bit hash of ``name`` that is the same in every process and run."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=4).digest(), "big")


class Streams:
    """The random streams of one replication, created on first use."""

    def __init__(self, seed: int, replication: int) -> None:
        self.seed = seed
        self.replication = replication
        self._cache: dict[str, np.random.Generator] = {}

    def get(self, name: str) -> np.random.Generator:
        """The generator of source ``name`` (always the same object within a replication)."""
        rng = self._cache.get(name)
        if rng is None:
            seq = np.random.SeedSequence(
                entropy=self.seed, spawn_key=(self.replication, stable_hash(name))
            )
            rng = np.random.Generator(np.random.PCG64(seq))
            self._cache[name] = rng
        return rng


class UniformBlock:
    """Uniform(0, 1) numbers drawn from a stream in blocks, handed out one at a time.

    The block is kept reversed and handed out with ``list.pop`` (the cheapest way),
    so the numbers come in the stream's order; their values do not depend on the
    block size.
    """

    __slots__ = ("_rng", "_block", "_buf")

    def __init__(self, rng: np.random.Generator, block: int = 1024) -> None:
        self._rng = rng
        self._block = block
        self._buf: list[float] = []

    def next(self) -> float:
        """The next uniform number."""
        buf = self._buf
        if not buf:
            buf = self._buf = self._rng.random(self._block)[::-1].tolist()
        return buf.pop()


class Sampler:
    """Draws one distribution from one stream in blocks, handed out one at a time.

    Blocks of 1024 draws, kept reversed and handed out with ``list.pop`` (see
    :class:`UniformBlock`); the block size is part of the stream's definition (some
    distributions' draws depend on how they are split into calls).
    """

    __slots__ = ("_dist", "_rng", "_buf")

    def __init__(self, dist, rng: np.random.Generator) -> None:  # noqa: ANN001
        self._dist = dist
        self._rng = rng
        self._buf: list[float] = []

    def next(self) -> float:
        """The next draw."""
        buf = self._buf
        if not buf:
            buf = self._buf = self._dist.sample(self._rng, 1024)[::-1].tolist()
        return buf.pop()
