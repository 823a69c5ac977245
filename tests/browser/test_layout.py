"""The rendered book's layout, checked in headless Chromium: nothing wider than its column,
sharp images, a figure in every chapter, and CJK text in the bundled font.

* Every page of the table of contents at 1280 px and at 390 px: no code block, literal
  block or cell output is wider than its container's content box, notebook outputs wrap
  (no horizontal scroll inside them), the document itself has no horizontal scroll, and the
  visible sidebars hold their entries (nothing clipped at their right edge; a sidebar taller
  than the window scrolls).
* Every image in a figure or in a cell output is shown at most at its natural width (no
  upscaled, blurry bitmap).
* Every chapter page (book/ files of the numbered parts of _toc.yml) has a figure.
* Every CJK character the book uses is in both bundled fonts (_static/fonts, made by
  scripts/cjk_font.py), and on every page whose source has CJK text each CJK run is drawn
  with the bundled font (the face has loaded, and Chromium's DevTools protocol reports the
  web font as the only font of each run, with one glyph per character: no system fallback,
  no empty boxes).

Screenshots go to test-artifacts/screenshots/ (layout-*.png). Run after ``make book``.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from urllib.parse import urljoin

import pytest
import yaml

from conftest import REPORT, ROOT
from test_book import PAGES, open_page

WIDTHS = [("desktop", 1280, 900), ("phone", 390, 844)]
FONT_FAMILY = "GanEdu CJK"        # the @font-face name in _static/gan-edu.css
FONT_NAME = "Noto Sans CJK SC"    # the family name inside the subset font files


def _load_cjk_font_script():
    spec = importlib.util.spec_from_file_location("cjk_font", ROOT / "scripts" / "cjk_font.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


cjk_font = _load_cjk_font_script()
USED = cjk_font.used_characters()


def chapter_pages() -> list[str]:
    """The chapters of the numbered parts of _toc.yml that are pages under book/ (not notebooks)."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    found = []
    for part in toc.get("parts", []):
        if not part.get("numbered"):
            continue
        for chapter in part.get("chapters", []):
            name = re.sub(r"\.(md|ipynb)$", "", str(chapter.get("file", "")))
            if name.startswith("book/"):
                found.append(name)
    return found


def cjk_pages() -> list[str]:
    """The pages of the table of contents whose source file has CJK text."""
    sources = {re.sub(r"\.(md|ipynb)$", "", path) for files in USED.values() for path in files}
    return [entry for entry in PAGES if entry in sources]


# ---- the bundled font, from the files -------------------------------------------------------

def test_bundled_cjk_fonts_have_every_character_the_book_uses() -> None:
    assert USED, "no CJK character found in the book's sources: is scripts/cjk_font.py's scan broken?"
    for weight, path in cjk_font.OUTPUTS.items():
        assert path.is_file(), f"{path.relative_to(ROOT)} is missing: run `make cjk-font`"
        have = cjk_font.font_characters(path)  # needs brotli (a dev dependency) for woff2
        missing = [f"{char} (U+{ord(char):04X}, in {', '.join(USED[char])})" for char in USED if char not in have]
        assert not missing, (f"{path.relative_to(ROOT)} lacks {len(missing)} character(s) the book uses: "
                             f"{'; '.join(missing)}. Run `make cjk-font` and commit the fonts.")
    assert (cjk_font.FONT_DIR / "OFL.txt").is_file(), "the font's licence (_static/fonts/OFL.txt) is missing"


def test_cjk_font_faces_in_the_stylesheet_match_the_script(book_dir: Path) -> None:
    css = (ROOT / "_static" / "gan-edu.css").read_text(encoding="utf-8")
    faces = [block for block in re.findall(r"@font-face\s*\{([^}]*)\}", css) if FONT_FAMILY in block]
    weights = sorted(re.search(r"font-weight:\s*(\d+)", face).group(1) for face in faces)
    assert weights == ["400", "700"], f"expected a regular and a bold @font-face for {FONT_FAMILY!r}: {weights}"
    for face in faces:
        ranges = re.search(r"unicode-range:\s*([^;]+);", face).group(1).strip()
        assert ranges == cjk_font.unicode_range(), (
            f"unicode-range {ranges!r} differs from scripts/cjk_font.py's CJK_RANGES {cjk_font.unicode_range()!r}")
        url = re.search(r'url\("([^"]+)"\)', face).group(1)
        source = ROOT / "_static" / url
        built = book_dir / "_static" / url
        assert source.is_file(), f"@font-face url {url} is not in _static/"
        assert built.is_file() and built.read_bytes() == source.read_bytes(), (
            f"{built} is missing or stale: run `make book`")
    for variable in ("base", "heading", "monospace"):
        assert re.search(rf"--pst-font-family-{variable}:[^;]*\"{FONT_FAMILY}\"", css), (
            f"--pst-font-family-{variable} does not name {FONT_FAMILY!r}")


# ---- layout, page by page --------------------------------------------------------------------

LAYOUT_FACTS = """async () => {
    await document.fonts.ready;
    const images = Array.from(document.images);
    images.forEach(img => { img.loading = 'eager'; });
    await Promise.all(images.map(img => img.complete ? null :
        new Promise(r => { img.addEventListener('load', r); img.addEventListener('error', r); })));
    const shown = e => { const r = e.getBoundingClientRect();
                         return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== 'hidden'; };
    const name = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
        Array.from(e.classList).slice(0, 3).map(c => '.' + c).join('') +
        ' "' + (e.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 50) + '"';
    const contentBox = e => {
        const r = e.getBoundingClientRect(), s = getComputedStyle(e);
        return {left: r.left + parseFloat(s.borderLeftWidth) + parseFloat(s.paddingLeft),
                right: r.right - parseFloat(s.borderRightWidth) - parseFloat(s.paddingRight)};
    };
    const article = document.querySelector('main') || document.body;
    const blocks = [];
    for (const el of article.querySelectorAll(
            'pre, div.highlight, div.literal-block-wrapper, div.cell, div.cell_input, div.cell_output, div.output')) {
        if (!shown(el)) continue;
        const r = el.getBoundingClientRect(), box = contentBox(el.parentElement);
        blocks.push({what: name(el), width: Math.round(r.width), container: Math.round(box.right - box.left),
                     beyond: Math.round(Math.max(r.right - box.right, box.left - r.left)),
                     inner: el.scrollWidth - el.clientWidth, pre: el.tagName === 'PRE',
                     output: !!el.closest('div.cell_output, div.output')});
    }
    const sidebars = [];
    const W = document.documentElement.clientWidth, H = window.innerHeight;
    for (const el of document.querySelectorAll('.bd-sidebar-primary, .bd-sidebar-secondary')) {
        const r = el.getBoundingClientRect();
        if (!shown(el) || r.right <= 0 || r.left >= W) continue;  // closed drawers are off screen
        const left = r.left + el.clientLeft, right = left + el.clientWidth, s = getComputedStyle(el);
        const clipped = Array.from(el.querySelectorAll('a, p, span, code')).filter(shown).filter(a => {
            const b = a.getBoundingClientRect(); return b.right > right + 1 || b.left < left - 1; });
        sidebars.push({what: name(el).split(' ')[0], inner: el.scrollWidth - el.clientWidth,
                       clipped: clipped.map(name).slice(0, 5),
                       tall: el.scrollHeight > el.clientHeight + 1, overflowY: s.overflowY,
                       bottom: Math.round(r.bottom), windowHeight: H});
    }
    const figures = article.querySelectorAll('figure').length +
        Array.from(article.querySelectorAll('img')).filter(img => !img.closest('figure')).length;
    const pictures = Array.from(article.querySelectorAll('figure img, div.cell_output img, div.output img'))
        .filter(shown).map(img => ({src: (img.currentSrc || img.src).split('/').pop().slice(0, 60),
                                    vector: /\\.svg($|[?#])|^data:image\\/svg/.test(img.currentSrc || img.src),
                                    natural: img.naturalWidth, shown: img.getBoundingClientRect().width}));
    return {blocks, sidebars, figures, pictures,
            scroll: document.documentElement.scrollWidth - document.documentElement.clientWidth};
}"""

_FACTS: dict[tuple[str, int], dict] = {}


@pytest.fixture(scope="module", autouse=True)
def _no_stale_failure_screenshots(artifacts: Path) -> None:
    for old in (artifacts / "screenshots").glob("layout-FAILED-*.png"):
        old.unlink()


def layout_facts(browser, server: str, artifacts: Path, entry: str, device: str, width: int, height: int) -> dict:
    """The layout facts of one page at one width, measured once per session."""
    key = (entry, width)
    if key not in _FACTS:
        page, problems = open_page(browser, urljoin(server, entry + ".html"), width, height)
        facts = page.evaluate(LAYOUT_FACTS)
        facts["problems"] = problems
        wide = [b for b in facts["blocks"] if b["width"] > b["container"] + 1 or b["beyond"] > 1
                or (b["output"] and b["pre"] and b["inner"] > 1)]
        if wide or facts["scroll"] > 1:
            path = artifacts / "screenshots" / f"layout-FAILED-{entry.split('/')[-1]}-{device}.png"
            path.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(path), full_page=True)
            REPORT["screenshots"].append(str(path.relative_to(artifacts)))
        page.close()
        _FACTS[key] = facts
    return _FACTS[key]


@pytest.mark.parametrize("entry", PAGES)
@pytest.mark.parametrize("device, width, height", WIDTHS)
def test_nothing_is_wider_than_its_column(entry: str, device: str, width: int, height: int, browser,
                                          server: str, artifacts: Path) -> None:
    facts = layout_facts(browser, server, artifacts, entry, device, width, height)
    layout = REPORT.setdefault("layout", {"blocks": 0, "too_wide": [], "code_scrolling": 0})
    layout["blocks"] += len(facts["blocks"])
    too_wide = [f"{b['what']}: {b['width']} px in a {b['container']} px box"
                + (f", {b['beyond']} px outside it" if b["beyond"] > 1 else "")
                for b in facts["blocks"] if b["width"] > b["container"] + 1 or b["beyond"] > 1]
    unwrapped = [f"{b['what']}: {b['inner']} px of its text scrolled out of view"
                 for b in facts["blocks"] if b["output"] and b["pre"] and b["inner"] > 1]
    # Code (not outputs) may scroll inside its own box: counted, not failed.
    layout["code_scrolling"] += sum(1 for b in facts["blocks"] if b["pre"] and not b["output"] and b["inner"] > 1)
    layout["too_wide"] += [f"{entry} at {width} px: {what}" for what in too_wide + unwrapped]
    assert not too_wide, f"{entry} at {width} px: blocks wider than their container: {too_wide[:10]}"
    assert not unwrapped, f"{entry} at {width} px: outputs that do not wrap: {unwrapped[:10]}"
    assert facts["scroll"] <= 1, f"{entry} at {width} px: the page scrolls sideways by {facts['scroll']} px"


@pytest.mark.parametrize("entry", PAGES)
@pytest.mark.parametrize("device, width, height", WIDTHS)
def test_sidebars_show_all_their_entries(entry: str, device: str, width: int, height: int, browser,
                                         server: str, artifacts: Path) -> None:
    facts = layout_facts(browser, server, artifacts, entry, device, width, height)
    for bar in facts["sidebars"]:
        assert bar["inner"] <= 1 and not bar["clipped"], (
            f"{entry} at {width} px: {bar['what']} is {bar['inner']} px too narrow for its entries; "
            f"clipped: {bar['clipped']}")
        assert not bar["tall"] or bar["overflowY"] in ("auto", "scroll"), (
            f"{entry} at {width} px: {bar['what']} is taller than its box and does not scroll")


@pytest.mark.parametrize("entry", PAGES)
def test_images_are_not_upscaled(entry: str, browser, server: str, artifacts: Path) -> None:
    facts = layout_facts(browser, server, artifacts, entry, *WIDTHS[0])
    bitmaps = [p for p in facts["pictures"] if not p["vector"]]  # an SVG is sharp at any size
    REPORT["upscale_checked"] = REPORT.get("upscale_checked", 0) + len(bitmaps)
    REPORT["vector_images"] = REPORT.get("vector_images", 0) + len(facts["pictures"]) - len(bitmaps)
    blurry = [f"{p['src']}: {p['natural']} px shown at {p['shown']:.0f} px"
              for p in bitmaps if p["natural"] + 1 < p["shown"]]
    assert not blurry, f"{entry}: images shown wider than their pixels (upscaled, blurry): {blurry}"


@pytest.mark.parametrize("entry", chapter_pages())
def test_every_chapter_page_has_a_figure(entry: str, browser, server: str, artifacts: Path) -> None:
    facts = layout_facts(browser, server, artifacts, entry, *WIDTHS[0])
    REPORT.setdefault("chapter_figures", {})[entry] = facts["figures"]
    assert facts["figures"] >= 1, f"{entry}: a chapter page without a single figure or image"


def test_benchmarks_contents_sidebar_screenshot(browser, server: str, artifacts: Path) -> None:
    """The page with the longest headings: its whole "Contents" sidebar, for a person to look at."""
    page, problems = open_page(browser, urljoin(server, "book/benchmarks.html"), 1280, 900)
    path = artifacts / "screenshots" / "layout-benchmarks-contents-desktop.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.locator(".bd-sidebar-secondary").screenshot(path=str(path))
    page.close()
    REPORT["screenshots"].append(str(path.relative_to(artifacts)))
    assert not problems, "; ".join(problems)


# ---- CJK text in the bundled font -----------------------------------------------------------

MARK_CJK_RUNS = """(pattern) => {
    // Wrap each run of CJK characters of the visible text in its own span, so that the fonts
    // Chromium used for exactly those characters can be asked for.
    const cjk = new RegExp(pattern, 'gu');
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT, {acceptNode: n =>
        n.parentElement.closest('script, style, noscript, title') ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT});
    const nodes = [];
    while (walker.nextNode()) if (new RegExp(pattern, 'u').test(walker.currentNode.data)) nodes.push(walker.currentNode);
    const runs = [];
    for (const node of nodes) {
        const parts = node.data.split(new RegExp('(' + pattern + '+)', 'u'));
        const fragment = document.createDocumentFragment();
        for (const part of parts) {
            if (part && new RegExp('^' + pattern + '+$', 'u').test(part)) {
                const span = document.createElement('span');
                span.dataset.cjkRun = String(runs.length);
                span.textContent = part;
                fragment.appendChild(span);
                runs.push({text: part});
            } else if (part) fragment.appendChild(document.createTextNode(part));
        }
        node.replaceWith(fragment);
    }
    for (const run of runs) {
        const span = document.querySelector(`[data-cjk-run="${runs.indexOf(run)}"]`);
        run.visible = span.getClientRects().length > 0 && getComputedStyle(span).visibility !== 'hidden';
        run.weight = getComputedStyle(span).fontWeight;
    }
    const text = runs.map(r => r.text).join('');
    return {runs,
            faces: Array.from(document.fonts).filter(f => f.family.replace(/"/g, '') === '%s')
                        .map(f => ({weight: f.weight, status: f.status})),
            check: text ? document.fonts.check('16px "%s"', text) : null};
}""" % (FONT_FAMILY, FONT_FAMILY)


def _cjk_pattern() -> str:
    """CJK_RANGES as a JavaScript character class (with the u flag)."""
    return "[" + "".join(f"\\u{{{lo:x}}}-\\u{{{hi:x}}}" for lo, hi in cjk_font.CJK_RANGES) + "]"


@pytest.mark.parametrize("entry", cjk_pages())
def test_cjk_text_is_drawn_with_the_bundled_font(entry: str, browser, server: str, artifacts: Path) -> None:
    page, problems = open_page(browser, urljoin(server, entry + ".html"))
    page.evaluate("document.fonts.ready.then(() => true)")
    found = page.evaluate(MARK_CJK_RUNS, _cjk_pattern())
    runs = [dict(run, index=i) for i, run in enumerate(found["runs"]) if run["visible"]]
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
    wrong = []
    for run in runs:
        node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": f'[data-cjk-run="{run["index"]}"]'})["nodeId"]
        fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
        ours = [f for f in fonts if f["isCustomFont"] and f["familyName"] == FONT_NAME]
        if len(fonts) != 1 or not ours or ours[0]["glyphCount"] != len(run["text"]):
            wrong.append(f"{run['text']!r}: " + ", ".join(
                f"{f['familyName']}{' (web font)' if f['isCustomFont'] else ''} {f['glyphCount']} glyphs" for f in fonts))
    if runs:
        first = page.locator(f'[data-cjk-run="{runs[0]["index"]}"]')
        first.scroll_into_view_if_needed()
        path = artifacts / "screenshots" / f"layout-cjk-{entry.split('/')[-1]}-desktop.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        first.locator("xpath=ancestor::*[self::p or self::li or self::h1 or self::h2][1]").first.screenshot(path=str(path))
        REPORT["screenshots"].append(str(path.relative_to(artifacts)))
    page.close()
    REPORT["cjk_runs"] = REPORT.get("cjk_runs", 0) + len(runs)
    assert not problems, f"{entry}: " + "; ".join(problems)
    assert runs, f"{entry}: its source has CJK text ({', '.join(c for c, f in USED.items() if any(entry in p for p in f))}) but none is shown"
    loaded = {face["weight"]: face["status"] for face in found["faces"]}
    assert loaded.get("400") == "loaded", f"{entry}: the {FONT_FAMILY!r} regular face did not load: {found['faces']}"
    assert found["check"] is True, f"{entry}: document.fonts.check for the page's CJK text is {found['check']}"
    assert not wrong, f"{entry}: CJK text not drawn (only) with the bundled {FONT_NAME}: {wrong[:10]}"
