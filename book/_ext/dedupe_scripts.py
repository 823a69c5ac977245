"""Sphinx extension: include each script of a page once.

sphinx-thebe (which jupyter-book 1.x always loads) adds its inline configuration script
in an ``env-before-read-docs`` handler, and that event fires more than once per build, so
every page declared ``const THEBE_JS_URL`` twice and the browser reported
"Identifier 'THEBE_JS_URL' has already been declared" as a page error. This handler drops
repeated scripts (same file, or same inline body, and same attributes) from each page.
"""

from __future__ import annotations


def _key(script) -> tuple:
    # An inline script is registered with filename None once and "" the other time.
    filename = str(getattr(script, "filename", script) or "")
    attributes = getattr(script, "attributes", {}) or {}
    return filename, tuple(sorted((k, str(v)) for k, v in attributes.items()))


def dedupe_scripts(app, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        key = _key(script)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    scripts[:] = unique


def setup(app):
    # First: Sphinx emits html-page-context with emit_firstresult, which stops at the first
    # handler that returns a value, so a late handler may never run.
    app.connect("html-page-context", dedupe_scripts, priority=1)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
