/*
 * The form page's glue: check the figures (each as the member leaves it, all again on submit), hand
 * them to the sharing library, show each miner's progress, forward the three receipts to the portal,
 * show the result, and after success offer a copy of the figures as a file made here.
 *
 * The figures themselves never go to the portal: the value inputs have no name, the form has no
 * action, and this script sends only the receipts (docs/api.md, section 3). The saved copy is a Blob
 * in this page: a download, never an upload.
 *
 * The sharing library (static/js/sharing.js, loaded before this script) defines
 *   window.ConsortiumSharing.submit(config, values, hooks) -> Promise<[receipt | null, x3]>
 * with hooks.onMiner(i, state, detail), state "sending" | "retrying" | "stored" | "failed".
 * Without the library (not installed, or refused by the browser), nothing is sent.
 *
 * The form's data-state says where the member is: empty, editing, error, sending, confirming,
 * submitted, failed (the stylesheet and the browser tests read it).
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
  var MINER_BADGE = { sending: "warn", retrying: "warn", stored: "ok", failed: "bad" };

  function library() {
    var lib = window.ConsortiumSharing;
    return lib && typeof lib.submit === "function" ? lib : null;
  }

  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, name) { return String(values[name]); });
  }

  function el(tag, className, content) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (content !== undefined) node.textContent = content;
    return node;
  }

  function setState(state) { form.setAttribute("data-state", state); }

  function inputOf(field) { return document.getElementById("value-" + field.code); }

  // --- checking ----------------------------------------------------------------------------------

  // "1 234,5" -> "1234.5"; null if it is not a number at all.
  function normalise(raw) {
    var s = raw.replace(/[\s\u00a0\u202f']/g, "").replace(",", ".");
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

  // "1250", scale 1 -> "125.0": a range's bound as the member types figures (exact, no floating point).
  function unscaled(scaledValue, scale) {
    var s = String(scaledValue), sign = s.charAt(0) === "-" ? "-" : "";
    var digits = s.replace("-", "");
    if (!scale) return sign + digits;
    while (digits.length <= scale) digits = "0" + digits;
    return sign + digits.slice(0, -scale) + "." + digits.slice(-scale);
  }

  function check(field) {
    var raw = inputOf(field).value.trim();
    if (raw === "") return field.required ? { error: text.required } : { value: null };
    var decimal = normalise(raw);
    if (decimal === null) return { error: text.number };
    var value = scaled(decimal, field.scale);
    // "1,000" or "1,250,000": an English thousands separator, not a decimal comma
    if (value === null && /^-?\d{1,3}(,\d{3})+$/.test(raw)) return { error: text.thousands };
    if (value === null) return { error: field.scale ? text.decimals : text.whole };
    if (value < BigInt(field.lo) || value > BigInt(field.hi)) {
      return { error: format(text.range, { lo: unscaled(field.lo, field.scale), hi: unscaled(field.hi, field.scale) }) };
    }
    return { value: decimal };
  }

  function showResult(field, result) {
    var errors = document.getElementById("error-" + field.code);
    var input = inputOf(field);
    var message = result.error || "";
    // Rewrite only on a change: the list is a live region, and the same sentence again is noise.
    if (errors.textContent !== message) {
      errors.textContent = "";
      if (message) errors.appendChild(el("li", "", message));
    }
    if (message) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
    input.closest(".field").classList.toggle("has-error", Boolean(message));
  }

  function readValues() {
    var values = {};
    var invalid = [];
    config.fields.forEach(function (field) {
      var result = check(field);
      showResult(field, result);
      if (result.error) invalid.push(field);
      else values[field.code] = result.value;
    });
    return { values: values, invalid: invalid };
  }

  function watchFields() {
    config.fields.forEach(function (field) {
      var input = inputOf(field);
      var touched = false;
      input.addEventListener("input", function () {
        touched = true;
        if (form.getAttribute("data-state") === "empty") setState("editing");
        // While typing, an error already shown goes away once the entry is right; none is added.
        if (input.getAttribute("aria-invalid") && !check(field).error) showResult(field, { value: null });
      });
      // As the member leaves a field: "50,5" employees is an error at once. Tabbing past an untouched
      // empty field says nothing; the submit says what is missing.
      input.addEventListener("blur", function () {
        if (!touched && input.value.trim() === "") return;
        showResult(field, check(field));
      });
    });
  }

  // --- the status panel ----------------------------------------------------------------------------

  // A fresh panel: a title (focusable, so that focus can be moved to it) with a badge, and a note.
  function panel(kind, badge, title, note) {
    statusBox.textContent = "";
    var box = el("div", "submit-panel " + kind);
    // A failure is announced at once; progress and success politely (the status box's aria-live).
    if (kind === "failed" || kind === "error") box.setAttribute("role", "alert");
    var heading = el("p", "submit-title");
    heading.tabIndex = -1;
    if (badge) {
      heading.appendChild(el("span", "badge " + ({ submitted: "ok", failed: "bad", error: "bad" }[kind] || "warn"),
                             badge));
      heading.appendChild(document.createTextNode(" "));
    }
    heading.appendChild(el("span", "", title));
    box.appendChild(heading);
    if (note) box.appendChild(el("p", "submit-note", note));
    statusBox.appendChild(box);
    return box;
  }

  function minerList(box) {
    var list = el("ol", "miner-steps");
    list.setAttribute("aria-label", text.miners);
    config.miners.forEach(function (_, i) {
      var item = el("li");
      item.setAttribute("data-miner", String(i));
      item.appendChild(el("span", "miner-name", format(text.miner, { n: i + 1 })));
      item.appendChild(el("span", "badge warn miner-badge", text.waiting));
      item.appendChild(el("span", "miner-note muted", ""));
      list.appendChild(item);
    });
    box.appendChild(list);
    return list;
  }

  function minerDetail(state, detail) {
    if (state !== "failed") return text["miner_" + state + "_note"] || "";
    return detail === "unreachable" ? text.miner_unreachable : text.miner_refused;
  }

  function showMiner(list, i, state, detail) {
    var item = list.querySelector('li[data-miner="' + i + '"]');
    if (!item) return;
    item.setAttribute("data-state", state);
    var badge = item.querySelector(".miner-badge");
    badge.className = "badge miner-badge " + (MINER_BADGE[state] || "warn");
    badge.textContent = text["miner_" + state] || state;
    item.querySelector(".miner-note").textContent = minerDetail(state, detail);
  }

  function actions(box, links) {
    var row = el("div", "actions");
    links.forEach(function (link) { row.appendChild(link); row.appendChild(document.createTextNode(" ")); });
    box.appendChild(row);
  }

  function link(href, label, kind) {
    var a = el("a", "btn" + (kind ? " " + kind : ""), label);
    a.href = href;
    return a;
  }

  // A new form is a POST with the page's CSRF token (as the "Start a new submission" button).
  function restartButton() {
    var again = el("form", "inline");
    again.method = "post";
    again.action = window.location.pathname;
    var csrf = el("input");
    csrf.type = "hidden";
    csrf.name = "csrfmiddlewaretoken";
    csrf.value = config.csrf_token;
    again.appendChild(csrf);
    var go = el("button", "btn", text.retry);
    go.type = "submit";
    again.appendChild(go);
    return again;
  }

  // --- the saved copy ------------------------------------------------------------------------------

  function savedCopy(values, answer) {
    var figures = {};
    config.fields.forEach(function (field) {
      figures[field.code] = values[field.code] === undefined ? null : values[field.code];
    });
    return {
      kind: "consortium-mpc saved copy",
      version: 1,
      period: { id: config.period, name: config.period_name },
      form: config.form,
      submitted_at: answer.submitted_at,
      submitted_at_display: answer.submitted_at_display || answer.submitted_at,
      figures: figures,
    };
  }

  function copyFileName() {
    var name = String(config.period_name || config.period).replace(/[^A-Za-z0-9]+/g, "-").replace(/^-|-$/g, "");
    return "my-figures-" + (name || "period") + ".json";
  }

  function saveLink(values, answer) {
    var blob = new Blob([JSON.stringify(savedCopy(values, answer), null, 2) + "\n"], { type: "application/json" });
    var a = link(URL.createObjectURL(blob), text.save_copy, "secondary");
    a.id = "save-copy";
    a.download = copyFileName();
    return a;
  }

  // --- the steps -----------------------------------------------------------------------------------

  function lock(how) {
    form.querySelectorAll("input[data-code]").forEach(function (input) {
      input.readOnly = how === "readonly";
      input.disabled = how === "disabled";
    });
    button.disabled = true;
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

  function submitted(values, answer) {
    setState("submitted");
    lock("disabled");
    button.hidden = true;
    var box = panel("submitted", text.submitted_badge,
                    format(text.complete, { time: answer.submitted_at_display || answer.submitted_at }),
                    text.complete_note);
    box.appendChild(el("p", "submit-note", text.save_copy_help));
    actions(box, [saveLink(values, answer), link(config.feedback_url, text.feedback, "secondary"),
                  link(config.history_url, text.history, "secondary")]);
    box.querySelector(".submit-title").focus();
  }

  function failed(reason, list) {
    setState("failed");
    button.hidden = true;
    var box = panel("failed", text.failed_badge, text.failed, reason || "");
    if (list) box.appendChild(list);  // which miner failed stays in view
    box.appendChild(el("p", "submit-todo", text.failed_todo));
    actions(box, [restartButton(), link(config.history_url, text.history, "secondary")]);
    box.querySelector(".submit-title").focus();
  }

  function send(lib, values) {
    setState("sending");
    lock("readonly");
    var box = panel("sending", text.sending_badge, text.sending, text.sending_note);
    var list = minerList(box);
    var hooks = { onMiner: function (i, state, detail) { showMiner(list, i, state, detail); } };
    Promise.resolve()
      .then(function () { return lib.submit(config, values, hooks); })
      // A library that gives up still lets the portal record the failed attempt (no receipts).
      .catch(function () { return []; })
      .then(function (outcome) {
        var receipts = (Array.isArray(outcome) ? outcome : (outcome && outcome.receipts) || [])
          .filter(function (r) { return r; });
        setState("confirming");
        var title = statusBox.querySelector(".submit-title span:last-child");
        title.textContent = text.confirming;
        var note = statusBox.querySelector(".submit-note");
        if (note) note.textContent = text.confirming_note;
        return postReceipts(receipts).then(function (answer) {
          if (answer.complete) submitted(values, answer);
          else failed(answer.reason, list);
        }, function () { failed(text.network, list); });
      });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (form.getAttribute("data-state") !== "editing" && form.getAttribute("data-state") !== "error" &&
        form.getAttribute("data-state") !== "empty") return;  // one submission per form
    var lib = library();
    if (!lib) { unavailable(); return; }
    setState("checking");
    panel("checking", "", text.checking);
    var read = readValues();
    if (read.invalid.length) {
      setState("error");
      panel("error", text.error_badge, format(text.check, { count: read.invalid.length }));
      inputOf(read.invalid[0]).focus();
      return;
    }
    send(lib, read.values);
  });

  function unavailable() {
    // The server already says so when the library is not installed; otherwise (it failed to load, or the
    // browser refused it) say it here.
    if (!document.getElementById("sharing-unavailable-static")) {
      document.getElementById("sharing-unavailable").hidden = false;
    }
    setState("unavailable");
    button.disabled = true;
    button.hidden = true;
  }

  watchFields();
  setState("empty");
  if (!library()) unavailable();
})();
