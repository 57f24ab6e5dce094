"""Sphinx glue for the course: offline assets and the API reference.

A local Sphinx extension, listed under ``sphinx.local_extensions`` in
``_config.yml``. It does four things.

1. **Offline assets.** ``tools/fetch_assets.sh`` installs MathJax, RequireJS
   and the Jupyter widgets HTML manager at the versions pinned in
   ``tools/web/package-lock.json`` and copies the files the pages load into
   ``tools/web/static/fetched/``. This extension adds that folder to
   ``html_static_path`` (as an absolute path, because a book build and a
   one-page build read ``_config.yml`` from different source folders), so
   the files land in ``_build/html/_static/fetched/`` where ``mathjax_path``
   and ``nb_ipywidgets_js`` point.
2. **Cross references by the names readers use.** Docstrings say
   ``fnnlab.train`` or ``BackendMismatchError``; the API page documents each
   object once, where it is defined (``fnnlab.training.train``,
   ``fnnlab.errors.BackendMismatchError``). A reference that Sphinx cannot
   find is looked up by importing it and followed to the documented object.
3. **No Thebe.** Jupyter Book always loads sphinx-thebe, which writes the
   address of the Thebe bundle on a CDN into every page (and declares it
   twice, an error in the browser console), although the course's launch
   buttons are Binder and Colab and ``launch_buttons.thebe`` is off. Its
   page hooks are disconnected here.

4. **No source pages for the exercises.** ``sphinx.ext.viewcode`` adds a
   ``[source]`` link to each documented object; for the packages named in
   ``fnnlab_hide_source`` (``fnnlab.exercises``: its modules hold the
   reference solutions, which the book keeps folded) it makes none.

It also keeps Napoleon (Google-style docstrings) away from the docstrings of
properties and module constants: Napoleon would read a first line such as
"Traces after the first: what ..." as a type followed by a description,
while the course's docstrings are prose there and take types from the
annotations.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError

ASSETS = Path(__file__).resolve().parents[1] / "web" / "static"
PACKAGE = "fnnlab"


# --- 1. offline assets ----------------------------------------------------

def _add_static_path(app: Sphinx) -> None:
    if app.builder.format != "html":
        return
    if not (ASSETS / "fetched" / "versions.json").is_file():
        raise ExtensionError(
            f"the book's offline assets are missing from {ASSETS}: run "
            "`make book` (or `sh tools/fetch_assets.sh`) to fetch MathJax "
            "and the widget manager at their pinned versions"
        )
    static = list(app.config.html_static_path)
    if str(ASSETS) not in static:
        static.append(str(ASSETS))
    app.config.html_static_path = static


# --- 2. references by the names readers use ---------------------------------

def _import_object(dotted: str) -> Any:
    """The object a dotted name denotes, or None."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        try:
            for attr in parts[cut:]:
                obj = getattr(obj, attr)
        except AttributeError:
            return None
        return obj
    return None


def _documented_name(obj: Any, objects: dict) -> str | None:
    """Where the API page documents ``obj``, if it does."""
    module = getattr(obj, "__module__", None)
    qualname = getattr(obj, "__qualname__", None)
    if isinstance(module, str) and isinstance(qualname, str):
        canonical = f"{module}.{qualname}"
        if canonical in objects:
            return canonical
    if isinstance(obj, type(importlib)):
        return obj.__name__ if obj.__name__ in objects else None
    for name in objects:
        if name.startswith(PACKAGE + ".") and _import_object(name) is obj:
            return name
    return None


def _resolve_by_import(app: Sphinx, env: Any, node: Any,
                       contnode: Any) -> Any:
    if node.get("refdomain") != "py":
        return None
    target = node["reftarget"]
    module = node.get("py:module")
    klass = node.get("py:class")
    candidates = [target]
    if module:
        candidates.insert(0, f"{module}.{target}")
        if klass:
            candidates.insert(0, f"{module}.{klass}.{target}")
    domain = env.get_domain("py")
    objects = domain.objects
    for candidate in candidates:
        if not candidate.startswith(PACKAGE):
            continue
        obj = _import_object(candidate)
        if obj is None:
            continue
        name = _documented_name(obj, objects)
        if name is not None:
            return domain.resolve_xref(env, node["refdoc"], app.builder,
                                       "obj", name, node, contnode)
    return None


# --- 3. no Thebe ----------------------------------------------------------------

def _without_thebe(app: Sphinx) -> None:
    import sphinx_thebe

    hooks = {sphinx_thebe.init_thebe_core, sphinx_thebe.update_thebe_context}
    for listeners in app.events.listeners.values():
        for listener in list(listeners):
            if listener.handler in hooks:
                app.disconnect(listener.id)
    app.registry.css_files = [
        (name, attrs) for name, attrs in app.registry.css_files
        if name != "sphinx-thebe.css"
    ]


# --- 4. no source pages for the exercises ----------------------------------

def _hide_source(app: Sphinx, doctree: nodes.document) -> None:
    modules = getattr(app.env, "_viewcode_modules", None)
    if modules is None:
        modules = app.env._viewcode_modules = {}
    for package in app.config.fnnlab_hide_source:
        found = importlib.import_module(package)
        names = [package] + [
            info.name for info in pkgutil.walk_packages(
                getattr(found, "__path__", []), package + ".")]
        for name in names:
            modules[name] = False  # viewcode: "no source for this module"


# --- Napoleon, but not for properties and constants ----------------------------

def _napoleon_except_attributes(app: Sphinx) -> None:
    from sphinx.ext.napoleon import _process_docstring

    event = "autodoc-process-docstring"
    for listener in list(app.events.listeners.get(event, [])):
        if listener.handler is _process_docstring:
            app.disconnect(listener.id)

            def process(app: Sphinx, what: str, name: str, obj: Any,
                        options: Any, lines: list[str]) -> None:
                if what not in ("attribute", "data", "property"):
                    _process_docstring(app, what, name, obj, options, lines)

            app.connect(event, process)


def setup(app: Sphinx) -> dict:
    app.setup_extension("sphinx.ext.autodoc")
    app.setup_extension("sphinx.ext.napoleon")
    _napoleon_except_attributes(app)
    app.setup_extension("sphinx_thebe")
    _without_thebe(app)
    app.add_config_value("fnnlab_hide_source", [], "env")
    app.connect("builder-inited", _add_static_path)
    # Before viewcode's own doctree-read handler (priority 500).
    app.connect("doctree-read", _hide_source, priority=400)
    app.connect("missing-reference", _resolve_by_import)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
