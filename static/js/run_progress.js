// Live progress of an analysis run: the websocket pushes each change; if it cannot connect
// (or drops), the page polls the status JSON every 2 seconds instead. When the run finishes,
// the page reloads once to show the result or the reason it failed.
(function () {
  "use strict";
  var root = document.getElementById("run");
  if (!root) { return; }
  var POLL_MS = 2000;
  var FINAL = { done: true, failed: true };
  var startedFinal = FINAL[root.dataset.state] === true;
  var pollTimer = null;
  var socket = null;
  var stopped = startedFinal;

  function badge(state, label) {
    var span = document.createElement("span");
    span.className = "badge " + (state === "done" ? "ok" : state === "failed" ? "bad" : "warn");
    span.textContent = label;
    return span;
  }

  function percent(fraction) {
    return Math.round(Math.max(0, Math.min(1, Number(fraction) || 0)) * 100);
  }

  function show(status) {
    document.getElementById("run-progress").value = status.progress;
    document.getElementById("run-percent").textContent = percent(status.progress);
    document.getElementById("run-state").replaceChildren(badge(status.state, status.state_label));
    status.miners.forEach(function (m) {
      var row = root.querySelector('tr[data-miner="' + m.miner + '"]');
      if (!row) { return; }
      row.querySelector(".miner-state").replaceChildren(badge(m.state, m.state_label));
      row.querySelector(".miner-step").textContent = (m.step || "—") + (m.error ? " (" + m.error + ")" : "");
      row.querySelector(".miner-progress").textContent = percent(m.progress) + " %";
    });
    if (status.finished) {
      stop();
      if (!startedFinal) { window.location.reload(); }
    }
  }

  function stop() {
    stopped = true;
    if (pollTimer) { clearTimeout(pollTimer); pollTimer = null; }
    if (socket) { socket.onclose = null; socket.close(); socket = null; }
  }

  function poll() {
    fetch(root.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (status) { if (status) { show(status); } })
      .catch(function () { /* the next poll tries again */ })
      .finally(function () { pollTimer = null; schedule(); });
  }

  function schedule() {
    if (stopped) { return; }
    if (pollTimer) { clearTimeout(pollTimer); }
    pollTimer = setTimeout(poll, POLL_MS);
  }

  function fallBackToPolling() {
    socket = null;
    if (!pollTimer) { schedule(); }
  }

  function connect() {
    if (!("WebSocket" in window)) { fallBackToPolling(); return; }
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    try {
      socket = new WebSocket(scheme + window.location.host + root.dataset.wsPath);
    } catch (e) {
      fallBackToPolling();
      return;
    }
    socket.onmessage = function (event) {
      try { show(JSON.parse(event.data)); } catch (e) { /* ignore a malformed message */ }
    };
    socket.onclose = fallBackToPolling;
  }

  if (!stopped) { connect(); }
})();
