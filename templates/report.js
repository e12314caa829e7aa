/* ram-audit report: filters, search, sorting and paging over the results.
   Without this script the page still shows the summary, the top risks and the first
   failures of each check (with a count of the rest).
   Rows come from two places, each result from exactly one: the first failing rows of each
   check (and the passes of small checks) are in the HTML; the other failing rows and the
   passes of large checks are in the JSON of #report-data and are built here, with
   textContent only, when they are to be shown. */
(function () {
  "use strict";
  var form = document.getElementById("filters");
  var list = document.getElementById("check-list");
  if (!form || !list) { return; }
  var dataEl = document.getElementById("report-data");
  var data = dataEl ? JSON.parse(dataEl.textContent) : null;
  if (!data || !data.checks) { data = { statuses: [], types: [], resources: [], messages: [], waivers: [], checks: {} }; }

  var STATUSES = ["FAIL", "ERROR", "UNKNOWN", "PASS", "NOT_APPLICABLE"];
  var RANK = { FAIL: 0, ERROR: 1, UNKNOWN: 2, PASS: 3, NOT_APPLICABLE: 4 };
  var PASSLIKE = { PASS: true, NOT_APPLICABLE: true };
  var SEVERITY_RANK = { critical: 4, high: 3, medium: 2, low: 1, info: 0 };
  var DEFAULT_STATUSES = "FAIL,ERROR,UNKNOWN";
  var PAGE = 50, MORE = 200;

  function each(nodes, fn) { Array.prototype.forEach.call(nodes, fn); }
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }
  function fmt(n) { return n.toLocaleString("en-US"); }

  /* ---- records: one per result ---- */
  function domRecord(tr) {
    var cls = tr.className.match(/\bst-([a-z_]+)/);
    return { el: tr, row: null, status: cls ? cls[1].toUpperCase() : "FAIL",
             waived: tr.classList.contains("is-waived"), text: null, name: null, msg: null };
  }
  function dataRecord(row) {
    var extra = row[3] || {};
    return { el: null, row: row, extra: extra, uid: extra.u || null,
             status: data.statuses[row[0]], waived: extra.w !== undefined,
             text: null, name: null, msg: null };
  }
  function recText(rec) {
    if (rec.text === null) {
      if (rec.el) { rec.text = rec.el.textContent.toLowerCase(); } else {
        var res = data.resources[rec.row[1]];
        rec.text = (rec.status + badgeText(rec.extra) + " " + data.types[res[0]] + " " +
                    res[1] + " " + res[2] + " " + data.messages[rec.row[2]] +
                    waiverText(rec.extra)).toLowerCase();
      }
    }
    return rec.text;
  }
  function waiverText(extra) {
    if (extra.w === undefined) { return ""; }
    var w = data.waivers[extra.w];
    return " waived by " + w[0] + " until " + w[1] + ": " + w[2];
  }
  function badgeText(extra) {
    var badge = extra.l || extra.c;
    return (badge ? " " + badge : "") + (extra.a !== undefined ? " " + extra.a + "\u00a0d" : "");
  }
  function recName(rec) {
    if (rec.name === null) {
      if (rec.el) {
        var strong = rec.el.cells[1].querySelector("strong");
        rec.name = (strong || rec.el.cells[1]).textContent.toLowerCase();
      } else {
        var res = data.resources[rec.row[1]];
        rec.name = (res[2] || res[1]).toLowerCase();
      }
    }
    return rec.name;
  }
  function recMessage(rec) {
    if (rec.msg === null) {
      rec.msg = (rec.el ? rec.el.cells[2].textContent : data.messages[rec.row[2]]).trim().toLowerCase();
    }
    return rec.msg;
  }
  /* The same markup as the template's result_rows macro. */
  function buildRow(group, rec) {
    var row = rec.row, extra = rec.extra, res = data.resources[row[1]];
    var tr = el("tr", "st-" + rec.status.toLowerCase() + (rec.waived ? " is-waived" : ""));
    if (rec.uid) { tr.id = "r-" + rec.uid; }
    var status = el("td", "s", rec.status === "NOT_APPLICABLE" ? "N/A" : rec.status);
    if (extra.l || extra.c) {
      status.appendChild(document.createTextNode(" "));
      status.appendChild(el("span", "badge " + (extra.l ? "life-" + extra.l : "change-" + extra.c), extra.l || extra.c));
    }
    if (extra.a !== undefined) {
      var age = el("span", "age", extra.a + "\u00a0d");
      age.title = "open for " + extra.a + " day(s)";
      status.appendChild(document.createTextNode(" "));
      status.appendChild(age);
    }
    tr.appendChild(status);
    var cell = el("td", "res");
    if (!group.type) { cell.appendChild(el("span", "res-type", data.types[res[0]])); cell.appendChild(document.createTextNode(" ")); }
    if (res[2]) { cell.appendChild(el("strong", "", res[2])); cell.appendChild(document.createTextNode(" ")); }
    cell.appendChild(el("code", "", res[1]));
    tr.appendChild(cell);
    var msg = el("td", "msg", data.messages[row[2]]);
    if (extra.w !== undefined) {
      var w = data.waivers[extra.w], box = el("div", "waiver");
      box.appendChild(el("span", "badge waived", "waived"));
      box.appendChild(document.createTextNode(" by "));
      box.appendChild(el("strong", "", w[0]));
      box.appendChild(document.createTextNode(" until " + w[1] + ": " + w[2]));
      msg.appendChild(box);
    }
    tr.appendChild(msg);
    return tr;
  }
  function rowElement(group, rec) {
    if (!rec.el) { rec.el = buildRow(group, rec); }
    return rec.el;
  }

  function lane(table, moreWrap) {
    return { table: table, tbody: table.tBodies[0], moreWrap: moreWrap,
             moreButton: moreWrap.querySelector("button"), recs: [], limit: PAGE };
  }

  /* ---- groups: one per check section ---- */
  var groups = Array.prototype.map.call(list.querySelectorAll("section.check"), function (section, index) {
    /* Page order: failing rows (the HTML's first, then the data's), then the passes. */
    var failing = [], passing = [];
    function add(rec) { (PASSLIKE[rec.status] ? passing : failing).push(rec); }
    each(section.querySelectorAll("tr[id]"), function (tr) { add(domRecord(tr)); });
    (data.checks[section.dataset.id] || []).forEach(function (row) { add(dataRecord(row)); });
    var recs = failing.concat(passing);
    var table = section.querySelector("table.results");
    var passes = section.querySelector(".passes");
    var group = {
      el: section, index: index, id: section.dataset.id, type: section.dataset.type,
      severity: Number(section.dataset.severityRank),
      frameworks: " " + section.dataset.frameworks + " ",
      text: (section.dataset.id + " " + section.querySelector("h3").textContent).toLowerCase(),
      recs: recs, table: table,
      /* Two lanes, each paged: the failing rows, then (below the pass count) the passes. */
      fail: lane(table, section.querySelector(".more-wrap")),
      pass: null,
      passLine: passes, passButton: passes ? passes.querySelector("button.show-passes") : null,
      passCount: passes ? passes.querySelector(".pass-count") : null,
      showPasses: false, visible: true
    };
    if (passes) {
      var passTable = el("table", "results pass-table");
      passTable.appendChild(table.querySelector("colgroup").cloneNode(true));
      passTable.appendChild(el("tbody"));
      var passMore = el("div", "more-wrap");
      var passButton = el("button", "more");
      passButton.type = "button";
      passMore.appendChild(passButton);
      passes.appendChild(passTable);
      passes.appendChild(passMore);
      group.pass = lane(passTable, passMore);
      group.passButton.hidden = false;
    }
    return group;
  });
  each(document.querySelectorAll(".nojs"), function (node) { node.remove(); });
  var total = groups.reduce(function (n, g) { return n + g.recs.length; }, 0);
  var countEl = document.getElementById("visible-count");
  var noMatch = document.getElementById("no-match");
  var textInput = document.getElementById("filter-text");
  var severitySelect = document.getElementById("filter-severity");
  var frameworkSelect = document.getElementById("filter-framework");
  var hideWaived = document.getElementById("filter-hide-waived");
  var orderSelect = document.getElementById("sort-checks");
  var statusBoxes = form.querySelectorAll("input[name=status]");

  /* ---- filter state <-> URL query ---- */
  function readState() {
    var statuses = [];
    each(statusBoxes, function (box) { if (box.checked) { statuses.push(box.value); } });
    return {
      status: statuses.join(","), severity: severitySelect.value, framework: frameworkSelect.value,
      waived: hideWaived.checked ? "hide" : "", q: textInput.value, order: orderSelect.value
    };
  }
  function writeUrl(state) {
    var params = new URLSearchParams();
    if (state.status !== DEFAULT_STATUSES) { params.set("status", state.status); }
    ["severity", "framework", "waived", "q"].forEach(function (key) { if (state[key]) { params.set(key, state[key]); } });
    if (state.order !== "worst") { params.set("order", state.order); }
    var query = params.toString();
    try { history.replaceState(null, "", (query ? "?" + query : location.pathname) + location.hash); } catch (e) { /* file: URLs in some browsers */ }
  }
  function restoreFromUrl() {
    var params = new URLSearchParams(location.search);
    if (params.has("status")) {
      var wanted = params.get("status").split(",");
      each(statusBoxes, function (box) { box.checked = wanted.indexOf(box.value) >= 0; });
    }
    function select(node, value) {
      if (value !== null && Array.prototype.some.call(node.options, function (o) { return o.value === value; })) { node.value = value; }
    }
    select(severitySelect, params.get("severity"));
    select(frameworkSelect, params.get("framework"));
    select(orderSelect, params.get("order"));
    hideWaived.checked = params.get("waived") === "hide";
    textInput.value = params.get("q") || "";
  }

  /* ---- filtering and rendering ---- */
  function currentFilters() {
    var statuses = {};
    each(statusBoxes, function (box) { statuses[box.value] = box.checked; });
    var severity = severitySelect.value;
    return {
      statuses: statuses,
      minSeverity: severity ? SEVERITY_RANK[severity] : -1,
      exactSeverity: severity === "info",
      framework: frameworkSelect.value,
      hideWaived: hideWaived.checked,
      terms: textInput.value.toLowerCase().split(/\s+/).filter(Boolean)
    };
  }
  function groupRelevant(group, f) {
    if (f.exactSeverity ? group.severity !== 0 : group.severity < f.minSeverity) { return false; }
    if (f.framework && group.frameworks.indexOf(" " + f.framework + " ") < 0) { return false; }
    return true;
  }
  function rowMatches(rec, terms, f) {
    if (f.hideWaived && rec.waived) { return false; }
    if (terms.length) {
      var text = recText(rec);
      for (var i = 0; i < terms.length; i++) { if (text.indexOf(terms[i]) < 0) { return false; } }
    }
    return true;
  }
  function renderLane(group, lane) {
    var shown = lane.recs.slice(0, lane.limit);
    var tbody = lane.tbody, i, same = tbody.rows.length === shown.length;
    for (i = 0; same && i < shown.length; i++) { same = tbody.rows[i] === shown[i].el; }
    if (!same) {
      var fragment = document.createDocumentFragment();
      shown.forEach(function (rec) { fragment.appendChild(rowElement(group, rec)); });
      tbody.textContent = "";
      tbody.appendChild(fragment);
    }
    lane.table.hidden = shown.length === 0;
    var rest = lane.recs.length - shown.length;
    lane.moreWrap.hidden = rest <= 0;
    if (rest > 0) { lane.moreButton.textContent = "Show " + fmt(Math.min(rest, MORE)) + " more (" + fmt(rest) + " not shown)"; }
  }
  function lanes(group) { return group.pass ? [group.fail, group.pass] : [group.fail]; }
  function renderGroup(group) { lanes(group).forEach(function (l) { renderLane(group, l); }); }
  function applyFilters() {
    var f = currentFilters();
    var visible = 0, visibleGroups = 0;
    groups.forEach(function (group) {
      var relevant = groupRelevant(group, f);
      var terms = f.terms.filter(function (t) { return group.text.indexOf(t) < 0; });
      var shown = [], shownPasses = [], passes = { PASS: 0, NOT_APPLICABLE: 0 }, hiddenPasses = 0;
      if (relevant) {
        group.recs.forEach(function (rec) {
          if (!rowMatches(rec, terms, f)) { return; }
          var passLike = PASSLIKE[rec.status] === true;
          if (passLike) { passes[rec.status]++; }
          if (!f.statuses[rec.status] && !(passLike && group.showPasses)) {
            if (passLike) { hiddenPasses++; }
            return;
          }
          (passLike && group.pass ? shownPasses : shown).push(rec);
        });
      }
      /* Narrowed by search or "hide waived", a check stays only if some row is left;
         otherwise it stays with its counts even when the status filter hides its rows. */
      var narrowed = terms.length > 0 || f.hideWaived;
      var any = relevant && (shown.length + shownPasses.length > 0 || hiddenPasses > 0 || !narrowed);
      group.fail.recs = shown;
      if (group.pass) { group.pass.recs = shownPasses; }
      renderGroup(group);
      if (group.passLine) {
        var passTotal = passes.PASS + passes.NOT_APPLICABLE;
        group.passLine.hidden = passTotal === 0;
        group.passCount.textContent = "✓ " + fmt(passes.PASS) + " passed" +
          (passes.NOT_APPLICABLE ? " · " + fmt(passes.NOT_APPLICABLE) + " not applicable" : "");
        group.passButton.hidden = hiddenPasses === 0 && !group.showPasses;
        group.passButton.textContent = group.showPasses ? "Hide" : "Show";
        group.passButton.setAttribute("aria-expanded", String(group.showPasses));
      }
      if (any !== group.visible) { group.el.hidden = !any; group.visible = any; }
      if (any) { visibleGroups++; visible += shown.length + shownPasses.length; }
    });
    countEl.textContent = visible === total
      ? fmt(total) + " results in " + groups.length + " checks"
      : "showing " + visible + " of " + total + " results in " + visibleGroups + " checks";
    noMatch.hidden = visibleGroups !== 0;
    writeUrl(readState());
  }

  /* ---- check order ---- */
  var checkKeys = {
    worst: function (g) { return [g.index]; },
    severity: function (g) { return [-g.severity, g.index]; },
    failures: function (g) { return [-Number(g.el.dataset.failures), g.index]; },
    id: function (g) { return [g.id]; }
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
    var sorted = groups.slice().sort(function (a, b) { return compareKeys(key(a), key(b)); });
    var fragment = document.createDocumentFragment();
    sorted.forEach(function (group) { fragment.appendChild(group.el); });
    list.appendChild(fragment);
  }

  /* ---- row order within a check ---- */
  var rowKeys = {
    status: function (rec) { return [RANK[rec.status], rec.waived ? 1 : 0, recName(rec)]; },
    resource: function (rec) { return [recName(rec)]; },
    message: function (rec) { return [recMessage(rec)]; }
  };
  function sortRows(group, button) {
    var dir = button.dataset.dir === "asc" ? "desc" : "asc";
    each(group.table.querySelectorAll("button.sort"), function (b) { delete b.dataset.dir; });
    button.dataset.dir = dir;
    var key = rowKeys[button.dataset.key], sign = dir === "asc" ? 1 : -1;
    group.recs.sort(function (a, b) { return sign * compareKeys(key(a), key(b)); });
    applyFilters();
  }

  /* ---- events ---- */
  var debounce = null;
  textInput.addEventListener("input", function () {
    clearTimeout(debounce);
    debounce = setTimeout(applyFilters, 150);
  });
  form.addEventListener("change", function (event) {
    if (event.target === textInput) { return; }
    if (event.target === orderSelect) { sortChecks(orderSelect.value); writeUrl(readState()); } else { applyFilters(); }
  });
  form.addEventListener("submit", function (event) { event.preventDefault(); clearTimeout(debounce); applyFilters(); });
  var toggle = document.getElementById("toggle-filters");
  toggle.addEventListener("click", function () {
    var open = form.classList.toggle("open");
    toggle.setAttribute("aria-expanded", String(open));
  });
  list.addEventListener("click", function (event) {
    var button = event.target.closest("button");
    if (!button) { return; }
    var section = button.closest("section.check");
    var group = groups.filter(function (g) { return g.el === section; })[0];
    if (!group) { return; }
    if (button.classList.contains("sort")) { sortRows(group, button); }
    else if (button.classList.contains("more")) {
      var which = group.pass && button === group.pass.moreButton ? group.pass : group.fail;
      which.limit += MORE;
      renderLane(group, which);
    }
    else if (button.classList.contains("show-passes")) {
      group.showPasses = !group.showPasses;
      applyFilters();
    }
  });

  /* A link to a result that is paged out or filtered away: bring it in, then go there. */
  function revealTarget() {
    var id = decodeURIComponent(location.hash.slice(1));
    if (!id || document.getElementById(id)) { return; }
    groups.some(function (group) {
      var at = -1;
      group.recs.some(function (rec, i) {
        if ((rec.el && rec.el.id === id) || (rec.uid && "r-" + rec.uid === id)) { at = i; return true; }
        return false;
      });
      if (at < 0) { return false; }
      var rec = group.recs[at];
      group.recs.splice(at, 1);
      group.recs.unshift(rec);
      if (PASSLIKE[rec.status]) { group.showPasses = true; }
      if (!group.visible || lanes(group).every(function (l) { return l.recs.indexOf(rec) < 0; })) {
        textInput.value = ""; severitySelect.value = ""; frameworkSelect.value = ""; hideWaived.checked = false;
      }
      applyFilters();
      rec.el.scrollIntoView();
      return true;
    });
  }
  window.addEventListener("hashchange", revealTarget);

  /* Anchored targets stop below the sticky toolbar (CSS scroll-margin-top uses this). */
  function measureToolbar() {
    document.documentElement.style.setProperty("--toolbar-h", form.offsetHeight + "px");
  }
  if (window.ResizeObserver) { new ResizeObserver(measureToolbar).observe(form); }
  /* Printing shows every row the filters match, not only the first page of each check. */
  var limits = null;
  window.addEventListener("beforeprint", function () {
    each(document.querySelectorAll("details"), function (d) { d.open = true; });
    limits = groups.map(function (g) { return lanes(g).map(function (l) { return l.limit; }); });
    groups.forEach(function (g) {
      lanes(g).forEach(function (l) { l.limit = Infinity; });
      renderGroup(g);
    });
  });
  window.addEventListener("afterprint", function () {
    if (!limits) { return; }
    groups.forEach(function (g, i) {
      lanes(g).forEach(function (l, j) { l.limit = limits[i][j]; });
      renderGroup(g);
    });
    limits = null;
  });

  form.hidden = false;
  document.documentElement.classList.add("js");
  measureToolbar();
  restoreFromUrl();
  if (orderSelect.value !== "worst") { sortChecks(orderSelect.value); }
  applyFilters();
  revealTarget();
})();
