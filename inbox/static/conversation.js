/* The conversation page and the compose page. Everything here enhances forms that already work
   without it: editor tabs, formatting buttons, plugin editor buttons, draft autosave (1 s debounce),
   presence heartbeats (collision warnings), lazy plugin panels, "show images" in message frames,
   the undo-send countdown. app.js adds the CSRF header to our fetch() POSTs. */
(function () {
  "use strict";
  var conv = document.querySelector(".cv");
  var $ = function (sel, root) { return (root || document).querySelector(sel); };
  var $$ = function (sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); };
  // translated through the page's JS catalogue (app.js); extracted by scripts/i18n_plugins.sh
  var T = function (text, vars) { return window.inbox && window.inbox.t ? window.inbox.t(text, vars) : text; };
  var composing = function (e) {
    return window.inbox && window.inbox.composing ? window.inbox.composing(e) : !!(e.isComposing || e.keyCode === 229);
  };

  // ---- editor tabs -------------------------------------------------------------------------
  function showMode(mode, focus) {
    var form = document.getElementById(mode + "-form");
    if (!form) return;
    $$(".editor-form").forEach(function (f) { f.hidden = f !== form; });
    $$("[data-mode-tab]").forEach(function (t) { t.setAttribute("aria-selected", t.getAttribute("data-mode-tab") === mode ? "true" : "false"); });
    if (history.replaceState) {
      var url = new URL(location.href); url.searchParams.set("mode", mode); url.hash = "editor";
      history.replaceState(null, "", url);
    }
    if (focus) {
      var ta = $("textarea", form);
      form.scrollIntoView({ block: "nearest", behavior: "smooth" });
      if (ta) { ta.focus(); ta.setSelectionRange(ta.value.length, ta.value.length); }
    }
  }
  document.addEventListener("click", function (e) {
    var tab = e.target.closest("[data-mode-tab], [data-mode-jump]");
    if (!tab) return;
    e.preventDefault();
    showMode(tab.getAttribute("data-mode-tab") || tab.getAttribute("data-mode-jump"), true);
  });

  // ---- formatting buttons ---------------------------------------------------------------------
  function insertAt(ta, text) {
    var s = ta.selectionStart, e = ta.selectionEnd;
    ta.setRangeText(text, s, e, "end");
    ta.focus();
    ta.dispatchEvent(new Event("input", { bubbles: true }));
  }
  function wrap(ta, before, after, placeholder) {
    var s = ta.selectionStart, e = ta.selectionEnd;
    var sel = ta.value.slice(s, e) || placeholder;
    ta.setRangeText(before + sel + after, s, e, "end");
    ta.setSelectionRange(s + before.length, s + before.length + sel.length);
    ta.focus();
    ta.dispatchEvent(new Event("input", { bubbles: true }));
  }
  function listify(ta, numbered) {
    var v = ta.value, s = v.lastIndexOf("\n", ta.selectionStart - 1) + 1, e = ta.selectionEnd;
    var lines = (v.slice(s, e) || T("item")).split("\n");
    var out = lines.map(function (l, i) { return (numbered ? (i + 1) + ". " : "- ") + l; }).join("\n");
    ta.setRangeText(out, s, Math.max(e, s), "end");
    ta.focus();
    ta.dispatchEvent(new Event("input", { bubbles: true }));
  }
  function targetOf(el) {
    var bar = el.closest("[data-target]");
    return bar ? document.getElementById(bar.getAttribute("data-target")) : null;
  }
  var lastTextarea = null;
  document.addEventListener("focusin", function (e) { if (e.target.tagName === "TEXTAREA") lastTextarea = e.target; });

  document.addEventListener("click", function (e) {
    var btn = e.target.closest("[data-format]");
    if (btn) {
      var ta = targetOf(btn); if (!ta) return;
      var f = btn.getAttribute("data-format");
      if (f === "bold") wrap(ta, "**", "**", T("bold text"));
      else if (f === "italic") wrap(ta, "*", "*", T("italic text"));
      else if (f === "link") {
        var url = window.prompt(T("Link address (https://…)"), "https://");
        if (url && /^(https?:\/\/|mailto:)/i.test(url)) wrap(ta, "[", "](" + url + ")", T("link text"));
      } else if (f === "ul") listify(ta, false);
      else if (f === "ol") listify(ta, true);
      return;
    }
    var ins = e.target.closest("[data-insert]");
    if (ins) {
      var pop = ins.closest("[data-editor-popover]");
      var t = pop ? (pop._target || lastTextarea) : targetOf(ins);
      if (t) insertAt(t, ins.getAttribute("data-insert"));
      if (pop) pop.hidden = true;
      return;
    }
    var src = e.target.closest("[data-popover-src]");
    if (src) { openPopover(src); return; }
    var popover = $("[data-editor-popover]");
    if (popover && !popover.hidden && !popover.contains(e.target)) popover.hidden = true;
  });

  function openPopover(btn) {
    var pop = $("[data-editor-popover]");
    if (!pop) return;
    pop._target = targetOf(btn);
    pop.innerHTML = '<p class="muted"><span class="spinner"></span> </p>';
    pop.firstChild.appendChild(document.createTextNode(T("Loading…")));
    pop.hidden = false;
    var r = btn.getBoundingClientRect(), host = pop.offsetParent ? pop.offsetParent.getBoundingClientRect() : { left: 0, top: 0, width: 0 };
    // keep it inside the editor: on a phone a button on the right pushed the popover off screen
    var room = (host.width || document.documentElement.clientWidth) - pop.offsetWidth;
    pop.style.left = Math.max(0, Math.min(r.left - host.left, room)) + "px";
    pop.style.top = (r.bottom - host.top + 6) + "px";
    fetch(btn.getAttribute("data-popover-src"), { headers: { "Accept": "text/html" } })
      .then(function (resp) { if (!resp.ok) throw new Error(resp.status); return resp.text(); })
      .then(function (html) { pop.innerHTML = html; var first = $("[data-insert], input, button", pop); if (first) first.focus(); })
      .catch(function () { pop.innerHTML = '<p class="error"></p>'; pop.firstChild.textContent = T("Could not load this list."); });
  }
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape") { var p = $("[data-editor-popover]"); if (p) p.hidden = true; }
    // Ctrl+Enter sends, but never the Enter that ends an input method's composition (Korean)
    if ((e.ctrlKey || e.metaKey) && e.key === "Enter" && !composing(e) && e.target.tagName === "TEXTAREA" && e.target.form) {
      e.preventDefault();
      var submit = $("button[type=submit]", e.target.form);
      if (submit) e.target.form.requestSubmit(submit);
    }
  });

  // ---- cc/bcc, file sizes, auto-submit selects, time zone ------------------------------------------
  document.addEventListener("click", function (e) {
    var t = e.target.closest("[data-toggle]");
    if (!t) return;
    var el = $(t.getAttribute("data-toggle"));
    if (el) { el.hidden = !el.hidden; t.setAttribute("aria-expanded", String(!el.hidden)); if (!el.hidden) { var i = $("input", el); if (i) i.focus(); } }
  });
  document.addEventListener("change", function (e) {
    var el = e.target;
    if (el.matches("select[data-autosubmit]")) { el.form.requestSubmit ? el.form.requestSubmit() : el.form.submit(); return; }
    if (el.matches("input[type=file][data-max-bytes]")) {
      var max = parseInt(el.getAttribute("data-max-bytes"), 10) || 0, total = 0, names = [];
      Array.prototype.forEach.call(el.files, function (f) { total += f.size; names.push(f.name); });
      var label = el.closest("form").querySelector(".file-names");
      if (max && total > max) {
        el.setCustomValidity(T("Attachments may be at most %(mb)s MB in total.", { mb: Math.round(max / 1048576) }));
        el.reportValidity();
      } else { el.setCustomValidity(""); }
      if (label) label.textContent = names.join(", ");
    }
  });
  $$(".js-hide").forEach(function (el) { el.hidden = true; });
  $$("[data-tz-offset]").forEach(function (el) { el.value = String(new Date().getTimezoneOffset()); });

  // ---- drafts ---------------------------------------------------------------------------------
  function draftPayload(form) {
    var fd = new FormData(form), out = { kind: form.getAttribute("data-draft-kind") };
    ["text", "to", "cc", "bcc", "subject", "mailbox_id"].forEach(function (k) { if (fd.has(k)) out[k === "text" ? "body" : k] = fd.get(k); });
    return out;
  }
  $$("form[data-draft-kind]").forEach(function (form) {
    var url = form.getAttribute("data-draft-url") || (conv && conv.getAttribute("data-draft-url"));
    if (!url) return;
    var timer = null, state = $(".draft-state");
    function save() {
      timer = null;
      fetch(url, { method: "POST", headers: { "Content-Type": "application/json", "Accept": "application/json" },
                   body: JSON.stringify(draftPayload(form)) })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) { if (state && data) state.textContent = data.saved ? T("Draft saved") : ""; })
        .catch(function () { if (state) state.textContent = T("Draft not saved (offline?)"); });
    }
    form.addEventListener("input", function (e) {
      if (e.target.type === "file") return;
      if (state) state.textContent = T("Saving…");
      clearTimeout(timer); timer = setTimeout(save, 1000);
      lastTyped = Date.now();
    });
    form.addEventListener("submit", function () { clearTimeout(timer); });
  });

  // ---- presence and collision -----------------------------------------------------------------------
  var lastTyped = 0;
  function myState() {
    var ta = $(".editor-form:not([hidden]) textarea");
    var active = document.activeElement && document.activeElement.closest && document.activeElement.closest(".editor-form");
    return (ta && ta.value.trim() && (active || Date.now() - lastTyped < 30000)) ? "replying" : "viewing";
  }
  function renderPresence(others) {
    var box = document.getElementById("presence");
    if (!box) return;
    box.textContent = "";
    others.forEach(function (o) {
      var chip = document.createElement("span");
      chip.className = "presence-chip presence-" + o.state;
      var av = document.createElement("span");
      av.className = "avatar avatar-sm";
      av.setAttribute("aria-hidden", "true");
      av.textContent = o.name.split(/\s+/).filter(Boolean).map(function (w, i, a) { return i === 0 || i === a.length - 1 ? w[0] : ""; }).join("").toUpperCase();
      chip.appendChild(av);
      chip.appendChild(document.createTextNode(" " + (o.state === "replying" ? T("%(name)s is replying", { name: o.name })
                                                                            : T("%(name)s is viewing", { name: o.name }))));
      box.appendChild(chip);
    });
  }
  if (conv) {
    var presenceUrl = conv.getAttribute("data-presence-url");
    var lastId = conv.getAttribute("data-last-item-id");
    var beat = function () {
      if (document.hidden) return;
      fetch(presenceUrl, { method: "POST", headers: { "Content-Type": "application/json", "Accept": "application/json" },
                           body: JSON.stringify({ state: myState(), last_item_id: lastId }) })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data) return;
          renderPresence(data.others || []);
          var banner = document.getElementById("new-activity");
          if (banner && data.new_items > 0) banner.hidden = false;
        }).catch(function () {});
    };
    setInterval(beat, 5000);
    document.addEventListener("visibilitychange", function () { if (!document.hidden) beat(); });
    setTimeout(beat, 300);
  }

  // ---- plugin panels ------------------------------------------------------------------------------
  var panelTimeout = conv ? parseInt(conv.getAttribute("data-panel-timeout"), 10) || 5000 : 5000;
  $$("[data-panel-src]").forEach(function (body) {
    var ctrl = window.AbortController ? new AbortController() : null;
    var timer = setTimeout(function () { if (ctrl) ctrl.abort(); }, panelTimeout);
    fetch(body.getAttribute("data-panel-src"), { headers: { "Accept": "text/html" }, signal: ctrl ? ctrl.signal : undefined })
      .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.text(); })
      .then(function (html) { body.innerHTML = html; })
      .catch(function (err) {
        body.innerHTML = "";
        var p = document.createElement("p");
        p.className = "panel-error";
        p.textContent = err && err.name === "AbortError" ? T("This panel did not answer in time.") : T("This panel could not be loaded.");
        body.appendChild(p);
      })
      .then(function () { clearTimeout(timer); body.removeAttribute("aria-busy"); });
  });

  // ---- message frames ---------------------------------------------------------------------------
  function frameUrl(frame) {
    var url = new URL(frame.getAttribute("data-src"), location.href);
    if (frame.getAttribute("data-images") === "1") url.searchParams.set("images", "1");
    if (frame.getAttribute("data-quoted") === "1") url.searchParams.set("quoted", "1");
    return url.pathname + url.search;
  }
  document.addEventListener("click", function (e) {
    var b = e.target.closest("[data-show-images], [data-show-quoted], [data-frame-grow]");
    if (!b) return;
    var body = b.closest(".item-body"), box = $(".mail-frame", body), frame = $("iframe", body);
    if (b.hasAttribute("data-frame-grow")) { box._manual = true; box.style.height = (box.offsetHeight + 400) + "px"; return; }
    if (b.hasAttribute("data-show-images")) {
      frame.setAttribute("data-images", "1");
      var bar = b.closest("[data-images-bar]"); if (bar) bar.remove();
    } else {
      var on = frame.getAttribute("data-quoted") !== "1";
      frame.setAttribute("data-quoted", on ? "1" : "0");
      b.textContent = on ? T("Hide quoted text") : T("Show quoted text");
      b.setAttribute("aria-pressed", String(on));
      if (on) { box._manual = true; box.style.height = (box.offsetHeight + 300) + "px"; }
    }
    frame.src = frameUrl(frame);
  });

  // the sandboxed frame cannot tell us its height: estimate it from the text for the real width
  function fitFrames() {
    $$(".mail-frame[data-parts]").forEach(function (box) {
      if (box._manual) return;
      var parts; try { parts = JSON.parse(box.getAttribute("data-parts")); } catch (e) { return; }
      var perLine = Math.max(20, (box.clientWidth - 8) / 7.8), lines = 0;
      parts.forEach(function (n) { lines += Math.max(1, Math.ceil(n / perLine)); });
      var h = (parseInt(box.getAttribute("data-fixed"), 10) || 0) + lines * 22 + 24;
      box.style.height = Math.max(90, Math.min(h, 1400)) + "px";
    });
  }
  fitFrames();
  var fitTimer = null;
  window.addEventListener("resize", function () { clearTimeout(fitTimer); fitTimer = setTimeout(fitFrames, 150); });
  document.addEventListener("mouseup", function (e) { var box = e.target.closest && e.target.closest(".mail-frame"); if (box) box._manual = true; });

  // ---- undo countdown -----------------------------------------------------------------------------
  $$("[data-undo-seconds]").forEach(function (bar) {
    var left = parseInt(bar.getAttribute("data-undo-seconds"), 10) || 0;
    var out = $("[data-countdown]", bar);
    var tick = setInterval(function () {
      left -= 1;
      if (out) out.textContent = String(Math.max(left, 0));
      if (left <= 0) {
        clearInterval(tick);
        var f = $("form", bar); if (f) f.remove();
        $(".undo-text", bar).textContent = T("Sending…");
        setTimeout(function () { bar.remove(); }, 4000);
      }
    }, 1000);
  });
})();
