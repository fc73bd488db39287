// node --test tests/js/report.test.mjs
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const report = require("../../static/js/report.js");
const source = readFileSync(new URL("../../static/js/report.js", import.meta.url), "utf8");

test("position counts values below, equal and above", () => {
  const sorted = [1, 2, 2, 3, 10];
  assert.deepEqual(report.position(sorted, 2), { below: 1, equal: 2, above: 2, count: 5, percentile: 40 });
  assert.equal(report.position(sorted, 0).percentile, 0);
  assert.equal(report.position(sorted, 11).percentile, 100);
  assert.equal(report.position(sorted, 5).below, 4);
});

test("parseValue reads the ways people type numbers", () => {
  assert.equal(report.parseValue("12,5"), 12.5);
  assert.equal(report.parseValue("1 250"), 1250);
  assert.equal(report.parseValue("1,250"), 1250);
  assert.equal(report.parseValue("1,250.5"), 1250.5);
  assert.equal(report.parseValue("-3"), -3);
  assert.ok(Number.isNaN(report.parseValue("abc")));
  assert.ok(Number.isNaN(report.parseValue("")));
});

test("describe fills the translated messages", () => {
  const data = {
    indicators: { x: { values: [1, 2, 3, 4], decimals: 0 } },
    messages: { invalid: "bad", position: "%(below)s/%(count)s", percentile: "p=%(percentile)s" },
  };
  assert.equal(report.describe(data, "x", "3"), "2/4 p=63");
  assert.equal(report.describe(data, "x", "zz"), "bad");
  assert.equal(report.describe(data, "x", "  "), "");
});

test("the script never talks to the network", () => {
  for (const word of ["fetch", "XMLHttpRequest", "sendBeacon", "WebSocket", "EventSource", "submit", ".src", "location"]) {
    assert.ok(!source.includes(word), `report.js mentions ${word}`);
  }
});

const COPY_DATA = {
  period: "2026",
  indicators: {
    employees: { values: [3, 7, 12], decimals: 0 },
    export_share: { values: [10.5, 50.5], decimals: 1 },
    added_value_per_employee: { values: [1000, 2000], decimals: 2, of: ["added_value", "employees"] },
  },
  messages: { copy_loaded: "%(period)s: %(count)s", copy_other_period: "other %(period)s", copy_invalid: "bad" },
};

test("a saved copy fills each published indicator and the ratio of the member's own figures", () => {
  const copy = JSON.stringify({
    kind: "consortium-mpc saved copy", version: 1, period: { id: 4, name: "2026" }, form: "f",
    figures: { employees: "12", export_share: "50.5", added_value: "30000", profit: "-5", training_costs: null },
  });
  assert.deepEqual(report.figuresFromCopy(COPY_DATA, copy), {
    period: "2026", figures: { employees: "12", export_share: "50.5", added_value_per_employee: "2500" },
  });
});

test("anything else is not a saved copy", () => {
  for (const text of ["", "not json", "[]", JSON.stringify({ figures: { employees: "1" } })]) {
    assert.equal(report.figuresFromCopy(COPY_DATA, text), null);
  }
});
