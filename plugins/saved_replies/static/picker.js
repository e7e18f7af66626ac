/* Saved replies picker: type-to-search inside the picker, usage counting, and Ctrl+Shift+S.
   The editor's popover inserts each [data-insert] value at the cursor; where no editor popover
   exists (or it was not opened by us) the picker opens in its own popover and inserts itself. */
(function () {
  "use strict";
  var lastField = null;  // the editor field that had focus last, where a reply goes
  var own = null;        // our fallback popover element
  var timer = null;

  document.addEventListener("focusin", function (e) {
    var t = e.target;
    if (t.matches && t.matches("textarea, [contenteditable=''], [contenteditable='true']") && !t.closest("[data-sr-picker]")) {
      lastField = t;
    }
  });

  function refresh(picker, q) {
    var list = picker.querySelector("[data-sr-list]");
    var url = picker.getAttribute("data-list-url") + "&q=" + encodeURIComponent(q);
    fetch(url, { credentials: "same-origin" }).then(function (r) { return r.text(); }).then(function (html) {
      if (picker.querySelector("[data-sr-search]").value === q) list.innerHTML = html;
    });
  }

  document.addEventListener("input", function (e) {
    var input = e.target.closest && e.target.closest("[data-sr-search]");
    if (!input) return;
    clearTimeout(timer);
    timer = setTimeout(function () { refresh(input.closest("[data-sr-picker]"), input.value); }, 150);
  });

  document.addEventListener("keydown", function (e) {
    var input = e.target.closest && e.target.closest("[data-sr-search]");
    if (input && (e.key === "ArrowDown" || e.key === "Enter")) {
      var first = input.closest("[data-sr-picker]").querySelector(".sr-insert");
      if (first) { e.preventDefault(); if (e.key === "Enter") first.click(); else first.focus(); }
      return;
    }
    var item = e.target.closest && e.target.closest(".sr-insert");
    if (item && (e.key === "ArrowDown" || e.key === "ArrowUp")) {
      var all = Array.prototype.slice.call(item.closest("[data-sr-list]").querySelectorAll(".sr-insert"));
      var next = all[all.indexOf(item) + (e.key === "ArrowDown" ? 1 : -1)];
      if (next) { e.preventDefault(); next.focus(); }
      return;
    }
    if (e.key === "Escape" && own) { closeOwn(); return; }
    if (e.ctrlKey && e.shiftKey && (e.key === "S" || e.key === "s")) {
      e.preventDefault();
      open();
    }
  });

  function insertAt(field, text) {
    if (!field) return;
    if (field.tagName === "TEXTAREA" || field.tagName === "INPUT") {
      var start = field.selectionStart, end = field.selectionEnd;
      field.focus();
      field.setRangeText(text, start, end, "end");
      field.dispatchEvent(new Event("input", { bubbles: true }));
    } else {
      field.focus();
      document.execCommand("insertText", false, text);
    }
  }

  function closeOwn() { if (own) { own.remove(); own = null; } }

  function open() {
    var button = document.getElementById("saved-replies-button") ||
      document.querySelector("[data-plugin='saved_replies'][data-url*='/saved-replies/picker'], a[href*='/saved-replies/picker']");
    if (button) { button.click(); return; }
    var field = lastField || document.querySelector("textarea");
    var src = document.querySelector("[data-sr-picker-url]");
    if (!src) return;
    closeOwn();
    own = document.createElement("div");
    own.className = "sr-popover";
    own.setAttribute("role", "dialog");
    own.setAttribute("aria-label", "Saved replies");
    document.body.appendChild(own);
    fetch(src.getAttribute("data-sr-picker-url"), { credentials: "same-origin" })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        own.innerHTML = html;
        own.setAttribute("data-sr-own", "1");
        own.sr_field = field;
        var q = own.querySelector("[data-sr-search]");
        if (q) q.focus();
      });
  }

  document.addEventListener("click", function (e) {
    var item = e.target.closest && e.target.closest(".sr-insert");
    if (item) {
      var used = item.getAttribute("data-sr-used");
      if (used) fetch(used, { method: "POST", credentials: "same-origin" });
      if (own && own.contains(item)) {
        insertAt(own.sr_field || lastField, item.getAttribute("data-insert"));
        closeOwn();
      }
      return;
    }
    if (own && !own.contains(e.target)) closeOwn();
  });

  window.savedReplies = { open: open, insertAt: insertAt };
})();
