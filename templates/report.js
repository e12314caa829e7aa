/* ram-audit report: client-side filtering and sorting of pre-rendered rows.
   Everything is readable without this script; it only toggles `hidden` and reorders nodes. */
(function () {
  "use strict";
  var form = document.getElementById("filters");
  var list = document.getElementById("check-list");
  if (!form || !list) { return; }
  form.hidden = false;

  var groups = Array.prototype.map.call(list.querySelectorAll("section.check"), function (section) {
    var rows = Array.prototype.map.call(section.querySelectorAll("tr.result"), function (tr) {
      return {
        el: tr,
        status: tr.dataset.status,
        severity: tr.dataset.severity,
        waived: tr.dataset.waived === "true",
        frameworks: " " + tr.dataset.frameworks + " ",
        text: tr.dataset.text,
        shown: true
      };
    });
    return { el: section, rows: rows, shown: true };
  });
  var total = groups.reduce(function (n, g) { return n + g.rows.length; }, 0);
  var countEl = document.getElementById("visible-count");
  var noMatch = document.getElementById("no-match");
  var textInput = document.getElementById("filter-text");

  function currentFilters() {
    var statuses = {};
    Array.prototype.forEach.call(form.querySelectorAll("input[name=status]"), function (box) {
      statuses[box.value] = box.checked;
    });
    return {
      statuses: statuses,
      severity: document.getElementById("filter-severity").value,
      framework: document.getElementById("filter-framework").value,
      hideWaived: document.getElementById("filter-hide-waived").checked,
      terms: textInput.value.toLowerCase().split(/\s+/).filter(Boolean)
    };
  }

  function matches(row, f) {
    if (!f.statuses[row.status]) { return false; }
    if (f.severity && row.severity !== f.severity) { return false; }
    if (f.framework && row.frameworks.indexOf(" " + f.framework + " ") < 0) { return false; }
    if (f.hideWaived && row.waived) { return false; }
    for (var i = 0; i < f.terms.length; i++) {
      if (row.text.indexOf(f.terms[i]) < 0) { return false; }
    }
    return true;
  }

  function applyFilters() {
    var f = currentFilters();
    var visible = 0, visibleGroups = 0;
    groups.forEach(function (group) {
      var any = false;
      group.rows.forEach(function (row) {
        var show = matches(row, f);
        if (show !== row.shown) { row.el.hidden = !show; row.shown = show; }
        if (show) { any = true; visible++; }
      });
      if (any !== group.shown) { group.el.hidden = !any; group.shown = any; }
      if (any) { visibleGroups++; }
    });
    countEl.textContent = visible === total
      ? total + " results in " + groups.length + " checks"
      : "showing " + visible + " of " + total + " results in " + visibleGroups + " checks";
    noMatch.hidden = visible !== 0;
  }

  var debounce = null;
  textInput.addEventListener("input", function () {
    clearTimeout(debounce);
    debounce = setTimeout(applyFilters, 150);
  });
  form.addEventListener("change", function (event) {
    if (event.target.id === "sort-checks") { sortChecks(event.target.value); } else { applyFilters(); }
  });
  form.addEventListener("submit", function (event) { event.preventDefault(); applyFilters(); });

  var checkKeys = {
    worst: function (el) { return [Number(el.dataset.worst)]; },
    severity: function (el) { return [-Number(el.dataset.severityRank), Number(el.dataset.worst)]; },
    failures: function (el) { return [-Number(el.dataset.failures), Number(el.dataset.worst)]; },
    id: function (el) { return [el.dataset.id]; }
  };

  function compareKeys(a, b) {
    for (var i = 0; i < a.length; i++) {
      if (a[i] < b[i]) { return -1; }
      if (a[i] > b[i]) { return 1; }
    }
    return 0;
  }

  function sortChecks(order) {
    var key = checkKeys[order] || checkKeys.worst;
    var sorted = groups.slice().sort(function (a, b) { return compareKeys(key(a.el), key(b.el)); });
    var fragment = document.createDocumentFragment();
    sorted.forEach(function (group) { fragment.appendChild(group.el); });
    list.appendChild(fragment);
  }

  var rowKeys = {
    status: function (tr) { return [Number(tr.dataset.statusRank), tr.dataset.resource.toLowerCase()]; },
    resource: function (tr) { return [tr.dataset.resource.toLowerCase()]; },
    message: function (tr) { return [tr.cells[2].textContent.trim().toLowerCase()]; }
  };

  list.addEventListener("click", function (event) {
    var button = event.target.closest("button.sort");
    if (!button) { return; }
    var table = button.closest("table");
    var body = table.tBodies[0];
    var dir = button.dataset.dir === "asc" ? "desc" : "asc";
    Array.prototype.forEach.call(table.querySelectorAll("button.sort"), function (b) {
      delete b.dataset.dir;
    });
    button.dataset.dir = dir;
    var key = rowKeys[button.dataset.key];
    var rows = Array.prototype.slice.call(body.rows);
    var sign = dir === "asc" ? 1 : -1;
    rows.sort(function (a, b) { return sign * compareKeys(key(a), key(b)); });
    var fragment = document.createDocumentFragment();
    rows.forEach(function (tr) { fragment.appendChild(tr); });
    body.appendChild(fragment);
  });

  window.addEventListener("beforeprint", function () {
    Array.prototype.forEach.call(document.querySelectorAll("details"), function (d) { d.open = true; });
  });
})();
