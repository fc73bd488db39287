/*
 * The browser's secret-sharing library (docs/api.md, section 2). No dependency.
 *
 * For each field: the member's figure is encoded as an element of the period's ring Z_2^k
 * (k = 32 or 64; a fixed-point figure multiplied by 10^scale; a negative one in two's
 * complement), then split into three additive shares, x = s0 + s1 + s2 (mod 2^k), s0 and s1
 * drawn from crypto.getRandomValues. The field's *submitted* flag (1, or 0 for an optional field
 * left empty, whose value is then 0) is split the same way. Share i goes to miner i only, with
 * the access token; the three requests run in parallel, each with a time limit and one
 * automatic retry of a lost answer (a miner answers the same body with the same token with the
 * same receipt). A receipt counts only when its digest is of exactly what was sent to that miner.
 * The plaintext never leaves this page.
 *
 *   ConsortiumSharing.submit(config, values, hooks) -> Promise<[receipt | null, x3]>
 *     config: the form page's JSON config (miners, token, form, period, ring_bits, fields);
 *     values: field code -> normalised decimal string ("1234", "-12.5") or null;
 *     hooks.onMiner(i, state, detail): "sending" | "retrying" | "stored" | "failed".
 *   ConsortiumSharing.encode(decimal, scale, bits) -> BigInt ring element
 *   ConsortiumSharing.split(x, bits, random?) -> [s0, s1, s2] (BigInt)
 *   ConsortiumSharing.decode(element, scale, bits) -> decimal string (for tests and the saved copy)
 * Shared test vectors: tests/vectors/sharing.json (also read by the Python tests).
 */
(function (root) {
  "use strict";

  var MINERS = 3;
  var TIMEOUT_MS = 20000; // one request to one miner; the miner's own token check is bounded too
  var RETRIES = 1; // a lost answer is asked again once, with the same body

  function ringSize(bits) {
    if (bits !== 32 && bits !== 64) throw new RangeError("the ring has 32 or 64 bits");
    return 1n << BigInt(bits);
  }

  // "12.5", scale 2 -> 1250n; exact, no floating point. Throws on anything else.
  function scaled(decimal, scale) {
    var match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(String(decimal));
    if (!match) throw new TypeError("not a decimal number");
    var frac = match[3] || "";
    if (frac.length > scale) throw new RangeError("more decimal places than the field allows");
    while (frac.length < scale) frac += "0";
    var value = BigInt(match[2] + frac);
    return match[1] === "-" ? -value : value;
  }

  function encode(decimal, scale, bits) {
    var size = ringSize(bits);
    var value = scaled(decimal, scale);
    if (value >= size / 2n || value < -(size / 2n)) throw new RangeError("outside the ring");
    return ((value % size) + size) % size;
  }

  function decode(element, scale, bits) {
    var size = ringSize(bits);
    var value = BigInt(element);
    if (value < 0n || value >= size) throw new RangeError("not a ring element");
    if (value >= size / 2n) value -= size;
    var negative = value < 0n;
    var digits = (negative ? -value : value).toString();
    if (scale > 0) {
      while (digits.length <= scale) digits = "0" + digits;
      digits = digits.slice(0, digits.length - scale) + "." + digits.slice(digits.length - scale);
    }
    return (negative ? "-" : "") + digits;
  }

  // A uniform element of Z_2^bits from the OS's CSPRNG.
  function randomElement(bits) {
    var words = root.crypto.getRandomValues(new Uint32Array(bits / 32));
    var x = 0n;
    for (var i = 0; i < words.length; i++) x = (x << 32n) | BigInt(words[i]);
    return x;
  }

  function split(x, bits, random) {
    var size = ringSize(bits);
    var draw = random || randomElement;
    var s0 = draw(bits) % size;
    var s1 = draw(bits) % size;
    var s2 = (((BigInt(x) - s0 - s1) % size) + size) % size;
    return [s0, s1, s2];
  }

  // The three request bodies: body i holds share i of every value and flag.
  function bodies(config, values, random) {
    var bits = config.ring_bits;
    var out = [];
    for (var i = 0; i < MINERS; i++) {
      out.push({ token: config.token, period: config.period, form: config.form, values: {}, submitted: {} });
    }
    config.fields.forEach(function (field) {
      var raw = values[field.code];
      var given = raw !== null && raw !== undefined && raw !== "";
      var x = given ? encode(raw, field.scale || 0, bits) : 0n;
      var valueShares = split(x, bits, random);
      var flagShares = split(given ? 1n : 0n, bits, random);
      for (var i = 0; i < MINERS; i++) {
        out[i].values[field.code] = valueShares[i].toString();
        out[i].submitted[field.code] = flagShares[i].toString();
      }
    });
    return out;
  }

  function isReceipt(answer, i, config) {
    return answer && answer.miner === i && answer.period === config.period &&
      typeof answer.submission_id === "string" && /^[0-9a-f]{64}$/.test(answer.digest || "") &&
      typeof answer.signature === "string";
  }

  // The canonical JSON of docs/api.md (sorted keys, no spaces), as Python's json.dumps writes it:
  // field codes and decimal strings are ASCII, so both sides give the same bytes.
  function canonical(value) {
    if (value !== null && typeof value === "object") {
      return "{" + Object.keys(value).sort().map(function (key) {
        return JSON.stringify(key) + ":" + canonical(value[key]);
      }).join(",") + "}";
    }
    return JSON.stringify(value);
  }

  // SHA-256 hex of what was sent: the receipt's digest must be of exactly that, or the miner stored
  // something else (the portal checks the signature only; only this page knows what was sent).
  function sentDigest(body) {
    var bytes = new TextEncoder().encode(canonical({ values: body.values, submitted: body.submitted }));
    return root.crypto.subtle.digest("SHA-256", bytes).then(function (hash) {
      return Array.from(new Uint8Array(hash)).map(function (b) { return b.toString(16).padStart(2, "0"); }).join("");
    });
  }

  // One POST with a time limit; resolves to {status, body} or rejects (network error, time-out).
  function post(url, body, fetchImpl) {
    var controller = typeof AbortController === "function" ? new AbortController() : null;
    var timer = controller ? setTimeout(function () { controller.abort(); }, TIMEOUT_MS) : null;
    return fetchImpl(url, {
      method: "POST",
      mode: "cors",
      credentials: "omit",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      signal: controller ? controller.signal : undefined,
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (json) {
        return { status: response.status, body: json };
      });
    }).finally(function () { if (timer) clearTimeout(timer); });
  }

  function sendTo(i, config, body, hooks, fetchImpl) {
    var miner = config.miners[i];
    var say = function (state, detail) { if (hooks && hooks.onMiner) hooks.onMiner(i, state, detail); };
    if (!miner || !miner.url) { say("failed", "not configured"); return Promise.resolve(null); }
    var url = miner.url.replace(/\/+$/, "") + "/api/shares";
    function attempt(left) {
      return post(url, body, fetchImpl).then(function (answer) {
        if (answer.status === 201 && isReceipt(answer.body, i, config)) {
          return sentDigest(body).then(function (digest) {
            if (digest === answer.body.digest) { say("stored"); return answer.body; }
            say("failed", "the receipt is not for what was sent");
            return null;
          });
        }
        // The miner is there but could not store now (its own check with the portal failed): once more.
        if (answer.status >= 500 && left > 0) { say("retrying"); return attempt(left - 1); }
        say("failed", "HTTP " + answer.status);
        return null;
      }, function () {
        // No answer (network error or time-out): it may have stored the shares; the retry gets the receipt.
        if (left > 0) { say("retrying"); return attempt(left - 1); }
        say("failed", "unreachable");
        return null;
      });
    }
    say("sending");
    return attempt(RETRIES);
  }

  function submit(config, values, hooks) {
    var fetchImpl = (hooks && hooks.fetch) || root.fetch.bind(root);
    var perMiner;
    try {
      perMiner = bodies(config, values);
    } catch (e) {
      return Promise.reject(e);
    }
    return Promise.all(perMiner.map(function (body, i) { return sendTo(i, config, body, hooks, fetchImpl); }));
  }

  root.ConsortiumSharing = {
    submit: submit, encode: encode, decode: decode, split: split, bodies: bodies, canonical: canonical,
    TIMEOUT_MS: TIMEOUT_MS, RETRIES: RETRIES,
  };
})(typeof window !== "undefined" ? window : globalThis);
