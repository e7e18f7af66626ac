// Records which suggested article an agent inserted, so the knowledge base learns what helps.
document.addEventListener("click", function (event) {
  var el = event.target.closest("[data-kb-use]");
  if (!el) return;
  var token = document.querySelector('meta[name="csrf-token"]');
  var body = new URLSearchParams({ article: el.dataset.kbArticle, kind: el.dataset.kbKind || "link",
                                   rank: el.dataset.kbRank || "" });
  fetch(el.dataset.kbUse, { method: "POST", body: body, credentials: "same-origin",
                            headers: token ? { "X-CSRFToken": token.content } : {} });
});
