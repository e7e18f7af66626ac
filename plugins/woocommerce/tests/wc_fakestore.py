"""A WooCommerce store on loopback that answers like the REST API v3 documentation says.

Real HTTP (http.server in a thread): Basic or query-string auth, ``/wp-json/wc/v3/orders`` with
``customer``, ``search``, ``per_page``, ``page``, ``orderby=date``, ``order=desc``; ``/customers`` with
``email`` and ``role``; X-WP-Total / X-WP-TotalPages; error bodies ``{"code", "message", "data":
{"status"}}``. ``mode`` switches it into the failures the plugin must explain.
"""

from __future__ import annotations

import base64
import json
import math
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

KEY = "ck_" + "a1" * 20
SECRET = "cs_" + "b2" * 20
WP_HTML = (
    '<!DOCTYPE html><html lang="en-US"><head><title>Page not found &#8211; My Shop</title></head>'
    '<body class="error404 wp-theme-storefront"><h1>Oops! That page can&rsquo;t be found.</h1></body></html>'
)


def address(first="John", last="Doe", email=None, city="San Francisco"):
    out = {
        "first_name": first,
        "last_name": last,
        "company": "",
        "address_1": "969 Market",
        "address_2": "",
        "city": city,
        "state": "CA",
        "postcode": "94103",
        "country": "US",
    }
    if email is not None:
        out.update(email=email, phone="(555) 555-5555")
    return out


def make_order(
    order_id: int,
    email: str,
    *,
    customer_id: int = 0,
    status: str = "processing",
    date: str = "2024-03-22T16:28:02",
    items=(("Woo Single #1", 2, "6.00"),),
    total: str = "29.35",
    currency: str = "USD",
    method: str = "Flat Rate",
    refunds=(),
    note: str = "",
) -> dict:
    """An order shaped like the documented GET /orders/<id> response."""
    return {
        "id": order_id,
        "parent_id": 0,
        "number": str(order_id),
        "order_key": f"wc_order_{order_id:x}",
        "created_via": "checkout",
        "version": "8.5.0",
        "status": status,
        "currency": currency,
        "date_created": date,
        "date_created_gmt": date,
        "date_modified": date,
        "date_modified_gmt": date,
        "discount_total": "0.00",
        "discount_tax": "0.00",
        "shipping_total": "10.00",
        "shipping_tax": "0.00",
        "cart_tax": "0.00",
        "total": total,
        "total_tax": "0.00",
        "prices_include_tax": False,
        "customer_id": customer_id,
        "customer_ip_address": "",
        "customer_user_agent": "",
        "customer_note": note,
        "billing": address(email=email),
        "shipping": address(),
        "payment_method": "bacs",
        "payment_method_title": "Direct Bank Transfer",
        "transaction_id": "",
        "date_paid": date,
        "date_paid_gmt": date,
        "date_completed": None,
        "date_completed_gmt": None,
        "cart_hash": "",
        "meta_data": [],
        "line_items": [
            {
                "id": order_id * 10 + n,
                "name": name,
                "product_id": 90 + n,
                "variation_id": 0,
                "quantity": qty,
                "tax_class": "",
                "subtotal": line_total,
                "subtotal_tax": "0.00",
                "total": line_total,
                "total_tax": "0.00",
                "taxes": [],
                "meta_data": [],
                "sku": "",
                "price": float(line_total) / max(qty, 1),
            }
            for n, (name, qty, line_total) in enumerate(items)
        ],
        "tax_lines": [],
        "shipping_lines": [
            {
                "id": order_id * 10 + 9,
                "method_title": method,
                "method_id": "flat_rate",
                "total": "10.00",
                "total_tax": "0.00",
                "taxes": [],
                "meta_data": [],
            }
        ],
        "fee_lines": [],
        "coupon_lines": [],
        "refunds": [{"id": rid, "reason": reason, "total": amount} for rid, reason, amount in refunds],
        "_links": {"self": [{"href": f"https://example.com/wp-json/wc/v3/orders/{order_id}"}]},
    }


def make_customer(customer_id: int, email: str, role: str = "customer", **extra) -> dict:
    return {
        "id": customer_id,
        "date_created": "2017-03-21T16:09:28",
        "date_created_gmt": "2017-03-21T19:09:28",
        "date_modified": "2017-03-21T16:09:30",
        "date_modified_gmt": "2017-03-21T19:09:30",
        "email": email,
        "first_name": "John",
        "last_name": "Doe",
        "role": role,
        "username": email.split("@")[0],
        "billing": address(email=email),
        "shipping": address(),
        "is_paying_customer": True,
        "avatar_url": "https://secure.gravatar.com/avatar/x?s=96",
        "meta_data": [],
        **extra,
    }


def _error(code: str, message: str, status: int) -> tuple[int, dict]:
    return status, {"code": code, "message": message, "data": {"status": status}}


class FakeStore:
    def __init__(self, orders=(), customers=(), max_per_page: int = 100):
        self.orders = list(orders)
        self.customers = list(customers)
        self.max_per_page = max_per_page  # some hosts cap it lower than the requested per_page
        self.mode = "normal"  # normal, hang, unauthorized, no_route, html
        self.log: list[dict] = []
        self._release = threading.Event()
        store = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                store._handle(self)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> "FakeStore":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()
        self.server.shutdown()
        self.server.server_close()

    def requests_to(self, path: str) -> list[dict]:
        return [r for r in self.log if r["path"].endswith(path)]

    # --- request handling -------------------------------------------------------------------

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(h.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        self.log.append({"path": parts.path, "query": query, "auth": h.headers.get("Authorization")})
        if self.mode == "hang":
            self._release.wait(60)
            return
        if self.mode == "html":
            return self._send(h, 200, WP_HTML.encode(), "text/html; charset=UTF-8")
        if not parts.path.startswith("/wp-json/"):
            return self._send(h, 404, WP_HTML.encode(), "text/html; charset=UTF-8")
        route = parts.path[len("/wp-json/wc/v3/") :] if parts.path.startswith("/wp-json/wc/v3/") else None
        if self.mode == "no_route" or route not in ("orders", "customers"):
            return self._json(
                h, *_error("rest_no_route", "No route was found matching the URL and request method.", 404)
            )
        if self.mode == "unauthorized" or not self._authorised(h, query):
            return self._json(h, *_error("woocommerce_rest_cannot_view", "Sorry, you cannot list resources.", 401))
        try:
            per_page = int(query.get("per_page", 10))
            page = int(query.get("page", 1))
        except ValueError:
            return self._json(h, *_error("rest_invalid_param", "Invalid parameter(s): per_page", 400))
        if not 1 <= per_page <= 100:
            return self._json(h, *_error("rest_invalid_param", "Invalid parameter(s): per_page", 400))
        items = self._orders(query) if route == "orders" else self._customers(query)
        per_page = min(per_page, self.max_per_page)
        pages = max(1, math.ceil(len(items) / per_page)) if items else 0
        chunk = items[(page - 1) * per_page : page * per_page]
        self._json(h, 200, chunk, {"X-WP-Total": str(len(items)), "X-WP-TotalPages": str(pages)})

    def _authorised(self, h, query) -> bool:
        header = h.headers.get("Authorization") or ""
        if header.startswith("Basic "):
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
            return (user, password) == (KEY, SECRET)
        return (query.get("consumer_key"), query.get("consumer_secret")) == (KEY, SECRET)

    def _orders(self, query) -> list[dict]:
        found = list(self.orders)
        if "customer" in query:
            found = [o for o in found if str(o["customer_id"]) == query["customer"]]
        if query.get("search"):
            # WooCommerce searches addresses, names, notes and items: any text match, not just billing.email
            needle = query["search"].lower()
            found = [o for o in found if needle in json.dumps(o, ensure_ascii=False).lower()]
        key = (lambda o: o["id"]) if query.get("orderby") == "id" else (lambda o: (o["date_created"], o["id"]))
        return sorted(found, key=key, reverse=query.get("order", "desc") == "desc")

    def _customers(self, query) -> list[dict]:
        role = query.get("role", "customer")
        found = [c for c in self.customers if role == "all" or c["role"] == role]
        if "email" in query:
            found = [c for c in found if c["email"].lower() == query["email"].lower()]
        return sorted(found, key=lambda c: c["id"])

    def _json(self, h, status: int, body, headers: dict | None = None) -> None:
        self._send(h, status, json.dumps(body).encode(), "application/json; charset=UTF-8", headers)

    def _send(self, h, status: int, data: bytes, ctype: str, headers: dict | None = None) -> None:
        try:
            h.send_response(status)
            h.send_header("Content-Type", ctype)
            h.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                h.send_header(k, v)
            h.end_headers()
            h.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
