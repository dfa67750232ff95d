// While a request runs, poll its progress (from the store's system_runs) and update the
// systems table in place; reload once the run has finished so the page shows the outcome.
(function () {
  "use strict";
  var table = document.getElementById("systems");
  if (!table) { return; }
  var id = table.getAttribute("data-request");
  var wasRunning = table.getAttribute("data-running") === "yes";
  var status = document.getElementById("run-status");

  function update(data) {
    data.systems.forEach(function (s) {
      var row = table.querySelector('tr[data-system="' + s.id + '"]');
      if (!row) { return; }
      row.className = "sys-" + s.status;
      row.querySelector(".label").textContent = s.label;
      row.querySelector(".records").textContent = String(s.records);
      row.querySelector(".held").textContent = String(s.held);
      var excluded = row.querySelector(".excluded");
      if (excluded) { excluded.textContent = String(s.excluded || 0); }
    });
    var state = document.getElementById("state");
    if (state) { state.textContent = data.state; }
    if (data.running) {
      wasRunning = true;
      var done = data.systems.filter(function (s) { return s.status === "complete" || s.status === "nothing_found" || s.status === "failed"; }).length;
      status.textContent = "Søker … " + done + " av " + data.systems.length + " systemer ferdig.";
    } else if (wasRunning) {
      window.location.reload();
      return false;
    }
    return true;
  }

  function poll() {
    fetch("/requests/" + encodeURIComponent(id) + "/progress.json", { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (data && update(data) === false) { return; }
        if (data && (data.running || wasRunning)) { window.setTimeout(poll, 1000); }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  if (wasRunning) { poll(); }
})();
