"""The figure encoding and sharing (consortium/contract/figures.py) against the shared test vectors that
the browser library's node tests read too (tests/vectors/sharing.json), and against the engine's ring."""

import json
from pathlib import Path

import numpy as np
import pytest

from consortium.contract import figures
from mpc_engine.ring import ring_for

VECTORS = json.loads((Path(__file__).parents[1] / "vectors" / "sharing.json").read_text())


@pytest.mark.parametrize("v", VECTORS["valid"], ids=lambda v: f"{v['value']}@{v['scale']}/{v['ring']}")
def test_a_vector_encodes_shares_and_decodes(v):
    encoded = figures.encode(v["value"], v["scale"], v["ring"])
    assert str(encoded) == v["encoded"]
    s0, s1, s2 = (int(s) for s in v["shares"])
    assert figures.split(encoded, v["ring"], s0, s1) == [s0, s1, s2]
    assert figures.decode(encoded, v["scale"], v["ring"]) == v["decoded"]


@pytest.mark.parametrize("v", VECTORS["valid"], ids=lambda v: f"{v['value']}@{v['scale']}/{v['ring']}")
def test_the_engine_reads_the_shares_as_the_scaled_figure(v):
    ring = ring_for(v["ring"])
    shares = np.array([int(s) for s in v["shares"]], dtype=ring.dtype)
    total = ring.to_signed(np.array([shares.sum(dtype=ring.dtype)], dtype=ring.dtype))[0]
    assert int(total) == figures.scaled(v["value"], v["scale"])
    assert ring.encode([figures.scaled(v["value"], v["scale"])])[0] == int(v["encoded"])


@pytest.mark.parametrize("v", VECTORS["invalid"], ids=lambda v: repr(v["value"]))
def test_an_invalid_vector_is_refused_with_its_reason(v):
    with pytest.raises(ValueError, match=f"^{v['why']}$"):
        figures.encode(v["value"], v["scale"], v["ring"])


def test_the_bodies_carry_share_i_for_miner_i_and_add_up():
    fields = [{"code": "employees", "scale": 0}, {"code": "export_share", "scale": 1},
              {"code": "x", "scale": 0}]
    bodies = figures.share_bodies("t" * 43, 7, "form", fields, {"employees": "-3", "export_share": "12.5",
                                                                 "x": None}, 32)
    size = 2**32

    def total(part, code):
        return sum(int(b[part][code]) for b in bodies) % size

    assert (total("values", "employees"), total("submitted", "employees")) == (size - 3, 1)
    assert (total("values", "export_share"), total("values", "x"), total("submitted", "x")) == (125, 0, 0)
    assert all(b["token"] == "t" * 43 and b["period"] == 7 for b in bodies)
    assert len({b["values"]["employees"] for b in bodies}) == 3
