/*
 * The form page's glue: read the figures, check them, hand them to the sharing library,
 * forward the three miners' receipts to the portal, show the result.
 *
 * The figures themselves never go to the portal: the value inputs have no name, the form
 * has no action, and this script sends only the receipts (docs/api.md, section 3).
 *
 * The sharing library (static/js/sharing.js, loaded before this script) is expected to define
 *   window.ConsortiumSharing.submit(config, values) -> Promise
 * where `config` is the page's JSON config (miners, token, form, period, ring_bits, fields with
 * lo/hi as decimal strings) and `values` maps each field code to the member's entry as a
 * normalised decimal string ("1234", "-12.5") or null when an optional field is left empty.
 * It encodes, splits into three additive shares, sends share i to miner i (docs/api.md, section 2)
 * and resolves to the receipts, either as an array or as {receipts: [...]}; a miner that failed
 * gives null (or is left out). Without the library, nothing is sent.
 */
(function () {
  "use strict";

  var configNode = document.getElementById("sharing-config");
  var form = document.getElementById("figures");
  if (!configNode || !form) return;
  var config = JSON.parse(configNode.textContent);
  var text = JSON.parse(document.getElementById("form-messages").textContent);
  var button = document.getElementById("submit-figures");
  var statusBox = document.getElementById("submit-status");

  function library() {
    var lib = window.ConsortiumSharing;
    return lib && typeof lib.submit === "function" ? lib : null;
  }

  // kind: "error" or "success" (the stylesheet's .messages classes), or nothing for progress.
  function say(message, kind, links) {
    statusBox.textContent = "";
    var list = document.createElement("ul");
    list.className = "messages";
    var p = document.createElement("li");
    if (kind) p.className = kind;
    p.textContent = message;
    list.appendChild(p);
    if (links && links.length) {
      var actions = document.createElement("div");
      actions.className = "actions";
      links.forEach(function (link) {
        var a = document.createElement("a");
        a.href = link.href;
        a.textContent = link.label;
        a.className = "btn secondary";
        actions.appendChild(a);
        actions.appendChild(document.createTextNode(" "));
      });
      p.appendChild(actions);
    }
    statusBox.appendChild(list);
  }

  function unavailable() {
    // The server already says so when the library is not installed; otherwise (it failed to load) say it here.
    if (!document.getElementById("sharing-unavailable-static")) {
      document.getElementById("sharing-unavailable").hidden = false;
    }
    button.disabled = true;
    button.hidden = true;
  }

  // "1 234,5" -> "1234.5"; null if it is not a number at all.
  function normalise(raw) {
    var s = raw.replace(/[\s\u00a0']/g, "").replace(",", ".");
    return /^[-+]?\d+(\.\d+)?$/.test(s) ? s.replace(/^\+/, "") : null;
  }

  // The scaled integer, as the miners will see it encoded, to check the range exactly.
  function scaled(decimal, scale) {
    var negative = decimal.charAt(0) === "-";
    var parts = decimal.replace("-", "").split(".");
    var frac = (parts[1] || "");
    if (frac.length > scale) return null;
    while (frac.length < scale) frac += "0";
    var value = BigInt(parts[0] + frac);
    return negative ? -value : value;
  }

  function check(field) {
    var input = document.getElementById("value-" + field.code);
    var raw = input.value.trim();
    if (raw === "") return field.required ? { error: text.required } : { value: null };
    var decimal = normalise(raw);
    if (decimal === null) return { error: text.number };
    var value = scaled(decimal, field.scale);
    if (value === null) return { error: text.decimals };
    if (value < BigInt(field.lo) || value > BigInt(field.hi)) return { error: text.range };
    return { value: decimal };
  }

  function readValues() {
    var values = {};
    var ok = true;
    config.fields.forEach(function (field) {
      var result = check(field);
      var errors = document.getElementById("error-" + field.code);
      var input = document.getElementById("value-" + field.code);
      errors.textContent = "";
      input.removeAttribute("aria-invalid");
      if (result.error) {
        ok = false;
        var li = document.createElement("li");
        li.textContent = result.error;
        errors.appendChild(li);
        input.setAttribute("aria-invalid", "true");
      } else {
        values[field.code] = result.value;
      }
    });
    return ok ? values : null;
  }

  function postReceipts(receipts) {
    return fetch(config.receipts_url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": config.csrf_token },
      body: JSON.stringify({ form: config.form, receipts: receipts }),
    }).then(function (response) {
      return response.json().catch(function () { return { complete: false }; });
    });
  }

  function finished(answer) {
    if (answer.complete) {
      var at = new Date(answer.submitted_at).toLocaleString(document.documentElement.lang || undefined);
      say(text.complete + " " + at, "success", [
        { href: config.feedback_url, label: text.feedback },
        { href: config.history_url, label: text.history },
      ]);
      form.querySelectorAll("input").forEach(function (input) { input.disabled = true; });
      return;
    }
    say(text.failed + " " + (answer.reason || ""), "error", [
      { href: window.location.pathname, label: text.retry },
      { href: config.history_url, label: text.history },
    ]);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var lib = library();
    if (!lib) { unavailable(); return; }
    var values = readValues();
    if (!values) { say(text.check, "error"); return; }
    button.disabled = true;
    say(text.sending);
    Promise.resolve()
      .then(function () { return lib.submit(config, values); })
      // A library that gives up still lets the portal record the failed attempt (no receipts).
      .catch(function () { return []; })
      .then(function (outcome) {
        var receipts = (Array.isArray(outcome) ? outcome : (outcome && outcome.receipts) || [])
          .filter(function (r) { return r; });
        say(text.confirming);
        return postReceipts(receipts);
      })
      .then(finished)
      .catch(function () {
        say(text.network, "error", [{ href: window.location.pathname, label: text.retry }]);
      });
  });

  if (!library()) unavailable();
})();
