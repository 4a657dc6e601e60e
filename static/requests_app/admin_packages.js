/* The request's admin page: while a package is queued or building, poll the staff-only JSON
   view (data-status-url) and update each package's state, progress bar, size, expiry and
   error. Loaded as a file, never inline, so a Content-Security-Policy without
   'unsafe-inline' allows it. */
(function () {
  "use strict";
  var section = document.getElementById("packages");
  if (!section) { return; }
  var url = section.getAttribute("data-status-url");
  var BUSY = ["queued", "building"];
  var INTERVAL = 1500;

  function setText(row, selector, text) {
    var el = row.querySelector(selector);
    if (el) { el.textContent = text; }
  }

  function update(packages) {
    var busy = false;
    packages.forEach(function (p) {
      var row = section.querySelector('tr[data-package="' + p.id + '"]');
      if (!row) { return; }
      row.setAttribute("data-state", p.state);
      setText(row, ".package-state", p.state_label);
      var bar = row.querySelector(".package-progress");
      if (bar) { bar.value = p.progress; bar.textContent = p.progress + " %"; }
      setText(row, ".package-percent", p.progress + " %");
      setText(row, ".package-size", p.size_label || "–");
      setText(row, ".package-expires", p.expires || "–");
      var errorRow = section.querySelector('tr[data-package-error="' + p.id + '"]');
      if (errorRow) {
        setText(errorRow, ".package-error-text", p.error);
        errorRow.hidden = !p.error;
      }
      if (BUSY.indexOf(p.state) !== -1) { busy = true; }
    });
    return busy;
  }

  function poll() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (data) {
        if (update(data.packages)) { window.setTimeout(poll, INTERVAL); }
        else { section.removeAttribute("data-polling"); }
      })
      .catch(function () { window.setTimeout(poll, INTERVAL * 10); });
  }

  if (section.getAttribute("data-polling") === "true") { window.setTimeout(poll, INTERVAL); }
}());
