"""`url_for` in the demo's templates, remembered: every page builds the same links (stylesheet, icon, navigation,
forms), and Werkzeug's URL map takes microseconds for each, a twentieth of the profile page's CPU under load
(py-spy on a `make bench` worker). Flask has no switch for this, so it is written here."""

from __future__ import annotations

from flask import Flask, request, url_for

#: More distinct links than the templates build means arguments that vary (a `next` path): start over.
MAX_LINKS = 256


def init_app(app: Flask) -> None:
    links: dict[tuple, str] = {}

    def remembered_url_for(endpoint: str, **values) -> str:
        """Flask's `url_for`, remembered where it builds the same URL in every request: a relative URL depends only
        on the script root, the endpoint and its arguments, while no `url_defaults` callback adds arguments."""
        if endpoint.startswith(".") or "_external" in values or "_scheme" in values or app.url_default_functions:
            return url_for(endpoint, **values)
        key = (request.script_root, endpoint, *values.items())
        try:
            link = links.get(key)
        except TypeError:  # an argument that cannot be a key (a list of values)
            return url_for(endpoint, **values)
        if link is None:
            if len(links) >= MAX_LINKS:
                links.clear()
            link = links[key] = url_for(endpoint, **values)
        return link

    app.jinja_env.globals["url_for"] = remembered_url_for
