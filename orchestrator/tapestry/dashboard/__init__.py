"""`tapestry dashboard`: a small read-only web app showing every phase of the pipeline.

Layers, one job each:
- `access`  opens the project state and the warehouse read-only, per request, and remembers the last
            good reading so a busy warehouse still shows something;
- `data`    read-only queries returning plain dicts (the HTML pages and the JSON API share them);
- `cloud`   the optional AWS / Airbyte / Snowflake panels (`CloudContext`);
- `charts`  inline SVG rendered server-side;
- `docs`    the bundled `docs/*.md`, rendered without raw HTML;
- `auth`    the token guard for non-loopback binds;
- `pages`   Jinja2 (autoescape on) rendering;
- `server`  the HTTP server and routes.
"""
