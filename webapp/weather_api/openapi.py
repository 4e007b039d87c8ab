"""The API's OpenAPI 3.1 description, served at /openapi.json (and checked against the live API by schemathesis)."""

from __future__ import annotations

from webapp.weather_api.errors import REALM
from webapp.weather_api.forecast import CITIES, DEFAULT_CITY, SUMMARIES


def _error_response(description: str, *, challenge: bool) -> dict:
    response: dict = {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    if challenge:
        response["headers"] = {"WWW-Authenticate": {"$ref": "#/components/headers/WWW-Authenticate"}}
    return response


def openapi_document(scope: str) -> dict:
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
                    "parameters": [
                        {
                            "name": "city",
                            "in": "query",
                            "required": False,
                            "description": f"Which city; `{DEFAULT_CITY}` when omitted.",
                            "schema": {"type": "string", "enum": list(CITIES), "default": DEFAULT_CITY},
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "Five daily forecasts, earliest first",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "array",
                                        "minItems": 5,
                                        "maxItems": 5,
                                        "items": {"$ref": "#/components/schemas/WeatherForecast"},
                                    }
                                }
                            },
                        },
                        "400": _error_response(
                            "Unknown city (`invalid_city`), or a malformed or duplicated credential "
                            "(`invalid_request`)", challenge=False,
                        ),
                        "401": _error_response(
                            "No access token (a challenge without an error code), or one that is not valid "
                            "(`invalid_token`)", challenge=True,
                        ),
                        "403": _error_response(f"The token does not grant `{scope}` (`insufficient_scope`)",
                                               challenge=True),
                        "503": _error_response(
                            "The user pool's signing keys cannot be fetched right now; try again shortly",
                            challenge=False,
                        ),
                    },
                }
            },
            "/openapi.json": {
                "get": {
                    "operationId": "getOpenApiDocument",
                    "summary": "This document",
                    "security": [],
                    "responses": {
                        "200": {"description": "OpenAPI 3.1", "content": {"application/json": {"schema": {
                            "type": "object"}}}},
                    },
                }
            },
            "/healthz": {
                "get": {
                    "operationId": "getHealth",
                    "summary": "Liveness (does not depend on Cognito)",
                    "security": [],
                    "responses": {
                        "200": {
                            "description": "The API is running",
                            "content": {"application/json": {"schema": {
                                "type": "object",
                                "properties": {"status": {"const": "ok"}},
                                "required": ["status"],
                            }}},
                        }
                    },
                }
            },
            "/readyz": {
                "get": {
                    "operationId": "getReadiness",
                    "summary": "Readiness: tokens can be checked now (the pool's discovery document and keys)",
                    "security": [],
                    "responses": {
                        status: {"description": description, "content": {"application/json": {"schema": {
                            "type": "object",
                            "properties": {"status": {"const": value},
                                           "problems": {"type": "array", "items": {"type": "string"}}},
                            "required": ["status"],
                        }}}}
                        for status, value, description in (("200", "ready", "Ready to serve"),
                                                           ("503", "unavailable", "Not ready; `problems` says why"))
                    },
                }
            },
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
