/* "Where would my value stand?": computed here, in the member's browser, from the published
 * sorted values embedded in the page. What the member types, or loads from the copy of its figures
 * saved after sending it, is never sent: this file makes no network request of any kind, and the
 * inputs are in no form. No dependencies. */
(function (root) {
  "use strict";

  /* A number typed by a person: "12,5", "1 250", "1,250.5" or "-3". NaN if it is not one. */
  function parseValue(text) {
    var s = String(text).trim().replace(/[\s\u00a0\u202f']/g, "");
    if (!s) return NaN;
    if (s.indexOf(",") >= 0 && s.indexOf(".") >= 0) s = s.replace(/,/g, "");  // 1,250.5
    else if (/^-?\d{1,3}(,\d{3})+$/.test(s)) s = s.replace(/,/g, "");          // 1,250
    else s = s.replace(",", ".");                                                // 12,5
    return /^-?(\d+\.?\d*|\.\d+)$/.test(s) ? Number(s) : NaN;
  }

  /* How many sorted values lie below, equal to and above x; percentile rank = (below + equal/2) / n. */
  function position(sorted, x) {
    var lo = 0, hi = sorted.length;
    while (lo < hi) { var m = (lo + hi) >> 1; if (sorted[m] < x) lo = m + 1; else hi = m; }
    var below = lo;
    hi = sorted.length;
    while (lo < hi) { var k = (lo + hi) >> 1; if (sorted[k] <= x) lo = k + 1; else hi = k; }
    var equal = lo - below, n = sorted.length;
    return { below: below, equal: equal, above: n - below - equal, count: n,
             percentile: n ? Math.round((below + equal / 2) / n * 100) : null };
  }

  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, name) { return String(values[name]); });
  }

  function describe(data, code, text) {
    var x = parseValue(text);
    if (text.trim() === "") return "";
    if (isNaN(x)) return data.messages.invalid;
    var p = position(data.indicators[code].values, x);
    return format(data.messages.position, p) + " " + format(data.messages.percentile, p);
  }

  /* The member's saved copy (made by the form page after a submission, read here from a local file):
   * indicator code -> the figure to put in its box, as text. A ratio's box gets the ratio of the member's
   * own two figures. null when the text is not such a copy. */
  function figuresFromCopy(data, textOfFile) {
    var copy;
    try { copy = JSON.parse(textOfFile); } catch (e) { return null; }
    if (!copy || copy.kind !== "consortium-mpc saved copy" || !copy.figures || typeof copy.figures !== "object") {
      return null;
    }
    var filled = {};
    Object.keys(data.indicators).forEach(function (code) {
      var parts = data.indicators[code].of;
      if (parts) {
        var num = parseValue(copy.figures[parts[0]] || ""), den = parseValue(copy.figures[parts[1]] || "");
        if (!isNaN(num) && !isNaN(den) && den !== 0) filled[code] = String(Math.round(num / den * 100) / 100);
      } else if (typeof copy.figures[code] === "string" && !isNaN(parseValue(copy.figures[code]))) {
        filled[code] = copy.figures[code];
      }
    });
    return { period: copy.period && copy.period.name, figures: filled };
  }

  function loadCopy(doc, data, textOfFile, result) {
    var loaded = figuresFromCopy(data, textOfFile);
    if (!loaded) { result.textContent = data.messages.copy_invalid; return; }
    var count = 0;
    Object.keys(loaded.figures).forEach(function (code) {
      var input = doc.getElementById("myvalue-" + code);
      if (!input) return;
      input.value = loaded.figures[code];
      input.dispatchEvent(new Event("input"));
      count += 1;
    });
    var said = format(data.messages.copy_loaded, { period: loaded.period || "?", count: count });
    if (loaded.period && loaded.period !== data.period) {
      said += " " + format(data.messages.copy_other_period, { period: loaded.period });
    }
    result.textContent = said;
  }

  /* The file never leaves the browser: FileReader reads it here, and nothing is sent. */
  function attachCopy(doc, data) {
    var file = doc.getElementById("saved-copy-file"), result = doc.getElementById("saved-copy-result");
    if (!file || !result) return;
    file.addEventListener("change", function () {
      if (!file.files || !file.files[0]) return;
      var reader = new FileReader();
      reader.onload = function () { loadCopy(doc, data, String(reader.result), result); };
      reader.onerror = function () { result.textContent = data.messages.copy_unreadable; };
      reader.readAsText(file.files[0]);
    });
  }

  function attach(doc) {
    var script = doc.getElementById("report-data");
    if (!script) return;
    var data = JSON.parse(script.textContent);
    var boxes = doc.querySelectorAll(".report-myvalue[data-indicator]");
    Array.prototype.forEach.call(boxes, function (box) {
      var code = box.getAttribute("data-indicator");
      var input = box.querySelector("input"), output = box.querySelector("output");
      if (!input || !output || !data.indicators[code]) return;
      input.addEventListener("input", function () { output.textContent = describe(data, code, input.value); });
      input.addEventListener("keydown", function (e) { if (e.key === "Enter") e.preventDefault(); });
    });
    attachCopy(doc, data);
  }

  var api = { parseValue: parseValue, position: position, format: format, describe: describe, attach: attach,
              figuresFromCopy: figuresFromCopy, loadCopy: loadCopy };
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  else if (root.document) {
    if (root.document.readyState === "loading") {
      root.document.addEventListener("DOMContentLoaded", function () { attach(root.document); });
    } else attach(root.document);
  }
})(typeof window !== "undefined" ? window : this);
