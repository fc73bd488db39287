// Behaviour every page shares, here rather than in inline handlers, which the Content-Security-Policy
// (consortium/security_headers.py) forbids.
(function () {
  "use strict";

  // The language switch (and any select marked so) submits its form as soon as a choice is made.
  document.querySelectorAll("select[data-submit-on-change]").forEach(function (select) {
    select.addEventListener("change", function () {
      select.form.submit();
    });
  });
})();
