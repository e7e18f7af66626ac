/* The inbox list: selection and the bulk bar, j/k navigation, auto-submitting filters, and
   the live poll that prepends new conversations and refreshes folder counts. */
(function () {
  "use strict";
  var list = document.getElementById("conv-list");
  var bulk = document.getElementById("bulk-form");
  var all = document.getElementById("select-all");
  if (!list || !bulk) return;
  var T = function (text, vars) { return window.inbox && window.inbox.t ? window.inbox.t(text, vars) : text; };
  var NT = function (one, many, n) { return window.inbox && window.inbox.nt ? window.inbox.nt(one, many, n) : (n === 1 ? one : many).replace("%(num)d", n); };

  // the page renders the idle label in the viewer's language; the JS catalogue may arrive later
  var idleLabel = bulk.querySelector(".bulk-count") ? bulk.querySelector(".bulk-count").textContent : "";

  function boxes() { return Array.prototype.slice.call(list.querySelectorAll('input[name="ids"]')); }
  function syncBulk() {
    var picked = boxes().filter(function (b) { return b.checked; });
    bulk.classList.toggle("has-selection", picked.length > 0);
    bulk.querySelector(".bulk-count").textContent = picked.length ? NT("%(num)d selected", "%(num)d selected", picked.length) : (idleLabel || T("Select"));
    if (all) { all.checked = picked.length > 0 && picked.length === boxes().length; all.indeterminate = picked.length > 0 && !all.checked; }
    boxes().forEach(function (b) { b.closest(".conv-row").classList.toggle("is-selected", b.checked); });
  }
  list.addEventListener("change", function (e) { if (e.target.name === "ids") syncBulk(); });
  if (all) all.addEventListener("change", function () { boxes().forEach(function (b) { b.checked = all.checked; }); syncBulk(); });
  bulk.addEventListener("submit", function (e) {
    if (!boxes().some(function (b) { return b.checked; })) { e.preventDefault(); alert(T("Select at least one conversation first.")); }
  });
  document.querySelectorAll("form[data-autosubmit] select").forEach(function (s) {
    s.addEventListener("change", function () { s.form.submit(); });
  });

  // ---- keyboard: j/k move a highlight, o/Enter opens, x toggles selection ------------------
  var cursor = -1;
  function rows() { return Array.prototype.slice.call(list.querySelectorAll(".conv-row")); }
  function move(delta) {
    var r = rows(); if (!r.length) return;
    if (r[cursor]) r[cursor].classList.remove("is-focused");
    cursor = Math.max(0, Math.min(r.length - 1, cursor + delta));
    r[cursor].classList.add("is-focused");
    r[cursor].querySelector(".conv-link").focus();
  }
  if (window.inbox) {
    window.inbox.shortcut("j", "", function () { move(1); });
    window.inbox.shortcut("k", "", function () { move(-1); });
    window.inbox.shortcut("o", "", function () { var r = rows()[cursor]; if (r) r.querySelector(".conv-link").click(); });
    window.inbox.shortcut("x", "", function () {
      var r = rows()[cursor]; if (!r) return;
      var b = r.querySelector('input[name="ids"]'); b.checked = !b.checked; syncBulk();
    });
  }

  // ---- live updates ----------------------------------------------------------------------
  var endpoint = list.getAttribute("data-live");
  var firstPage = !/[?&]after=/.test(location.search);
  function newest() {
    var top = list.querySelector(".conv-row");
    return top ? top.getAttribute("data-activity") : new Date(Date.now() - 5000).toISOString();
  }
  var since = newest();
  function poll() {
    if (document.hidden) return;
    var shown = rows().slice(0, 200).map(function (r) { return r.getAttribute("data-id"); }).join(",");
    var url = endpoint + (endpoint.indexOf("?") < 0 ? "?" : "&") + "since=" + encodeURIComponent(since) +
              "&shown=" + shown;
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (r) { if (r.status === 401) { location.reload(); } return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) return;
        Object.keys(data.counts || {}).forEach(function (key) {
          var el = document.querySelector('[data-count="' + key + '"]');
          if (el) el.textContent = data.counts[key] || "";
        });
        if (data.latest) since = data.latest;
        (data.gone || []).forEach(function (id) {
          var row = list.querySelector('.conv-row[data-id="' + id + '"]');
          // a row the agent has ticked stays until they act on it
          if (row && !row.querySelector('input[name="ids"]').checked) row.remove();
        });
        if (!data.html || !firstPage || list.getAttribute("data-sort") !== "newest") return;
        var tpl = document.createElement("template");
        tpl.innerHTML = data.html;
        var fresh = Array.prototype.slice.call(tpl.content.querySelectorAll(".conv-row"));
        fresh.reverse().forEach(function (row) {
          var old = list.querySelector('.conv-row[data-id="' + row.getAttribute("data-id") + '"]');
          var keep = old && old.querySelector('input[name="ids"]').checked;
          if (old) old.remove();
          if (keep) row.querySelector('input[name="ids"]').checked = true;
          row.classList.add("is-new");
          list.insertBefore(row, list.firstChild);
        });
        var empty = document.querySelector(".empty-card");
        if (fresh.length && empty) empty.remove();
        if (window.htmx) window.htmx.process(list);
        if (window.inbox) window.inbox.refreshTimes(list);
        syncBulk();
      })
      .catch(function () { /* offline for a moment: the next poll tries again */ });
  }
  if (endpoint) setInterval(poll, parseInt(list.getAttribute("data-interval") || "5000", 10));
  syncBulk();
})();
