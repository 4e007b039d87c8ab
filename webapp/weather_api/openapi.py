"""The API's OpenAPI 3.1 description, served at /openapi.json (and checked against the live API by schemathesis)."""

from __future__ import annotations

from webapp.forecast import CITIES, DEFAULT_CITY, SUMMARIES
from webapp.weather_api.errors import REALM


def _json(description: str, schema: dict, **more: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}, **more}


def _error(description: str, *, challenge: bool = False) -> dict:
    headers = {"WWW-Authenticate": {"$ref": "#/components/headers/WWW-Authenticate"}}
    return _json(description, {"$ref": "#/components/schemas/Error"}, **({"headers": headers} if challenge else {}))


def _status(value: str, **properties: dict) -> dict:
    return {"type": "object", "properties": {"status": {"const": value}, **properties}, "required": ["status"]}


def _public(operation_id: str, summary: str, responses: dict) -> dict:
    return {"get": {"operationId": operation_id, "summary": summary, "security": [], "responses": responses}}


def openapi_document(scope: str) -> dict:
    problems = {"problems": {"type": "array", "items": {"type": "string"}}}
    forecasts = {"type": "array", "minItems": 5, "maxItems": 5,
                 "items": {"$ref": "#/components/schemas/WeatherForecast"}}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Weather API",
            "version": "1.0.0",
            "description": (
                "Five-day forecasts for a fixed list of cities. Every forecast request needs an Amazon Cognito "
                f"access token granting `{scope}`, from an allowed app client (a user's token from the "
                "authorization code flow, or a machine's from client credentials). Errors follow RFC 6750."
            ),
        },
        "paths": {
            "/weatherforecast": {
                "get": {
                    "operationId": "getWeatherForecast",
                    "summary": "The forecast for the five days after today (UTC)",
                    "security": [{"cognito": [scope]}],
                    "parameters": [{
                        "name": "city", "in": "query", "required": False,
                        "description": f"Which city; `{DEFAULT_CITY}` when omitted.",
                        "schema": {"type": "string", "enum": list(CITIES), "default": DEFAULT_CITY},
                    }],
                    "responses": {
                        "200": _json("Five daily forecasts, earliest first", forecasts),
                        "400": _error("Unknown city (`invalid_city`), or a malformed or duplicated credential "
                                      "(`invalid_request`)"),
                        "401": _error("No access token (a challenge without an error code), or one that is not "
                                      "valid (`invalid_token`)", challenge=True),
                        "403": _error(f"The token does not grant `{scope}` (`insufficient_scope`)", challenge=True),
                        "503": _error("The user pool's signing keys cannot be fetched right now; try again shortly"),
                    },
                }
            },
            "/openapi.json": _public("getOpenApiDocument", "This document",
                                     {"200": _json("OpenAPI 3.1", {"type": "object"})}),
            "/healthz": _public("getHealth", "Liveness (does not depend on Cognito)",
                                {"200": _json("The API is running", _status("ok"))}),
            "/readyz": _public(
                "getReadiness", "Readiness: tokens can be checked now (the pool's discovery document and keys)",
                {"200": _json("Ready to serve", _status("ready", **problems)),
                 "503": _json("Not ready; `problems` says why", _status("unavailable", **problems))},
            ),
        },
        "components": {
            "securitySchemes": {
                "cognito": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": f"A Cognito access token (`token_use: access`) whose `scope` includes `{scope}`.",
                }
            },
            "headers": {
                "WWW-Authenticate": {
                    "description": f'RFC 6750 challenge, e.g. `Bearer realm="{REALM}", error="invalid_token"`',
                    "schema": {"type": "string", "pattern": "^Bearer realm="},
                }
            },
            "schemas": {
                "WeatherForecast": {
                    "type": "object",
                    "properties": {
                        "date": {"type": "string", "format": "date"},
                        "temperatureC": {"type": "integer"},
                        "temperatureF": {"type": "integer", "description": "32 + int(temperatureC / 0.5556)"},
                        "summary": {"type": "string", "enum": list(SUMMARIES)},
                    },
                    "required": ["date", "temperatureC", "temperatureF", "summary"],
                    "additionalProperties": False,
                },
                "Error": {
                    "type": "object",
                    "properties": {
                        "error": {"type": "string"},
                        "error_description": {"type": "string"},
                        "scope": {"type": "string"},
                        "cities": {"type": "array", "items": {"type": "string"}},
                    },
                    "required": ["error", "error_description"],
                },
            },
        },
    }
