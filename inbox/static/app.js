/* inbox: the small amount of JavaScript the agent pages need.
   - adds the CSRF token to every state-changing fetch() and htmx request
   - keyboard shortcuts: elements with data-shortcut="k" are clicked (inputs focused) on that key;
     pages add more with inbox.shortcut(key, label, fn); "?" lists them all
   - flash dismissal, relative times refresh, confirm prompts (data-confirm)
   - translations: inbox.t("Text %(name)s", {name: x}), inbox.nt(singular, plural, n, vars),
     inbox.pt(context, text, vars) read the page language's JS catalogue (/i18n/<lang>.json, the
     `js` domain of the core and plugins); English is the source text and needs no catalogue
   - typing Korean (or any input method): no Enter acts while a composition is open */
(function () {
  "use strict";

  // ---- translations ------------------------------------------------------------------------
  var lang = (document.documentElement.getAttribute("lang") || "en").replace("_", "-");
  var catalog = {}, nplurals = 2, ready;

  function fill(text, vars) {
    if (!vars) return text;
    return text.replace(/%\((\w+)\)[sd]/g, function (m, k) { return k in vars ? String(vars[k]) : m; });
  }
  function t(text, vars) {
    var v = catalog[text];
    return fill(typeof v === "string" && v ? v : text, vars);
  }
  function pt(context, text, vars) {
    var v = catalog[context + "\u0004" + text];
    return fill(typeof v === "string" && v ? v : text, vars);
  }
  function nt(singular, plural, n, vars) {
    var all = { num: n };
    for (var k in vars || {}) all[k] = vars[k];
    var forms = catalog[singular];
    var index = nplurals === 1 ? 0 : (n === 1 ? 0 : 1);
    var text = Array.isArray(forms) && forms[index] ? forms[index] : (n === 1 ? singular : plural);
    return fill(text, all);
  }
  if (/^en\b/i.test(lang) || !window.fetch) {
    ready = Promise.resolve();
  } else {
    // a file, not an inline script: the page's Content-Security-Policy stays strict
    ready = fetch("/i18n/" + encodeURIComponent(lang.replace("-", "_")) + ".json", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (data) { catalog = data.messages || {}; nplurals = data.nplurals || 2; }
        document.dispatchEvent(new CustomEvent("inbox:i18n"));
      })
      .catch(function () { /* English it is */ });
  }

  // ---- input methods: Enter that commits a Korean/Japanese/Chinese composition is not an action
  // Chromium reports it as isComposing (keyCode 229); Safari sends a keydown with keyCode 229 just
  // after compositionend. Caught on window in the capture phase, before any handler of the page or
  // a plugin sees it; the browser itself still commits the composed text.
  var composedAt = 0;
  function composing(e) {
    return !!(e && (e.isComposing || e.keyCode === 229 || (e.key === "Enter" && Date.now() - composedAt < 30)));
  }
  window.addEventListener("compositionend", function () { composedAt = Date.now(); }, true);
  window.addEventListener("keydown", function (e) {
    if (e.key !== "Enter" && e.keyCode !== 229 && e.key !== "Process") return;
    if (composing(e)) e.stopImmediatePropagation();
  }, true);
  var meta = document.querySelector('meta[name="csrf-token"]');
  var token = meta ? meta.getAttribute("content") : "";
  var SAFE = /^(GET|HEAD|OPTIONS|TRACE)$/i;

  function sameOrigin(url) {
    try { return new URL(url, location.href).origin === location.origin; } catch (e) { return false; }
  }

  // fetch(): add X-CSRFToken to our own POST/PUT/PATCH/DELETE
  var nativeFetch = window.fetch ? window.fetch.bind(window) : null;
  if (nativeFetch) {
    window.fetch = function (input, init) {
      init = init || {};
      var method = init.method || (input && input.method) || "GET";
      var url = typeof input === "string" ? input : (input && input.url) || "";
      if (!SAFE.test(method) && sameOrigin(url)) {
        var headers = new Headers(init.headers || (input && input.headers) || {});
        if (!headers.has("X-CSRFToken")) headers.set("X-CSRFToken", token);
        init.headers = headers;
        if (!init.credentials) init.credentials = "same-origin";
      }
      return nativeFetch(input, init);
    };
  }

  document.addEventListener("htmx:configRequest", function (evt) {
    if (!SAFE.test(evt.detail.verb)) evt.detail.headers["X-CSRFToken"] = token;
  });
  // a session that ran out shows the login page instead of swapping it into a fragment
  document.addEventListener("htmx:responseError", function (evt) {
    if (evt.detail.xhr && evt.detail.xhr.status === 401) location.reload();
  });

  // ---- keyboard shortcuts --------------------------------------------------------------
  var handlers = {};
  var list = document.getElementById("shortcut-list");
  var overlay = document.getElementById("shortcut-help");

  function describe(key, label) {
    if (!list || !label) return;
    var row = document.createElement("div");
    var dt = document.createElement("dt");
    var kbd = document.createElement("kbd");
    kbd.textContent = key;
    dt.appendChild(kbd);
    var dd = document.createElement("dd");
    dd.textContent = label;
    row.appendChild(dt); row.appendChild(dd);
    list.appendChild(row);
  }

  function shortcut(key, label, fn) {
    handlers[key] = fn;
    describe(key, label);
  }

  function typing(el) {
    if (!el) return false;
    var tag = el.tagName;
    return el.isContentEditable || tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
  }

  function showHelp(show) {
    if (!overlay) return;
    overlay.hidden = !show;
    if (show) { var b = overlay.querySelector("[data-close-overlay]"); if (b) b.focus(); }
  }

  function scanDeclared(root) {
    (root || document).querySelectorAll("[data-shortcut]").forEach(function (el) {
      var key = el.getAttribute("data-shortcut");
      if (handlers[key] && handlers[key]._el === el) return;
      var fn = function () {
        if (el.matches("input, textarea, select")) { el.focus(); if (el.select) el.select(); } else { el.click(); }
      };
      fn._el = el;
      var known = key in handlers;
      handlers[key] = fn;
      if (!known) describe(key, el.getAttribute("data-shortcut-label") || el.getAttribute("aria-label") || el.textContent.trim());
    });
  }

  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape") {
      if (overlay && !overlay.hidden) { showHelp(false); return; }
      if (typing(document.activeElement)) { document.activeElement.blur(); return; }
      document.querySelectorAll("details[open]").forEach(function (d) { d.open = false; });
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
    if (e.key === "?") { e.preventDefault(); showHelp(overlay && overlay.hidden); return; }
    var fn = handlers[e.key];
    if (fn) { e.preventDefault(); fn(e); }
  });

  document.addEventListener("click", function (e) {
    var t = e.target;
    if (t.closest("[data-show-shortcuts]")) { showHelp(true); return; }
    if (t.closest("[data-close-overlay]") || t === overlay) { showHelp(false); return; }
    var close = t.closest(".flash-close");
    if (close) { close.closest(".flash").remove(); return; }
    // clicking outside an open menu closes it
    document.querySelectorAll("details.usermenu[open], details.dropdown[open]").forEach(function (d) {
      if (!d.contains(t)) d.open = false;
    });
  });

  // <form data-confirm="Really?"> and <button data-confirm="...">
  document.addEventListener("submit", function (e) {
    var form = e.target;
    var btn = e.submitter;
    var msg = (btn && btn.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) e.preventDefault();
  }, true);

  // <select data-submit-on-change>: the page's CSP allows no inline onchange handlers
  document.addEventListener("change", function (e) {
    var el = e.target;
    if (el.matches && el.matches("select[data-submit-on-change]") && el.form) el.form.submit();
  });

  // <input type=checkbox data-toggles="#sel">: the target shows only while the box is unticked
  function syncToggles() {
    document.querySelectorAll("input[data-toggles]").forEach(function (box) {
      var target = document.querySelector(box.getAttribute("data-toggles"));
      if (target) target.hidden = box.checked;
    });
  }
  document.addEventListener("change", function (e) { if (e.target.matches("input[data-toggles]")) syncToggles(); });
  document.addEventListener("DOMContentLoaded", syncToggles);

  // successful flashes fade after a while; errors stay until dismissed
  setTimeout(function () {
    document.querySelectorAll(".flash-success, .flash-info").forEach(function (f) { f.remove(); });
  }, 6000);

  // ---- relative times: <time data-relative datetime="ISO"> ----------------------------------
  function relative(iso) {
    var then = new Date(iso).getTime();
    if (isNaN(then)) return null;
    var s = Math.round((then - Date.now()) / 1000);
    var abs = Math.abs(s);
    // the browser's own words for "3 min ago" / "3분 전" in the page's language
    if (abs < 45) return t("just now");
    var rtf = window.Intl && Intl.RelativeTimeFormat ? new Intl.RelativeTimeFormat(lang, { numeric: "auto", style: "short" }) : null;
    if (rtf && abs < 3600) return rtf.format(Math.round(s / 60), "minute");
    if (rtf && abs < 86400) return rtf.format(Math.round(s / 3600), "hour");
    if (rtf && abs < 86400 * 7) return rtf.format(Math.round(s / 86400), "day");
    return new Date(then).toLocaleDateString(lang, { month: "short", day: "numeric",
      year: new Date(then).getFullYear() === new Date().getFullYear() ? undefined : "numeric" });
  }
  function refreshTimes(root) {
    (root || document).querySelectorAll("time[data-relative]").forEach(function (t) {
      var r = relative(t.getAttribute("datetime"));
      if (r) t.textContent = r;
    });
  }
  setInterval(refreshTimes, 60000);

  document.addEventListener("htmx:afterSwap", function (evt) { scanDeclared(evt.detail.target); refreshTimes(evt.detail.target); });
  document.addEventListener("DOMContentLoaded", function () { scanDeclared(); });

  document.addEventListener("inbox:i18n", function () { refreshTimes(); });

  window.inbox = { shortcut: shortcut, csrfToken: function () { return token; }, refreshTimes: refreshTimes,
                   showShortcuts: function () { showHelp(true); },
                   t: t, nt: nt, pt: pt, lang: lang, composing: composing,
                   // run fn once the catalogue is loaded (at once for English)
                   i18nReady: function (fn) { ready.then(fn); } };
})();
