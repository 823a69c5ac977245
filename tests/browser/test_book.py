"""The rendered book, checked in headless Chromium, page by page of the table of contents.

For every page: no console errors or failed requests; all math typeset by the bundled
MathJax (no raw TeX left in the text); every image loads and has alternative text; headings
form a proper hierarchy; every internal link and anchor resolves; notebook pages carry a
Colab launch link to that notebook in the repository named in ``_config.yml``. Then the
search page finds a word from a chapter, and screenshots of the landing page and of the
Nash-equilibrium chapter are written to ``test-artifacts/`` at desktop and phone widths.

Run after ``make book``: ``make browser-test``.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
import yaml

from conftest import REPORT, ROOT

CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
REPOSITORY = CONFIG["repository"]["url"].rstrip("/")
BRANCH = CONFIG["repository"].get("branch", "main")


def toc_entries() -> list[str]:
    """Every ``root`` / ``file`` of ``_toc.yml`` in reading order, without suffix."""
    found: list[str] = []

    def walk(node) -> None:
        if isinstance(node, dict):
            for key in ("root", "file"):
                if key in node:
                    found.append(re.sub(r"\.(md|ipynb)$", "", str(node[key])))
            for value in node.values():
                if isinstance(value, (dict, list)):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8")))
    return found


PAGES = toc_entries()

# What must never be left in the text once MathJax has run (outside code and outputs).
RAW_TEX = re.compile(r"\\\(|\\\)|\\\[|\\\]|\$\$|\\begin\{|\\frac|\\mathbb|\\log\b")

WAIT_FOR_MATHJAX = """async () => {
    if (!document.querySelector('.math')) return 'no math';
    const start = Date.now();
    while (!(window.MathJax && MathJax.startup && MathJax.startup.promise)) {
        if (Date.now() - start > 20000) return 'MathJax never loaded';
        await new Promise(r => setTimeout(r, 50));
    }
    await MathJax.startup.promise;
    return 'typeset';
}"""

PAGE_FACTS = """async () => {
    // Images: load lazy ones now, then wait until every image has settled.
    const images = Array.from(document.images);
    images.forEach(img => { img.loading = 'eager'; });
    await Promise.all(images.map(img => img.complete ? null :
        new Promise(r => { img.addEventListener('load', r); img.addEventListener('error', r); })));
    const main = document.querySelector('main') || document.body;
    // Text outside code, notebook outputs and the MathJax output itself.
    const clone = main.cloneNode(true);
    clone.querySelectorAll('pre, code, script, style, mjx-container, .cell_output, .output')
         .forEach(e => e.remove());
    return {
        images: images.map(img => ({src: img.currentSrc || img.src, width: img.naturalWidth,
                                    complete: img.complete, alt: (img.getAttribute('alt') || '').trim(),
                                    inArticle: !!(document.querySelector('article') || main).contains(img),
                                    caption: ((img.closest('figure') || {}).querySelector
                                              ? (img.closest('figure').querySelector('figcaption') || {}).textContent || ''
                                              : '').trim()})),
        math: Array.from(document.querySelectorAll('.math')).map(e => !!e.querySelector('mjx-container')),
        mathjaxOutputs: document.querySelectorAll('mjx-container').length,
        text: clone.innerText,
        links: Array.from(document.querySelectorAll('a[href]')).map(a => a.href),
        // The article only: the theme's print-only header repeats the title as an h1.
        headings: Array.from((document.querySelector('article') || main).querySelectorAll('h1, h2, h3, h4, h5, h6'))
                       .map(h => [Number(h.tagName[1]), h.textContent.trim()]),
    };
}"""


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs) -> None:
        for name, value in attrs:
            if name in ("id", "name") and value:
                self.ids.add(value)


_ID_CACHE: dict[Path, set[str]] = {}


def anchors_of(path: Path) -> set[str]:
    if path not in _ID_CACHE:
        parser = _Ids()
        parser.feed(path.read_text(encoding="utf-8", errors="replace"))
        _ID_CACHE[path] = parser.ids
    return _ID_CACHE[path]


def open_page(browser, url: str, width: int = 1280, height: int = 900):
    """A new page at ``url`` with its console errors, page errors and failed requests recorded."""
    page = browser.new_page(viewport={"width": width, "height": height})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url} ({r.failure})"))
    page.on("response", lambda r: problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
    page.goto(url, wait_until="load")
    assert page.evaluate(WAIT_FOR_MATHJAX) != "MathJax never loaded", f"{url}: MathJax did not load"
    return page, problems


@pytest.mark.parametrize("entry", PAGES)
def test_page_renders_completely(entry: str, browser, server: str, book_dir: Path) -> None:
    url = urljoin(server, entry + ".html")
    assert (book_dir / (entry + ".html")).is_file(), f"{entry} is in _toc.yml but was not built"
    page, problems = open_page(browser, url)
    facts = page.evaluate(PAGE_FACTS)
    page.close()
    REPORT["pages"].append(entry)
    REPORT["console_errors"].extend(f"{entry}: {p}" for p in problems)
    assert not problems, f"{entry}: " + "; ".join(problems)

    # Math: every math element rendered by MathJax, and no TeX source left in the prose.
    REPORT["math"] += len(facts["math"])
    assert all(facts["math"]), f"{entry}: {facts['math'].count(False)} math element(s) not typeset"
    leftover = RAW_TEX.findall(facts["text"])
    assert not leftover, f"{entry}: raw TeX in the rendered text: {leftover[:5]}"

    # Images: loaded (natural width > 0); figures in the text have alternative text and a caption.
    REPORT["images"] += len(facts["images"])
    broken = [img["src"] for img in facts["images"] if not img["complete"] or img["width"] == 0]
    assert not broken, f"{entry}: images that did not load: {broken}"
    figures = [img for img in facts["images"] if img["inArticle"]]
    no_alt = [img["src"] for img in figures if len(img["alt"]) < 20 or img["alt"].endswith(".png")]
    assert not no_alt, f"{entry}: figures without alternative text: {no_alt}"
    no_caption = [img["src"] for img in figures if len(img["caption"]) < 20]
    assert not no_caption, f"{entry}: figures without a caption: {no_caption}"

    # Headings: one title, and no level skipped on the way down.
    levels = [level for level, _ in facts["headings"]]
    assert levels and levels[0] == 1 and levels.count(1) == 1, f"{entry}: headings {facts['headings']}"
    skips = [(a, b) for (a, _), (b, _) in zip(facts["headings"], facts["headings"][1:]) if b > a + 1]
    assert not skips, f"{entry}: heading levels skipped: {skips}"

    # Internal links and anchors resolve to a built file and an element id in it.
    bad_links = []
    for href in facts["links"]:
        if not href.startswith(server):
            continue
        parts = urlsplit(href)
        target = book_dir / unquote(parts.path[len(urlsplit(server).path):])
        if target.is_dir():
            target = target / "index.html"
        if not target.is_file():
            bad_links.append(href)
            continue
        REPORT["links"] += 1
        if parts.fragment and target.suffix == ".html":
            REPORT["anchors"] += 1
            if unquote(parts.fragment) not in anchors_of(target):
                bad_links.append(href)
    assert not bad_links, f"{entry}: internal links that do not resolve: {sorted(set(bad_links))}"

    # Notebook pages: a Colab launch link to this notebook in the configured repository.
    if entry.startswith("notebooks/"):
        expected = (f"https://colab.research.google.com/github/{REPOSITORY.removeprefix('https://github.com/')}"
                    f"/blob/{BRANCH}/{entry}.ipynb")
        assert expected in facts["links"], f"{entry}: no Colab link {expected}; links: {facts['links'][:40]}"


@pytest.mark.parametrize("word, expected_page", [("saturating", "book/training.html"),
                                                  ("Jensen", "book/nash-equilibrium.html")])
def test_search_finds_a_word_from_a_chapter(word: str, expected_page: str, browser, server: str) -> None:
    page, problems = open_page(browser, urljoin(server, f"search.html?q={word}"))
    page.wait_for_selector("#search-results ul.search li", timeout=20000)
    hits = page.eval_on_selector_all("#search-results ul.search li a", "links => links.map(a => a.href)")
    page.close()
    REPORT["console_errors"].extend(f"search: {p}" for p in problems)
    assert not problems, "; ".join(problems)
    assert any(expected_page in hit for hit in hits), f"search for {word!r} did not list {expected_page}: {hits}"


@pytest.mark.parametrize("entry", ["book/intro", "book/nash-equilibrium"])
@pytest.mark.parametrize("device, width, height", [("desktop", 1280, 800), ("phone", 390, 844)])
def test_screenshot(entry: str, device: str, width: int, height: int, browser, server: str,
                    artifacts: Path) -> None:
    page, problems = open_page(browser, urljoin(server, entry + ".html"), width, height)
    path = artifacts / "screenshots" / f"{entry.split('/')[-1]}-{device}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    page.close()
    REPORT["screenshots"].append(str(path.relative_to(artifacts)))
    assert not problems, "; ".join(problems)
    assert path.stat().st_size > 10_000, f"{path} looks empty"
    assert overflow <= 1, f"{entry} at {width} px is {overflow} px wider than the screen"
