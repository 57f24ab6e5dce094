"""The rendered book, checked the way a reader meets it (issue 5; C19-C22).

The built site is served on 127.0.0.1 and every page of the table of
contents is opened in headless Chromium (Debian's ``chromium``, driven by
Playwright) with every request to another host aborted and counted. Each
page must show typeset math (a MathJax container in every math element, no
raw ``$`` or ``\\(`` left in the text), every image loaded, every saved
widget drawn, and no error in the console. Screenshots of two chapters are
kept in ``_build/screenshots/``.

The static checks read the built HTML: no address of an outside host but
the launch links and the repository; MathJax and the widget manager come
from the site itself, at the pinned versions; every widget on a page has
its state saved (C19); launch, download and search are there; the API page
documents every public module.

Which build: ``FNNLAB_BOOK_HTML`` when set (``make browser`` points it at
the build ``make book-strict`` just made); else ``_build/html`` when it is
newer than every source; else, with ``FNNLAB_BUILD_BOOK=1``, the book is
built here into a temporary folder (minutes); else the tests that need a
build are skipped, saying so (a plain ``pytest tests`` stays quick).

``make browser`` runs this file with no network but loopback (a fresh
network namespace, tools/offline.sh) and sets ``FNNLAB_BROWSER_OFFLINE=1``,
which makes the test check that only ``lo`` exists.
"""

from __future__ import annotations

import functools
import html.parser
import http.server
import json
import os
import pkgutil
import re
import socket
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

import fnnlab

ROOT = Path(__file__).resolve().parents[1]
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf8"))
CHROMIUM = Path(os.environ.get("FNNLAB_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update",
    "--disable-sync",
]
SCREENSHOT_DIR = ROOT / "_build" / "screenshots"
# Two chapters kept as pictures: one of math and figures, one with a widget.
SCREENSHOT_PAGES = ("book/feedforward", "book/classifiers")
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
PAGE_TIMEOUT_MS = 60_000


def _toc_pages() -> list[str]:
    """Every document of _toc.yml, root first, in reading order."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf8"))
    pages = [toc["root"]]

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if "file" in node:
                pages.append(node["file"])
            for key in ("parts", "chapters", "sections"):
                for child in node.get(key, []):
                    walk(child)

    walk(toc)
    return pages


PAGES = _toc_pages()


def _source(page: str) -> Path | None:
    for suffix in (".ipynb", ".md", ".rst"):
        path = ROOT / (page + suffix)
        if path.is_file():
            return path
    return None


def _notebook_pages() -> list[str]:
    return [p for p in PAGES if (ROOT / (p + ".ipynb")).is_file()]


# --- the build under test ---------------------------------------------------

def _newest_source() -> float:
    paths = [ROOT / "_config.yml", ROOT / "_toc.yml"]
    for folder, pattern in (("book", "*"), ("fnnlab", "*.py"),
                            ("tools/sphinx", "*.py")):
        paths += [p for p in (ROOT / folder).rglob(pattern) if p.is_file()]
    return max(p.stat().st_mtime for p in paths)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    given = os.environ.get("FNNLAB_BOOK_HTML")
    if given:
        path = Path(given).resolve()
        assert (path / "index.html").is_file(), (
            f"FNNLAB_BOOK_HTML={given} holds no built book (index.html)")
        return path
    built = ROOT / "_build" / "html"
    index = built / "index.html"
    if index.is_file() and index.stat().st_mtime >= _newest_source():
        return built
    if os.environ.get("FNNLAB_BUILD_BOOK") != "1":
        pytest.skip("no current build of the book: `make browser` builds it "
                    "and runs this file (or set FNNLAB_BUILD_BOOK=1 to build "
                    "it here, several minutes)")
    out = tmp_path_factory.mktemp("book")
    jb = Path(sys.executable).with_name("jupyter-book")
    run = subprocess.run(
        [str(jb), "build", str(ROOT), "--path-output", str(out),
         "-W", "-n", "--keep-going"],
        capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, (
        "the book does not build:\n" + run.stdout[-4000:] + run.stderr[-4000:])
    return out / "_build" / "html"


def _html(site: Path, page: str) -> str:
    path = site / (page + ".html")
    assert path.is_file(), f"{page}.html was not built (is it in _toc.yml?)"
    return path.read_text(encoding="utf8")


# --- static checks of the built HTML ----------------------------------------

class _Links(html.parser.HTMLParser):
    """Every URL in an attribute that makes a browser fetch or link."""

    ATTRS = {"src", "href", "srcset", "data", "action", "poster",
             "formaction", "background", "manifest"}

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        for name, value in attrs:
            if name in self.ATTRS and value:
                parts = value.split(",") if name == "srcset" else [value]
                self.urls += [p.strip().split(" ")[0] for p in parts]


def _allowed_prefixes() -> list[str]:
    repo = CONFIG["repository"]["url"].rstrip("/")
    launch = CONFIG["launch_buttons"]
    return [repo, launch["binderhub_url"].rstrip("/") + "/",
            launch["colab_url"].rstrip("/") + "/"]


def _outside(url: str) -> bool:
    return bool(re.match(r"(?i)^(https?:)?//", url.strip()))


def _allowed(url: str) -> bool:
    for prefix in _allowed_prefixes():
        rest = url[len(prefix):] if url.startswith(prefix) else None
        if rest is not None and (prefix.endswith("/") or rest == ""
                                 or rest[0] in "/?#"):
            return True
    return False


def test_no_outside_host_in_any_built_page(site: Path) -> None:
    """C22: only the launch links and the repository leave the site."""
    pages = sorted(site.rglob("*.html"))
    assert len(pages) >= len(PAGES)
    bad, kept = [], 0
    for page in pages:
        parser = _Links()
        parser.feed(page.read_text(encoding="utf8"))
        for url in filter(_outside, parser.urls):
            if _allowed(url):
                kept += 1
            else:
                bad.append(f"{page.relative_to(site)}: {url}")
    assert not bad, ("addresses of outside hosts in the built HTML "
                     "(only launch links and the repository may be):\n"
                     + "\n".join(sorted(set(bad))))
    assert kept > 0, "no launch or repository link found at all"


def test_link_rule_can_fail() -> None:
    """The rule above rejects CDNs and look-alike hosts."""
    assert not _allowed("https://cdn.jsdelivr.net/npm/mathjax@3/es5/x.js")
    assert not _allowed("https://github.com/fnnlab/fnnlab-evil")
    assert not _allowed("https://mybinder.org.evil.com/x")
    assert _allowed(CONFIG["repository"]["url"])
    assert _outside("//fonts.example.org/x.css")
    assert not _outside("_static/fetched/mathjax/tex-chtml.js")


def _lock_versions() -> dict:
    lock = json.loads((ROOT / "tools/web/package-lock.json").read_text())
    return {name: lock["packages"][f"node_modules/{name}"]["version"]
            for name in ("mathjax", "requirejs",
                         "@jupyter-widgets/html-manager")}


def test_mathjax_and_widget_manager_are_served_locally(site: Path) -> None:
    """C22: the scripts come from _static/fetched, at the pinned versions."""
    served = json.loads(
        (site / "_static/fetched/versions.json").read_text())
    assert served == _lock_versions()
    assert served["mathjax"].startswith("3.")
    # html-manager 1.0.x is the one for ipywidgets 8 (widget protocol 2).
    assert served["@jupyter-widgets/html-manager"].startswith("1.0.")
    import ipywidgets
    assert ipywidgets.__version__.startswith("8.")
    for name in ("mathjax/tex-chtml.js", "widgets/require.js",
                 "widgets/embed-amd.js", "widgets/widgets-setup.js"):
        assert (site / "_static/fetched" / name).stat().st_size > 0
    widget_pages = [p for p in _notebook_pages()
                    if WIDGET_VIEW in _html(site, p)]
    for page in widget_pages:
        text = _html(site, page)
        for script in ("fetched/widgets/widgets-setup.js",
                       "fetched/widgets/require.js",
                       "fetched/widgets/embed-amd.js"):
            assert re.search(r'src="(\.\./)*_static/' + re.escape(script),
                             text), (page, script)
        # The setup must run first: RequireJS reads its configuration.
        assert (text.index("widgets/widgets-setup.js")
                < text.index("widgets/require.js")
                < text.index("widgets/embed-amd.js")), page
    math_pages = [p for p in PAGES if 'class="math' in _html(site, p)]
    assert math_pages, "no page holds math"
    for page in math_pages:
        assert "_static/fetched/mathjax/tex-chtml.js" in _html(site, page)


def _scripts(text: str, kind: str) -> list[str]:
    pattern = (r'<script type="' + re.escape(kind) + r'">(.*?)</script>')
    return re.findall(pattern, text, flags=re.S)


def test_every_widget_has_its_state_saved(site: Path) -> None:
    """C19: each widget view on a page has its model in the saved state."""
    seen = 0
    for page in _notebook_pages():
        nb = json.loads((ROOT / (page + ".ipynb")).read_text("utf8"))
        stored = sum(WIDGET_VIEW in out.get("data", {})
                     for cell in nb["cells"] for out in cell.get("outputs", []))
        text = _html(site, page)
        views = [json.loads(v) for v in _scripts(text, WIDGET_VIEW)]
        assert len(views) == stored, (
            f"{page}: {stored} widget outputs in the notebook, "
            f"{len(views)} in the page")
        if not views:
            continue
        states = _scripts(text, WIDGET_STATE)
        assert len(states) == 1, f"{page}: no saved widget state (C19)"
        models = json.loads(states[0])["state"]
        for view in views:
            assert view["model_id"] in models, (page, view["model_id"])
        seen += len(views)
    assert seen > 0, "no chapter shows a widget"


def test_launch_download_repository_and_search(site: Path) -> None:
    repo = CONFIG["repository"]["url"]
    binder = CONFIG["launch_buttons"]["binderhub_url"]
    colab = CONFIG["launch_buttons"]["colab_url"]
    for page in _notebook_pages():
        text = _html(site, page)
        name = page + ".ipynb"
        assert re.search(re.escape(binder) + r"[^\"]*" + re.escape(name),
                         text), f"{page}: no Binder launch button"
        assert re.search(re.escape(colab) + r"[^\"]*" + re.escape(name),
                         text), f"{page}: no Colab launch button"
        assert f'href="../_sources/{name}"' in text, (
            f"{page}: no download button for the notebook")
        assert (site / "_sources" / name).is_file()
    for page in PAGES:
        text = _html(site, page)
        assert f'href="{repo}"' in text, f"{page}: no repository link"
        assert "search-button" in text, f"{page}: no search button"
    assert (site / "search.html").is_file()
    assert (site / "searchindex.js").stat().st_size > 0


# The exercise modules hold the reference solutions: the API page documents
# the checkers through the package, fnnlab.exercises, and shows no source.
DOCUMENTED_THROUGH_PACKAGE = ("fnnlab.exercises",)


def _public_modules() -> list[str]:
    names = [fnnlab.__name__]
    for info in pkgutil.walk_packages(fnnlab.__path__, "fnnlab."):
        parts = info.name.split(".")
        if any(part.startswith("_") for part in parts):
            continue
        if info.name.rpartition(".")[0] in DOCUMENTED_THROUGH_PACKAGE:
            continue
        names.append(info.name)
    return names


def test_api_page_documents_every_public_module(site: Path) -> None:
    assert "book/api" in PAGES, (
        "add the API page to _toc.yml:  - file: book/api")
    text = _html(site, "book/api")
    missing = [m for m in _public_modules() if f'id="module-{m}"' not in text]
    assert not missing, (
        "public modules missing from book/api.md (add an automodule "
        f"section for each): {missing}")
    assert 'id="fnnlab.network.FNN"' in text
    assert 'id="fnnlab.backprop.backprop"' in text
    import fnnlab.exercises as exercises
    checkers = [n for n in exercises.__all__ if n.startswith("check")]
    assert checkers
    for name in checkers:
        assert f'id="fnnlab.exercises.{name}"' in text, name
    assert not list(site.glob("_modules/fnnlab/exercises*")), (
        "the source of the exercise modules (their solutions) is published")


# --- in the browser -----------------------------------------------------------

@pytest.fixture(scope="module")
def server(site: Path):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.is_file():
        pytest.skip(f"no Chromium at {CHROMIUM}: `make` installs Debian's "
                    "chromium with apt-get when run as root; it could not "
                    "here, so the book is not checked in a browser")
    if os.environ.get("FNNLAB_BROWSER_OFFLINE") == "1":
        interfaces = sorted(name for _, name in socket.if_nameindex())
        assert interfaces == ["lo"], (
            f"asked to run offline, but the network has {interfaces}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM),
                                      args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


class _Visit:
    """One page in a fresh browser context, the network cut but loopback."""

    def __init__(self, browser, url: str) -> None:
        self.outside: list[str] = []
        self.errors: list[str] = []
        self.context = browser.new_context(
            viewport={"width": 1280, "height": 900})
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.set_default_timeout(PAGE_TIMEOUT_MS)
        self.page.on("console", self._console)
        self.page.on("pageerror",
                     lambda exc: self.errors.append(f"uncaught: {exc}"))
        self.page.on("response", self._response)
        self.page.goto(url, wait_until="load")

    def _route(self, route) -> None:
        if urlparse(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def _console(self, message) -> None:
        if message.type == "error":
            self.errors.append(f"console: {message.text}")

    def _response(self, response) -> None:
        if response.status >= 400:
            self.errors.append(f"HTTP {response.status}: {response.url}")

    def close(self) -> None:
        self.context.close()


READY = """async () => {
  if (window.MathJax && MathJax.startup) { await MathJax.startup.promise; }
  await document.fonts.ready;
}"""

WIDGETS_DRAWN = """() => [...document.querySelectorAll(
    'script[type="application/vnd.jupyter.widget-view+json"]')]
  .every(s => s.parentElement.querySelector('.jupyter-widgets'))"""

MEASURE = """() => {
  const article = document.querySelector('article') || document.body;
  const text = article.cloneNode(true);
  text.querySelectorAll('pre, code, script, style, textarea, mjx-container, '
                        + '.highlight').forEach(e => e.remove());
  const views = [...document.querySelectorAll(
      'script[type="application/vnd.jupyter.widget-view+json"]')];
  return {
    text: text.textContent,
    math: document.querySelectorAll('.math').length,
    untypeset: [...document.querySelectorAll('.math')]
        .filter(e => !e.querySelector('mjx-container'))
        .map(e => e.textContent.slice(0, 60)),
    containers: document.querySelectorAll('mjx-container').length,
    mathjax: window.MathJax && MathJax.version,
    images: [...document.images].map(i => ({
        src: i.currentSrc.slice(-60), ok: i.complete && i.naturalWidth > 0})),
    figures: article.querySelectorAll('.cell_output img, figure img').length,
    views: views.length,
    drawn: views.filter(s => s.parentElement.querySelector(
        '.jupyter-widgets:not(.jupyter-widgets-error-widget)')).length,
    broken: document.body.innerText.includes('Error displaying widget'),
  };
}"""


def _raw_tex(text: str) -> list[str]:
    return [text[max(m.start() - 30, 0):m.end() + 30].replace("\n", " ")
            for m in re.finditer(r"\$|\\\(|\\\[|\\begin\{", text)]


def _screenshots(page, name: str) -> list[Path]:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    stem = name.replace("/", "-")
    shots = [SCREENSHOT_DIR / f"{stem}.png"]
    page.screenshot(path=str(shots[0]), full_page=True)
    for label, selector in (("math", "div.math mjx-container"),
                            ("figure", ".cell_output img"),
                            ("widget", ".widget-subarea")):
        found = page.locator(selector)
        if found.count():
            shots.append(SCREENSHOT_DIR / f"{stem}-{label}.png")
            found.first.scroll_into_view_if_needed()
            found.first.screenshot(path=str(shots[-1]))
    return shots


@pytest.mark.parametrize("name", PAGES)
def test_page_renders_offline(name: str, browser, server, site) -> None:
    """Math typeset, figures loaded, widgets drawn, a quiet console."""
    visit = _Visit(browser, f"{server}/{name}.html")
    try:
        visit.page.evaluate(READY)
        visit.page.wait_for_function(WIDGETS_DRAWN, timeout=PAGE_TIMEOUT_MS)
        got = visit.page.evaluate(MEASURE)
        shots = (_screenshots(visit.page, name)
                 if name in SCREENSHOT_PAGES else [])
    finally:
        visit.close()

    assert not visit.outside, f"requests to outside hosts: {visit.outside}"
    assert not visit.errors, "errors in the browser:\n" + "\n".join(
        visit.errors)
    # C21: every math element typeset, no TeX left as text.
    assert not got["untypeset"], f"math not typeset: {got['untypeset']}"
    assert got["containers"] >= got["math"]
    assert not _raw_tex(got["text"]), f"raw TeX: {_raw_tex(got['text'])}"
    source = _source(name)
    if source is not None and "$" in source.read_text(encoding="utf8"):
        assert got["math"] > 0 and got["mathjax"].startswith("3."), (
            f"{name}: its source has $...$ but the page shows no math")
    # Figures: every image loaded; a chapter with plots shows them.
    assert all(image["ok"] for image in got["images"]), got["images"]
    if source is not None and source.suffix == ".ipynb":
        plots = source.read_text(encoding="utf8").count('"image/png"')
        assert got["figures"] >= min(plots, 1), (name, got["figures"])
    # C19/C22: every saved widget drawn from its state.
    assert got["drawn"] == got["views"] and not got["broken"], got
    for shot in shots:
        assert shot.stat().st_size > 0


def test_search_works_offline(browser, server) -> None:
    visit = _Visit(browser, f"{server}/search.html?q=backpropagation")
    try:
        visit.page.wait_for_selector("#search-results li",
                                     timeout=PAGE_TIMEOUT_MS)
        hits = visit.page.locator("#search-results li").count()
    finally:
        visit.close()
    assert hits > 0
    assert not visit.outside, visit.outside
    assert not visit.errors, visit.errors
