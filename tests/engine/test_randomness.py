"""randomness: keyed streams stay exact when threads grow the shared zero buffer."""

import sys

import numpy as np

from mpc_engine import randomness
from mpc_engine.randomness import KeyedStream

KEY = bytes(range(16))


def test_stream_is_exact_when_another_thread_shrinks_the_zero_buffer_at_any_line(monkeypatch):
    # parties are threads: between any two lines of `_zeros` another party's thread may
    # install the (smaller) buffer it grew from a stale length; made deterministic here
    want = KeyedStream(KEY).array(3, np.uint32, 1 << 19).copy()
    monkeypatch.setattr(randomness, "_ZEROS", memoryview(bytes(16)))

    def other_thread_writes(frame, event, arg):
        if event == "line":
            randomness._ZEROS = memoryview(bytes(32))
        return other_thread_writes

    def tracer(frame, event, arg):
        return other_thread_writes if frame.f_code is randomness._zeros.__code__ else None

    sys.settrace(tracer)
    try:
        got = KeyedStream(KEY).array(3, np.uint32, 1 << 19)
    finally:
        sys.settrace(None)
    assert np.array_equal(got, want)


def test_stream_of_zero_elements_is_empty():
    assert KeyedStream(KEY).array(1, np.uint64, (0, 3)).shape == (0, 3)


def test_streams_of_different_tags_differ_and_a_prefix_repeats():
    s = KeyedStream(KEY)
    assert not np.array_equal(s.array(1, np.uint32, 64), s.array(2, np.uint32, 64))
    assert np.array_equal(s.array(5, np.uint32, (2, 64))[0], s.array(5, np.uint32, 64))
