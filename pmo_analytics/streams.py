"""Random streams: the one way from a seed and keys to a ``numpy.random.Generator``.

Every random draw of the package comes from a stream named by the user's
seed and a tuple of **keys** -- a block number, a purpose, a project, risk or
class id -- through :func:`stream`::

    PCG64(SeedSequence(seed, spawn_key=(key_1, key_2, ...)))

An id (a string) becomes its key by :func:`stable_key`, the first 8 bytes of
its SHA-256: the same on every machine, Python version and process (unlike
``hash()``), and 64 bits wide, so two ids of one portfolio do not share a
stream (a 32-bit checksum such as CRC-32 gives the same key to some pairs of
short ids: ``plumless`` and ``buckeroo``). A stream depends on its keys
only, never on which thread, process or cluster worker draws from it, nor
on what else is simulated: this
is what makes the numbers identical on one thread, several threads or Dask
(:mod:`pmo_analytics.parallel`) and gives common random numbers between two
runs that differ in one project or one risk.

The key layouts in use (each a separate family of streams):

* ``(block,)`` -- :class:`~pmo_analytics.risk.ScheduleRiskModel`, block ``b``
  of one project's simulation;
* ``(block, EVENTS)`` -- the schedule events of that block (probabilistic
  branches, risk-calendar windows; :mod:`pmo_analytics.risk.events`), a
  family of their own so a model with events draws its durations and risks
  exactly as the same model without them (common random numbers);
* ``(block, purpose, key(id))`` -- :class:`~pmo_analytics.risk.PortfolioRiskModel`,
  with purpose :data:`PROJECT` (a project's block), :data:`SHARED` (a risk
  shared by projects), :data:`CLASS` (a reference class's Iman-Conover
  scores) or :data:`EVENTS` (a project's schedule events);
* ``(purpose, replication, block, kind, key)`` -- the scenario draws of
  :mod:`pmo_analytics.selection.uncertainty`;
* ``derive_seed(seed, id)`` -- the seed of one project's schedule risk model
  in a review (:func:`pmo_analytics.review.project_seed`).

:func:`stream` is the package's ``check_random_state`` (scikit-learn's one
door from a seed to a generator): it takes an int, a ``SeedSequence`` (whose
keys are extended) or, without keys, a ``Generator`` (returned as it is).
Unlike scikit-learn's, it refuses ``None``: every random function of the
package takes a seed, so every number can be reproduced.

This module sits at the package's ground floor (it imports numpy only), so
every room may use it.
"""

from __future__ import annotations

import hashlib

import numpy as np

__all__ = ["stable_key", "stream_key", "seed_sequence", "stream", "derive_seed", "check_seed", "PROJECT", "SHARED",
           "CLASS", "EVENTS"]

#: Purposes of the portfolio Monte Carlo's streams ``(block, purpose, key(id))``; EVENTS also names the schedule
#: events of a ScheduleRiskModel block ``(block, EVENTS)``.
PROJECT, SHARED, CLASS, EVENTS = 0, 1, 2, 3


def stable_key(text) -> int:
    """The stream key of an id: the first 8 bytes of the SHA-256 of its text, little-endian [0, 2**64).

    Examples
    --------
    >>> hex(stable_key("A-101"))
    '0x7d94f702b90c5737'
    """
    return int.from_bytes(hashlib.sha256(str(text).encode("utf-8")).digest()[:8], "little")


def stream_key(key) -> int:
    """A key of :func:`seed_sequence` as the non-negative int ``SeedSequence`` takes.

    An int (or numpy integer) is used as it is; any other value (an id) is
    turned into :func:`stable_key` of its text.
    """
    if isinstance(key, (bool, np.bool_)):
        raise ValueError(f"a stream key is an int or an id, got {key!r}")
    if isinstance(key, (int, np.integer)):
        if key < 0:
            raise ValueError(f"an int stream key must be >= 0, got {key}")
        return int(key)
    return stable_key(key)


def check_seed(seed, name: str = "seed") -> int:
    """The user's seed as an int, or a ValueError saying that one is required.

    Every random result of the package is reproducible: a seed is a required
    argument, a non-negative int (what ``numpy.random.SeedSequence`` takes).
    """
    if seed is None or isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"{name} is required: pass an int so runs can be reproduced, got {seed!r}")
    if seed < 0:
        raise ValueError(f"{name} must be a non-negative int, got {seed}")
    return int(seed)


def seed_sequence(seed, *keys) -> np.random.SeedSequence:
    """``SeedSequence(seed, spawn_key=keys)``; a ``SeedSequence`` given as ``seed`` has its spawn key extended."""
    k = tuple(stream_key(x) for x in keys)
    if isinstance(seed, np.random.SeedSequence):
        return np.random.SeedSequence(seed.entropy, spawn_key=tuple(seed.spawn_key) + k,
                                      pool_size=seed.pool_size)
    return np.random.SeedSequence(check_seed(seed), spawn_key=k)


def stream(seed, *keys) -> np.random.Generator:
    """The generator of one stream: ``Generator(PCG64(SeedSequence(seed, spawn_key=keys)))``.

    Parameters
    ----------
    seed : int, numpy.random.SeedSequence or numpy.random.Generator
        The user's seed (an int, required: None is refused); a
        ``SeedSequence`` (its keys come first); a ``Generator`` is returned
        unchanged when no key is given.
    *keys : int or str
        Block numbers, purposes and ids (strings, or any non-int, through
        :func:`stable_key`) naming the stream.

    Examples
    --------
    >>> a = stream(7, 3, "A-101").random(2)
    >>> bool((a == stream(7, 3, stable_key("A-101")).random(2)).all())
    True
    >>> bool((stream(7).random(2) == np.random.default_rng(7).random(2)).all())
    True
    """
    if isinstance(seed, np.random.Generator):
        if keys:
            raise ValueError("keys name a stream of a seed; a Generator is already a stream (pass its seed)")
        return seed
    return np.random.Generator(np.random.PCG64(seed_sequence(seed, *keys)))


def derive_seed(seed, *keys) -> int:
    """An int seed for a model run on behalf of a larger one (one project of a review), from the stream's keys.

    The first 64 bits of ``SeedSequence(seed, spawn_key=keys).generate_state``:
    distinct keys give independent seeds, whatever else is simulated.
    """
    return int(seed_sequence(seed, *keys).generate_state(1, np.uint64)[0])
