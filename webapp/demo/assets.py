"""Static files that browsers keep for a year: each page links them with a digest of their content (`v`), so a
changed file gets a new URL and nothing needs revalidating in between (two requests fewer per page view). A URL
whose `v` is not the file's current digest (no `v`, or a page from before a deploy) is served as Flask serves
any static file: revalidated each time, as every file is in debug mode (`flask run --debug`), where a file edited
since start-up keeps its first digest."""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Flask, request, send_from_directory

YEAR = 365 * 24 * 3600


def init_app(app: Flask) -> None:
    folder = Path(app.static_folder)
    versions = {path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()[:16]
                for path in folder.rglob("*") if path.is_file()}

    kept = not app.debug

    def static(filename: str):
        current = kept and request.args.get("v") == versions.get(filename)
        response = send_from_directory(folder, filename, max_age=YEAR if current else None)
        response.cache_control.immutable = current or None
        return response

    app.view_functions["static"] = static
    app.jinja_env.globals["asset_versions"] = versions
