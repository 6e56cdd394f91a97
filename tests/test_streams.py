"""Random streams (pmo_analytics.streams): one way from a seed and keys to a generator."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from pmo_analytics.streams import check_seed, derive_seed, seed_sequence, stable_key, stream, stream_key


def test_stable_key_is_the_first_eight_bytes_of_the_sha256():
    digest = hashlib.sha256(b"A-101").digest()
    assert stable_key("A-101") == int.from_bytes(digest[:8], "little") == 0x7d94f702b90c5737
    assert stable_key("A-101") != stable_key("A-102")
    assert stable_key(101) == stable_key("101")  # an id is its text


def test_a_stream_is_pcg64_of_the_seed_sequence_of_its_keys():
    """Written out with numpy alone: the layout every engine documents."""
    ref = np.random.Generator(np.random.PCG64(np.random.SeedSequence(7, spawn_key=(3, 0, stable_key("A-101")))))
    assert np.array_equal(stream(7, 3, 0, "A-101").random(5), ref.random(5))
    assert np.array_equal(stream(7, 3, 0, stable_key("A-101")).random(5),
                          stream(7, np.int64(3), 0, "A-101").random(5))
    # no key: numpy's default_rng of the seed
    assert np.array_equal(stream(7).random(5), np.random.default_rng(7).random(5))
    # a SeedSequence carries its keys first
    assert np.array_equal(stream(seed_sequence(7, 3), 0, "A-101").random(5), stream(7, 3, 0, "A-101").random(5))


def test_streams_of_different_keys_differ():
    draws = {k: stream(1, *k).random(4).tobytes() for k in [(0,), (1,), (0, 0), (0, 1), (0, "A"), (0, "B")]}
    assert len(set(draws.values())) == len(draws)
    assert stream(1, 0).random(4).tobytes() != stream(2, 0).random(4).tobytes()


def test_a_generator_is_passed_through_like_check_random_state():
    g = np.random.default_rng(5)
    assert stream(g) is g
    with pytest.raises(ValueError, match="already a stream"):
        stream(g, 1)


@pytest.mark.parametrize("bad", [None, True, 1.5, "7", -1])
def test_a_seed_is_a_required_non_negative_int(bad):
    with pytest.raises(ValueError, match="seed"):
        check_seed(bad)
    with pytest.raises(ValueError):
        stream(bad)


def test_stream_keys_are_non_negative_ints_or_ids():
    assert stream_key(np.uint64(2**64 - 1)) == 2**64 - 1
    assert stream_key("x") == stable_key("x")
    with pytest.raises(ValueError, match=">= 0"):
        stream_key(-3)
    with pytest.raises(ValueError, match="int or an id"):
        stream_key(True)


def test_derived_seeds_are_64_bit_stable_and_distinct():
    seeds = [derive_seed(20261125, f"A-{i:03d}") for i in range(2000)]
    assert len(set(seeds)) == len(seeds)
    assert seeds[0] == derive_seed(20261125, "A-000") != derive_seed(20261126, "A-000")
    assert max(seeds) >= 2**32  # 64 bits, not 32
    assert seeds[0] == int(np.random.SeedSequence(20261125, spawn_key=(stable_key("A-000"),))
                           .generate_state(1, np.uint64)[0])
