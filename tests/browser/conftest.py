"""Fixtures for the browser tests: the built book served on localhost, and headless Chromium.

The tests read the HTML that ``make book`` wrote to ``_build/html`` (or the folder named by
the environment variable ``GAN_EDU_BOOK_HTML``); they never build it themselves. Chromium is
Debian's package, driven by Playwright's Python API (Playwright's own browser download
needs internet access that CI does not have). When ``/usr/bin/chromium`` is missing the set-up
installs it with apt-get, and fails with a message saying what to do when it cannot.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HTML = Path(os.environ.get("GAN_EDU_BOOK_HTML", ROOT / "_build" / "html"))
ARTIFACTS = Path(os.environ.get("GAN_EDU_TEST_ARTIFACTS", ROOT / "test-artifacts"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

# Totals reported at the end of the session (pytest_terminal_summary) and in report.json.
REPORT: dict[str, object] = {"pages": [], "links": 0, "anchors": 0, "images": 0, "math": 0,
                             "console_errors": [], "screenshots": []}


def find_chromium() -> str | None:
    for candidate in (os.environ.get("CHROMIUM"), shutil.which("chromium"), "/usr/bin/chromium"):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def install_chromium() -> str:
    """apt-get install Debian's chromium; return its path or fail saying why and what to do."""
    how = "install it with `apt-get update && apt-get install -y chromium` (or set CHROMIUM=/path/to/chromium)"
    if shutil.which("apt-get") is None:
        pytest.fail(f"Chromium is missing and apt-get is not available: {how}", pytrace=False)
    sudo = [] if os.geteuid() == 0 else (["sudo", "-n"] if shutil.which("sudo") else None)
    if sudo is None:
        pytest.fail(f"Chromium is missing and installing it needs root: {how}", pytrace=False)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for command in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", "chromium"]):
        done = subprocess.run(sudo + command, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            pytest.fail(f"Chromium is missing and `{' '.join(command)}` failed (exit {done.returncode}):\n"
                        f"{done.stderr[-2000:]}\nFix: {how}", pytrace=False)
    path = find_chromium()
    if path is None:
        pytest.fail(f"apt-get installed chromium but no executable was found: {how}", pytrace=False)
    return path


@pytest.fixture(scope="session")
def book_dir() -> Path:
    if not (HTML / "index.html").is_file():
        pytest.fail(f"No built book at {HTML}: run `make book` first (the browser tests check its HTML).",
                    pytrace=False)
    return HTML


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args) -> None:  # noqa: A002 (the stdlib's name)
        pass


@pytest.fixture(scope="session")
def server(book_dir: Path):
    """The book served by a stdlib HTTP server on a free localhost port; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(book_dir))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    executable = find_chromium() or install_chromium()
    REPORT["started"] = time.perf_counter()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    if "started" not in REPORT:
        return
    REPORT["wall_seconds"] = round(time.perf_counter() - REPORT.pop("started"), 1)
    summary = {key: (len(value) if key == "pages" else value) for key, value in REPORT.items()}
    summary["console_errors"] = len(REPORT["console_errors"])
    terminalreporter.write_sep("-", "browser checks of the rendered book")
    terminalreporter.write_line(
        f"pages checked: {summary['pages']}, internal links checked: {summary['links']} "
        f"({summary['anchors']} with an anchor), images checked: {summary['images']}, "
        f"math elements typeset: {summary['math']}, console errors: {summary['console_errors']}, "
        f"wall time: {summary['wall_seconds']} s")
    if "layout" in REPORT:
        layout = REPORT["layout"]
        figures = REPORT.get("chapter_figures", {})
        terminalreporter.write_line(
            f"layout: {layout['blocks']} code/output blocks measured, {len(layout['too_wide'])} too wide or "
            f"unwrapped, {layout['code_scrolling']} code blocks scrolling inside their box; "
            f"bitmaps checked for upscaling: {REPORT.get('upscale_checked', 0)} "
            f"(+{REPORT.get('vector_images', 0)} SVG); CJK runs checked: {REPORT.get('cjk_runs', 0)}; "
            f"figures per chapter page: {figures}")
        for what in layout["too_wide"][:20]:
            terminalreporter.write_line(f"  too wide: {what}")
    for message in REPORT["console_errors"]:
        terminalreporter.write_line(f"  console error: {message}")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "browser-report.json").write_text(json.dumps(REPORT, indent=2) + "\n", encoding="utf-8")
