"""The OpenAPI 3.1 document, generated from the registered operations and their pydantic models
(JSON Schema 2020-12 is OpenAPI 3.1's own schema dialect, so the models' schemas go in unchanged),
and the docs page rendered from it on the server (no CDN, no script)."""

from __future__ import annotations

import json
import re
from functools import lru_cache

from flask import jsonify, render_template
from pydantic.json_schema import models_json_schema

from .. import access_tokens
from .core import MAX_ID, OPERATIONS, Operation, bp
from .schemas import Problem

REF = "#/components/schemas/{model}"
ERROR_TITLES = {
    400: "Bad request",
    401: "No valid token",
    403: "The token lacks a scope, or the user a right",
    404: "Not found (or not yours to see)",
    409: "Conflict",
    415: "Not JSON",
    422: "Validation failed: see errors[]",
    429: "Too many requests",
}


def _path(rule: str) -> str:
    return "/api/v1" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule)


def _path_params(rule: str) -> list[dict]:
    return [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "integer", "minimum": 0, "maximum": MAX_ID} if conv == "int" else {"type": "string"},
        }
        for conv, name in re.findall(r"<(?:(\w+):)?(\w+)>", rule)
    ]


def _query_params(op: Operation, defs: dict, refs: dict) -> list[dict]:
    if op.query is None:
        return []
    schema = defs[refs[(op.query, "validation")]["$ref"].rsplit("/", 1)[1]]
    required = set(schema.get("required", ()))
    out = []
    for name, prop in schema.get("properties", {}).items():
        param = {"name": name, "in": "query", "required": name in required, "schema": prop}
        if "description" in prop:
            param["description"] = prop["description"]
        out.append(param)
    return out


@lru_cache(maxsize=1)
def document() -> dict:
    wanted = {(Problem, "serialization")}
    for op in OPERATIONS:
        if op.response is not None:
            wanted.add((op.response, "serialization"))
        if op.body is not None:
            wanted.add((op.body, "validation"))
        if op.query is not None:
            wanted.add((op.query, "validation"))
    refs, top = models_json_schema(sorted(wanted, key=lambda p: (p[0].__name__, p[1])), ref_template=REF)
    defs = top.get("$defs", {})
    problem = {"content": {"application/problem+json": {"schema": refs[(Problem, "serialization")]}}}
    paths: dict[str, dict] = {}
    for op in OPERATIONS:
        item: dict = {
            "operationId": op.endpoint,
            "summary": op.summary,
            "tags": [op.tag],
            "parameters": _path_params(op.rule) + _query_params(op, defs, refs),
            "responses": {},
        }
        if op.description:
            item["description"] = op.description
        if op.scope:
            item["x-scope"] = op.scope
            item["description"] = (item.get("description", "") + f"\n\nScope: `{op.scope}`.").strip()
        if op.body is not None:
            item["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": refs[(op.body, "validation")]}},
            }
        ok = {"description": "OK" if op.status == 200 else "Created"}
        if op.response is not None:
            ok["content"] = {"application/json": {"schema": refs[(op.response, "serialization")]}}
        item["responses"][str(op.status)] = ok
        codes = (
            {400, 401, 429}
            | ({403} if op.scope else set())
            | set(op.errors)
            | ({415, 422} if op.body is not None else set())
            | ({422} if op.query is not None else set())
        )
        for code in sorted(codes):
            item["responses"][str(code)] = {"description": ERROR_TITLES.get(code, "Error"), **problem}
        if not item["parameters"]:
            del item["parameters"]
        paths.setdefault(_path(op.rule), {})[op.method.lower()] = item
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "inbox REST API",
            "version": "1",
            "description": "The help desk's second face: the same rules as the web UI. Authenticate "
            "with a personal access token (profile page or `inbox tokens create`) as "
            "`Authorization: Bearer …`. Errors are RFC 9457 problem+json. Lists are "
            "paged by an opaque cursor (`limit` ≤ 200, `next`), `?count=true` adds the total. "
            f"Scopes: {', '.join(access_tokens.SCOPES)}.",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearerAuth": []}],
        "paths": paths,
        "components": {"schemas": defs, "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
    }


@bp.get("/openapi.json")
def openapi():
    return jsonify(document())


@bp.get("/docs")
def docs():
    doc = document()
    groups: dict[str, list] = {}
    for path, methods in doc["paths"].items():
        for method, op in methods.items():
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            ok = next(iter(op["responses"].items()))
            out = ok[1].get("content", {}).get("application/json", {}).get("schema")
            groups.setdefault(op["tags"][0], []).append(
                {
                    "method": method.upper(),
                    "path": path,
                    "op": op,
                    "body": _ref_name(body),
                    "response": _ref_name(out),
                    "status": ok[0],
                    "errors": [c for c in op["responses"] if c != ok[0]],
                }
            )
    schemas = {name: json.dumps(schema, indent=2) for name, schema in sorted(doc["components"]["schemas"].items())}
    return render_template("api/docs.html", doc=doc, groups=groups, schemas=schemas)


def _ref_name(schema: dict | None) -> str | None:
    return schema["$ref"].rsplit("/", 1)[1] if schema and "$ref" in schema else None
