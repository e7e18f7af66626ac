// Refresh the WooCommerce panel in place: re-request the panel with ?refresh=1 (which bypasses the
// cache) and swap its content. Without JavaScript the button posts the form and the page reloads.
const wcT = (text) => (window.inbox && window.inbox.t ? window.inbox.t(text) : text);

document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-wc-refresh]");
  if (!button) return;
  const holder = button.closest("[data-panel-src]");
  if (!holder) return;  // not inside a host panel placeholder: let the form post
  event.preventDefault();
  button.disabled = true;
  button.textContent = wcT("Refreshing…");
  const src = holder.getAttribute("data-panel-src");
  try {
    const resp = await fetch(src + (src.includes("?") ? "&" : "?") + "refresh=1", {credentials: "same-origin"});
    holder.innerHTML = await resp.text();
  } catch (err) {
    button.disabled = false;
    button.textContent = wcT("Refresh failed — retry");
  }
});
