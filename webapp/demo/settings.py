"""The demo web app's settings: the sign-in extension's, plus where the weather API is."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from webapp.cognito_auth import CognitoAuthSettings
from webapp.environment import Env
from webapp.forecast import DEFAULT_API_SCOPE


@dataclass(frozen=True)
class WebSettings(CognitoAuthSettings):
    weather_api_url: str = "http://localhost:5001"

    default_scopes: ClassVar[str] = f"{CognitoAuthSettings.default_scopes} {DEFAULT_API_SCOPE}"
    part: ClassVar[str] = "web app"

    @classmethod
    def read(cls, env: Env) -> dict[str, Any]:
        return {**super().read(env), "weather_api_url": env.url("WEATHER_API_URL", cls.weather_api_url)}
