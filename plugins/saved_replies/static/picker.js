/* Saved replies in the reply editor. The editor's popover (conversation.js) shows our picker and
   inserts a clicked [data-insert] at the cursor; this script adds type-to-search, arrow keys and
   Enter inside the picker, counts uses, and opens the picker with Ctrl+Shift+S. */
(function () {
  "use strict";
  var timer = null;
  var T = function (text, vars) { return window.inbox && window.inbox.t ? window.inbox.t(text, vars) : text; };

  function refresh(picker, q) {
    var list = picker.querySelector("[data-sr-list]");
    var url = picker.getAttribute("data-list-url") + "&q=" + encodeURIComponent(q);
    fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        // only the answer to what is typed now: a slow older answer must not overwrite a newer one
        if (picker.querySelector("[data-sr-search]").value === q) list.innerHTML = html;
      });
  }

  document.addEventListener("input", function (e) {
    var input = e.target.closest && e.target.closest("[data-sr-search]");
    if (!input) return;
    clearTimeout(timer);
    timer = setTimeout(function () { refresh(input.closest("[data-sr-picker]"), input.value); }, 120);
  });

  function button() {
    return document.querySelector(".editor-form:not([hidden]) [data-popover-src*='/saved-replies/picker']") ||
           document.querySelector("[data-popover-src*='/saved-replies/picker']");
  }

  document.addEventListener("keydown", function (e) {
    var input = e.target.closest && e.target.closest("[data-sr-search]");
    // the Enter that ends a Korean composition only commits the text; app.js stops it on window,
    // and this check keeps the picker safe where app.js is not loaded
    if (input && (e.key === "ArrowDown" || e.key === "Enter") && !e.isComposing && e.keyCode !== 229) {
      var first = input.closest("[data-sr-picker]").querySelector(".sr-insert");
      e.preventDefault();
      if (first) { if (e.key === "Enter") first.click(); else first.focus(); }
      return;
    }
    var item = e.target.closest && e.target.closest(".sr-insert");
    if (item && (e.key === "ArrowDown" || e.key === "ArrowUp")) {
      var all = Array.prototype.slice.call(item.closest("[data-sr-list]").querySelectorAll(".sr-insert"));
      var next = all[all.indexOf(item) + (e.key === "ArrowDown" ? 1 : -1)];
      if (next) next.focus();
      else if (e.key === "ArrowUp") item.closest("[data-sr-picker]").querySelector("[data-sr-search]").focus();
      e.preventDefault();
      return;
    }
    if (e.ctrlKey && e.shiftKey && !e.altKey && (e.key === "S" || e.key === "s")) {
      var b = button();
      if (b) { e.preventDefault(); b.click(); }
    }
  });

  // A reply's attachments join the files of the form being written (the editor's own file input).
  function attach(item) {
    var files = JSON.parse(item.getAttribute("data-sr-attachments") || "[]");
    if (!files.length) return;
    var pop = item.closest("[data-editor-popover]");
    var target = (pop && pop._target) || document.querySelector(".editor-form:not([hidden]) textarea");
    var input = target && target.form && target.form.querySelector("input[type=file][name=attachments]");
    if (!input || typeof DataTransfer === "undefined") return;
    Promise.all(files.map(function (f) {
      return fetch(f.url, { credentials: "same-origin" }).then(function (r) {
        if (!r.ok) throw new Error(r.status);
        return r.blob();
      }).then(function (blob) { return new File([blob], f.name, { type: f.type || blob.type }); });
    })).then(function (fetched) {
      var dt = new DataTransfer();
      Array.prototype.forEach.call(input.files, function (f) { dt.items.add(f); });
      fetched.forEach(function (f) { dt.items.add(f); });
      input.files = dt.files;
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }).catch(function () { /* the text is in; the files could not be fetched, the agent can attach them */ });
  }

  // counted on click, attachments added; the editor's own handler does the inserting
  document.addEventListener("click", function (e) {
    var item = e.target.closest && e.target.closest(".sr-insert[data-sr-used]");
    if (!item) return;
    fetch(item.getAttribute("data-sr-used"), { method: "POST", credentials: "same-origin" });
    attach(item);
  }, true);

  if (window.inbox && window.inbox.shortcut && button()) {
    // listed in the "?" help; the handler above does the work
    var list = document.getElementById("shortcut-list");
    if (list) {
      var row = document.createElement("div");
      row.innerHTML = "<dt><kbd>Ctrl+Shift+S</kbd></dt><dd></dd>";
      list.appendChild(row);
      var label = row.querySelector("dd");
      label.textContent = T("Insert a saved reply");
      if (window.inbox.i18nReady) window.inbox.i18nReady(function () { label.textContent = T("Insert a saved reply"); });
    }
  }
})();
