"""The API's machinery: the blueprint, Bearer-token authentication, scopes, RFC 9457 problems,
request validation with the pydantic models, and the registry of operations that the OpenAPI
document is generated from (every route is declared with `operation`, so none escapes the contract
or the permission tests)."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, g, jsonify, request
from pydantic import BaseModel, ValidationError
from werkzeug.exceptions import HTTPException

from .. import access_tokens
from ..extensions import db
from ..models import ApiToken
from . import limits
from .schemas import Problem, ProblemField

bp = Blueprint("api", __name__, url_prefix="/api/v1")
PROBLEM_TYPE = "application/problem+json"
PUBLIC_ENDPOINTS = {"api.openapi", "api.docs"}
# a secret in a URL ends up in logs, proxies and browser history: refuse it rather than use it
QUERY_SECRETS = ("access_token", "token", "api_key", "apikey", "key")
IDEMPOTENT_METHODS = ("POST", "PATCH")
MAX_ID = 2**31 - 1  # ids in a path; larger ones are documented out and answered 404


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        title: str,
        detail: str | None = None,
        errors: list[ProblemField] | None = None,
        headers: dict | None = None,
    ):
        super().__init__(detail or title)
        self.status, self.title, self.detail, self.errors, self.headers = status, title, detail, errors, headers


def problem(status: int, title: str, detail: str | None = None, errors=None, headers=None):
    body = Problem(title=title, status=status, detail=detail, errors=errors)
    response = jsonify(body.model_dump(mode="json", exclude_none=True))
    response.status_code = status
    response.mimetype = PROBLEM_TYPE
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError):
    return problem(exc.status, exc.title, exc.detail, exc.errors, exc.headers)


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    return http_problem(exc)


def http_problem(exc: HTTPException):
    """An HTTP error (abort(404) from inbox.access, a 405...) as problem+json; web/errors.py sends
    /api/ paths here too, for URLs that match no route at all."""
    headers = {}
    if exc.code == 405 and exc.valid_methods:
        headers["Allow"] = ", ".join(exc.valid_methods)
    return problem(exc.code or 500, exc.name, exc.description if exc.code != 404 else None, headers=headers)


# --- authentication -------------------------------------------------------------------------------


@bp.before_request
def _authenticate():
    if any(k in request.args for k in QUERY_SECRETS):
        raise ApiError(
            400,
            "Credentials in the query string",
            "Send the token in the Authorization header (Bearer), never in the URL.",
        )
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    scheme, _, raw = (request.headers.get("Authorization") or "").partition(" ")
    token = access_tokens.authenticate(raw.strip()) if scheme.lower() == "bearer" else None
    if token is None:
        raise ApiError(
            401,
            "Unauthorized",
            "A valid personal access token is required (Authorization: Bearer …).",
            headers={"WWW-Authenticate": 'Bearer realm="inbox"'},
        )
    g.api_token = token
    # flask-login's current_user reads this: inbox.access then checks every object as this user
    g._login_user = token.user
    try:
        g.api_rate_headers = limits.charge(token)
    except limits.Limited as exc:
        raise ApiError(
            429, "Too Many Requests", f"Slow down: try again in {exc.retry_after} s.", headers=exc.headers
        ) from None
    return None


@bp.after_request
def _rate_headers(response):
    for key, value in (g.pop("api_rate_headers", None) or {}).items():
        response.headers.setdefault(key, value)
    return response


def current_token() -> ApiToken:
    return g.api_token


def require(scope: str) -> None:
    if not access_tokens.has_scope(current_token(), scope):
        raise ApiError(403, "Insufficient scope", f"This token lacks the scope {scope}.")


# --- validation -----------------------------------------------------------------------------------


def _problem_fields(exc: ValidationError, where: str) -> list[ProblemField]:
    out = []
    for err in exc.errors(include_url=False):
        loc = ".".join(str(p) for p in err["loc"]) or where
        out.append(ProblemField(field=f"{where}.{loc}" if err["loc"] else where, message=err["msg"]))
    return out


def validate(model: type[BaseModel], data: Any, where: str) -> BaseModel:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ApiError(422, "Validation failed", "Some fields are not valid.", _problem_fields(exc, where)) from None


def _query_data(model: type[BaseModel]) -> dict:
    data: dict[str, Any] = {}
    for key in request.args:
        values = request.args.getlist(key)
        data[key] = values if len(values) > 1 else values[0]
    return data


def _body() -> Any:
    if not request.data:
        return {}
    if not request.is_json:
        raise ApiError(415, "Unsupported Media Type", "Send a JSON body (Content-Type: application/json).")
    try:
        return json.loads(request.data)
    except ValueError:
        raise ApiError(400, "Malformed JSON", "The body is not valid JSON.") from None


# --- operations -----------------------------------------------------------------------------------


@dataclass
class Operation:
    method: str
    rule: str  # Flask rule under /api/v1, e.g. /conversations/<int:conversation_id>
    endpoint: str
    summary: str
    scope: str | None
    tag: str
    response: type[BaseModel] | None
    status: int = 200
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    errors: tuple[int, ...] = ()
    description: str = ""
    extra: dict = field(default_factory=dict)


OPERATIONS: list[Operation] = []


def operation(
    method: str,
    rule: str,
    *,
    summary: str,
    scope: str | None,
    tag: str,
    response: type[BaseModel] | None,
    status: int = 200,
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    errors: tuple[int, ...] = (),
) -> Callable:
    """Declare and route one API operation. The view gets the path arguments plus `body=` and
    `query=` (validated models) when declared, and returns a model (sent with `status`), or a
    (model, status) pair."""

    def decorate(view: Callable) -> Callable:
        op = Operation(
            method=method,
            rule=rule,
            endpoint=view.__name__,
            summary=summary,
            scope=scope,
            tag=tag,
            response=response,
            status=status,
            body=body,
            query=query,
            errors=errors,
            description=(view.__doc__ or "").strip(),
        )
        OPERATIONS.append(op)

        def handler(**kwargs):
            if any(value > MAX_ID for value in kwargs.values() if isinstance(value, int)):
                raise ApiError(404, "Not Found")  # no row has it, and the database cannot even bind it
            if scope:
                require(scope)
            reservation = _idempotency(method)
            if isinstance(reservation, Response):
                return reservation
            try:
                result = _run(view, kwargs)
            except BaseException:
                if reservation is not None:
                    limits.release(reservation.id)  # nothing was committed: a retry runs it anew
                raise
            code = status
            if isinstance(result, tuple):
                result, code = result
            payload = limits.body_of(result.model_dump(mode="json")) if result is not None else b""
            if reservation is not None:
                limits.remember(reservation, code, payload, {"Content-Type": "application/json"})
            db.session.commit()  # the operation's changes and its remembered answer together
            return Response(payload, status=code, mimetype="application/json" if payload else None)

        handler.__name__ = view.__name__
        bp.add_url_rule(rule, endpoint=view.__name__, view_func=handler, methods=[method])
        return view

    return decorate


def _run(view: Callable, kwargs: dict):
    op = next(o for o in OPERATIONS if o.endpoint == view.__name__)
    if op.query is not None:
        kwargs["query"] = validate(op.query, _query_data(op.query), "query")
    elif request.args:
        unknown = sorted(request.args)
        raise ApiError(
            422,
            "Validation failed",
            "This operation takes no query parameters.",
            [ProblemField(field=f"query.{k}", message="unknown parameter") for k in unknown],
        )
    if op.body is not None:
        kwargs["body"] = validate(op.body, _body(), "body")
    return view(**kwargs)


def _idempotency(method: str):
    """None, a reserved IdempotentResponse row, or the replayed Response."""
    key = request.headers.get("Idempotency-Key")
    if key is None or method not in IDEMPOTENT_METHODS:
        return None
    if not 1 <= len(key) <= 255:
        raise ApiError(400, "Bad Idempotency-Key", "Use 1 to 255 characters, e.g. a UUID.")
    state, row = limits.reserve(current_token(), key)
    if state == "replay":
        return Response(row.body, status=row.status, headers=limits.replay_headers(row))
    if state == "mismatch":
        raise ApiError(422, "Idempotency-Key reused", "This key was used with another request in the last 24 hours.")
    if state == "busy":
        raise ApiError(
            409,
            "Request in progress",
            "A request with this Idempotency-Key is still running; retry later.",
            headers={"Retry-After": "1"},
        )
    return row


# --- cursors --------------------------------------------------------------------------------------


def encode_cursor(values: list) -> str:
    """Opaque to clients; it only names a position, so a tampered one shows nothing extra (every
    query is still limited by inbox.access)."""
    return base64.urlsafe_b64encode(json.dumps(values, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(raw: str | None, arity: int) -> list | None:
    if not raw:
        return None
    try:
        values = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    except ValueError:
        values = None
    if not isinstance(values, list) or len(values) != arity or not all(isinstance(v, int) for v in values):
        raise ApiError(
            422,
            "Validation failed",
            "The cursor is not valid.",
            [ProblemField(field="query.cursor", message="not a cursor from this API")],
        )
    return values


def next_link(cursor: str | None) -> str | None:
    if cursor is None:
        return None
    args = request.args.to_dict(flat=False)
    args["cursor"] = [cursor]
    return f"{request.base_url}?{urlencode(args, doseq=True)}"
