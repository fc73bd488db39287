/* "Where would my value stand?": computed here, in the member's browser, from the published
 * sorted values embedded in the page. What the member types is never sent: this file makes no
 * network request of any kind, and the input is in no form. No dependencies. */
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
  }

  var api = { parseValue: parseValue, position: position, format: format, describe: describe, attach: attach };
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  else if (root.document) {
    if (root.document.readyState === "loading") {
      root.document.addEventListener("DOMContentLoaded", function () { attach(root.document); });
    } else attach(root.document);
  }
})(typeof window !== "undefined" ? window : this);
