"""A man in the middle of a running computation: records from miner 0 to miner 1 flipped, cut short,
duplicated, reordered, or taken from miner 2's stream (a spoofed sender). Miner 1 refuses the record and
its run aborts with an error naming miner 0; nothing tampered is ever handed to the engine."""

import numpy as np
import pytest

from miners.peering.secure import AuthenticationFailed

ROUNDS = 8


def intercept(link, how, captured):
    """Rewrite what `link` sends from its 4th record on."""
    original, seen = link._send, {"n": 0, "held": None}

    async def send(record):
        seen["n"] += 1
        n = seen["n"]
        if n == 4:
            if how == "flip":
                record = record[:-1] + bytes([record[-1] ^ 0x01])
            elif how == "truncate":
                record = record[: len(record) // 2]
            elif how == "duplicate":
                await original(record)
            elif how == "reorder":
                seen["held"] = record
                return
            elif how == "spoof":
                record = captured[-1]
        await original(record)
        if how == "reorder" and n == 5:
            await original(seen["held"])

    link._send = send


def capture(link, into):
    original = link._send

    async def send(record):
        into.append(record)
        await original(record)

    link._send = send


@pytest.mark.parametrize("how", ["flip", "truncate", "duplicate", "reorder", "spoof"])
def test_a_tampered_record_aborts_the_run_naming_the_sender(network, how):
    captured = []

    def program(i, transport):
        if i == 2:
            capture(transport.links[1], captured)
        if i == 0:
            intercept(transport.links[1], how, captured)
        got = []
        for r in range(1, ROUNDS + 1):
            for j in ((i + 1) % 3, (i + 2) % 3):
                transport.send(j, np.full(64, 100 * r + i, dtype=np.uint32), r)
            for j in ((i + 1) % 3, (i + 2) % 3):
                received = transport.recv(j, r, np.uint32, 64)
                assert (received == 100 * r + j).all(), "a tampered value reached the engine"
                got.append(int(received[0]))
        return got

    _, errors = network.run(program, timeout=3, reconnect_timeout=0.5)
    assert isinstance(errors[1], AuthenticationFailed), errors  # refused at once, not a time-out
    assert str(errors[1]).startswith("miner 0: message "), str(errors[1])
