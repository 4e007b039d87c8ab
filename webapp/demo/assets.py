"""Static files that browsers keep for a year: pages link them by `static_url`, which adds a digest of their
content (`v`), so a changed file gets a new URL and nothing needs revalidating in between (two requests fewer per
page view). Any other URL of a file (no `v`, or a page from before a deploy) is served as Flask serves static
files: revalidated each time, as every file is in debug mode, where a file edited since start-up keeps its first
digest."""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Flask, current_app, request, send_from_directory

YEAR = 365 * 24 * 3600


def init_app(app: Flask) -> None:
    folder = Path(app.static_folder)
    versions = {path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()[:16]
                for path in folder.rglob("*") if path.is_file()}

    def static(filename: str):
        version = request.args.get("v")
        current = version is not None and version == versions.get(filename) and not current_app.debug
        response = send_from_directory(folder, filename, max_age=YEAR if current else None)
        response.cache_control.immutable = current or None
        return response

    def static_url(filename: str) -> str:
        """A file's URL with its digest; a name that is not in the folder is an error, not a link never kept."""
        # The templates' own url_for (links.py remembers the links it builds), looked up when called.
        return app.jinja_env.globals["url_for"]("static", filename=filename, v=versions[filename])

    app.view_functions["static"] = static
    app.jinja_env.globals["static_url"] = static_url
