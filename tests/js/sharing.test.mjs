// The browser's sharing library (static/js/sharing.js) against the shared test vectors
// (tests/vectors/sharing.json, also read by tests/contract/test_figures.py) and a fake network.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createHash } from "node:crypto";

import "../../static/js/sharing.js";

const S = globalThis.ConsortiumSharing;
const vectors = JSON.parse(readFileSync(new URL("../vectors/sharing.json", import.meta.url)));

test("every vector encodes, shares and decodes as the Python side does", () => {
  for (const v of vectors.valid) {
    const x = S.encode(v.value, v.scale, v.ring);
    assert.equal(x.toString(), v.encoded, v.value);
    const [s0, s1] = v.shares.map(BigInt);
    const fixed = [s0, s1];
    const shares = S.split(x, v.ring, () => fixed.shift());
    assert.deepEqual(shares.map(String), v.shares, v.value);
    assert.equal(S.decode(x, v.scale, v.ring), v.decoded);
  }
});

test("every invalid vector is refused with the same reason", () => {
  for (const v of vectors.invalid) {
    assert.throws(() => S.encode(v.value, v.scale, v.ring), { message: v.why }, v.value);
  }
});

test("random shares are uniform-looking ring elements that add up", () => {
  for (const bits of [32, 64]) {
    const size = 1n << BigInt(bits);
    const seen = new Set();
    for (let i = 0; i < 200; i++) {
      const shares = S.split(12345n, bits);
      assert.ok(shares.every((s) => s >= 0n && s < size));
      assert.equal((shares[0] + shares[1] + shares[2]) % size, 12345n);
      seen.add(shares[0]);
    }
    assert.ok(seen.size > 195, "s0 repeats: not random");
  }
});

const config = {
  token: "t".repeat(43), period: 7, form: "f0f0f0f0-0000-4000-8000-000000000000", ring_bits: 64,
  miners: [0, 1, 2].map((i) => ({ index: i, url: `https://miner${i}.example/` })),
  fields: [{ code: "employees", scale: 0 }, { code: "export_share", scale: 1 },
           { code: "profit", scale: 0 }],
};
const values = { employees: "4242", export_share: "37.5", profit: null };

// What a miner signs: SHA-256 of the canonical JSON of what it stored (Python's json.dumps(sort_keys=True,
// separators=(",", ":")), written out here independently of the library).
function digestOf(body) {
  const sorted = (o) => Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));
  const json = JSON.stringify({ submitted: sorted(body.submitted), values: sorted(body.values) });
  return createHash("sha256").update(json).digest("hex");
}

function receipt(i, body) {
  return { miner: i, period: 7, submission_id: "11111111-2222-4333-8444-555555555555",
           digest: digestOf(body), signature: "c2ln" };
}

function fakeNetwork(behaviour) {
  const calls = [];
  const fetch = async (url, init) => {
    const i = Number(/miner(\d)/.exec(url)[1]);
    calls.push({ i, url, init, body: JSON.parse(init.body) });
    const action = (behaviour[i] || []).shift() || "ok";
    const body = JSON.parse(init.body);
    if (action === "lost") throw new TypeError("network error");
    if (action === "503") return { status: 503, json: async () => ({ detail: "portal unreachable" }) };
    if (action === "400") return { status: 400, json: async () => ({ detail: "bad" }) };
    if (action === "forged") return { status: 201, json: async () => receipt((i + 1) % 3, body) };
    if (action === "altered") {
      const stored = { ...body, values: { ...body.values, employees: "1" } };
      return { status: 201, json: async () => receipt(i, stored) };
    }
    return { status: 201, json: async () => receipt(i, body) };
  };
  return { fetch, calls };
}

function sum(calls, part, code, bits) {
  const size = 1n << BigInt(bits);
  const byMiner = [0, 1, 2].map((i) => calls.find((c) => c.i === i).body[part][code]);
  return byMiner.reduce((a, s) => a + BigInt(s), 0n) % size;
}

test("share i goes to miner i only, and the three add up to the figure and its flag", async () => {
  const net = fakeNetwork({});
  const states = [];
  const receipts = await S.submit(config, values, { fetch: net.fetch, onMiner: (i, s) => states.push([i, s]) });
  assert.deepEqual(receipts.map((r) => r.miner), [0, 1, 2]);
  assert.deepEqual(net.calls.map((c) => c.url).sort(),
                   [0, 1, 2].map((i) => `https://miner${i}.example/api/shares`));
  assert.equal(sum(net.calls, "values", "employees", 64), 4242n);
  assert.equal(sum(net.calls, "values", "export_share", 64), 375n);
  assert.equal(sum(net.calls, "submitted", "employees", 64), 1n);
  assert.equal(sum(net.calls, "values", "profit", 64), 0n);
  assert.equal(sum(net.calls, "submitted", "profit", 64), 0n);
  for (const call of net.calls) {
    assert.equal(call.body.token, config.token);
    assert.notEqual(call.body.values.employees, "4242"); // a share, not the figure (equal: p = 2^-64)
    assert.equal(call.init.credentials, "omit");
  }
  assert.deepEqual(states.filter(([, s]) => s === "stored").map(([i]) => i).sort(), [0, 1, 2]);
});

test("a lost answer is asked again once with the same body; a second loss gives null", async () => {
  const net = fakeNetwork({ 1: ["lost"], 2: ["lost", "lost"] });
  const receipts = await S.submit(config, values, { fetch: net.fetch });
  assert.equal(receipts[0].miner, 0);
  assert.equal(receipts[1].miner, 1);
  assert.equal(receipts[2], null);
  const toMiner1 = net.calls.filter((c) => c.i === 1);
  assert.equal(toMiner1.length, 2);
  assert.equal(toMiner1[0].init.body, toMiner1[1].init.body);
  assert.equal(net.calls.filter((c) => c.i === 2).length, 1 + S.RETRIES);
});

test("a refusal is not retried, and a receipt naming another miner is not accepted", async () => {
  const net = fakeNetwork({ 0: ["400"], 1: ["forged"], 2: ["503", "ok"] });
  const receipts = await S.submit(config, values, { fetch: net.fetch });
  assert.equal(receipts[0], null);
  assert.equal(receipts[1], null);
  assert.equal(receipts[2].miner, 2);
  assert.equal(net.calls.filter((c) => c.i === 0).length, 1);
});

test("a figure the field cannot hold rejects before anything is sent", async () => {
  const net = fakeNetwork({});
  await assert.rejects(S.submit(config, { ...values, export_share: "37.55" }, { fetch: net.fetch }),
                       { message: "more decimal places than the field allows" });
  assert.equal(net.calls.length, 0);
});

test("a receipt whose digest is not of what was sent is not accepted", async () => {
  const net = fakeNetwork({ 1: ["altered"] });
  const receipts = await S.submit(config, values, { fetch: net.fetch });
  assert.equal(receipts[0].miner, 0);
  assert.equal(receipts[1], null);
  assert.equal(receipts[2].miner, 2);
});

test("the canonical JSON is Python's json.dumps with sorted keys and no spaces", () => {
  assert.equal(S.canonical({ values: { b: "2", a: "1" }, submitted: { a: "0" } }),
               '{"submitted":{"a":"0"},"values":{"a":"1","b":"2"}}');
});
