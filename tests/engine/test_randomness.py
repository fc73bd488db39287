"""randomness: keyed streams are AES-CTR exactly, drawn through a fixed, bounded zero buffer."""

import numpy as np
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from mpc_engine import randomness
from mpc_engine.randomness import ZERO_BLOCK_BYTES, KeyedStream

KEY = bytes(range(16))


def one_shot(tag: int, nbytes: int) -> bytes:
    encryptor = Cipher(algorithms.AES(KEY), modes.CTR((tag << 64).to_bytes(16, "big"))).encryptor()
    return encryptor.update(bytes(nbytes))


def test_a_large_stream_is_the_one_shot_keystream_and_the_zero_buffer_stays_bounded():
    nbytes = 3 * ZERO_BLOCK_BYTES + 12  # several pieces and a ragged end
    got = KeyedStream(KEY).array(7, np.uint32, nbytes // 4)
    assert got.tobytes() == one_shot(7, nbytes)
    assert len(randomness._ZEROS) == ZERO_BLOCK_BYTES  # never grown to the largest draw
    assert bytes(randomness._ZEROS) == bytes(ZERO_BLOCK_BYTES)  # and never written


def test_stream_of_zero_elements_is_empty():
    assert KeyedStream(KEY).array(1, np.uint64, (0, 3)).shape == (0, 3)


def test_streams_of_different_tags_differ_and_a_prefix_repeats():
    s = KeyedStream(KEY)
    assert not np.array_equal(s.array(1, np.uint32, 64), s.array(2, np.uint32, 64))
    assert np.array_equal(s.array(5, np.uint32, (2, 64))[0], s.array(5, np.uint32, 64))
    assert s.array(5, np.uint8, 100).tobytes() == one_shot(5, 100)
