"""The generated gallery page (gallery/index.html) works in a real browser.

Headless Chromium, driven by selenium, opens the committed page both from ``file://`` and
from a localhost HTTP server (as GitHub Pages would serve it) and checks what a reader sees:
every thumbnail loads, nothing is fetched from outside, the console stays clean, the page
fits a phone's width, the screenshots are not blank, the filter box filters and the Copy
buttons work.

The tests skip when Chromium, chromedriver or selenium is missing, except on CI (``CI=true``)
where they must run. Set ``LRVIZ_SCREENSHOTS=<folder>`` to keep the screenshots for a human.
Selenium is never allowed to download a driver or a browser, and Chromium is started with
every background network feature off: the page must not need the network.
"""

from __future__ import annotations

import functools
import importlib.util
import io
import os
import re
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

import pytest

pytestmark = pytest.mark.slow

if TYPE_CHECKING:
    from selenium.webdriver.chrome.webdriver import WebDriver  # get_log, execute_cdp_cmd: Chromium's

GALLERY = Path(__file__).resolve().parents[1] / "gallery"
INDEX = GALLERY / "index.html"
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)
WIDE = (1400, 1000)
PHONE = (390, 844)
PHONE_SCALE = 3  # device pixel ratio of a current phone
MIN_FIGURES = 40
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}
WAIT = 15  # seconds: generous, everything is local
QUIET = 0.5  # seconds without a request: the page has asked for all it will


# --------------------------------------------------------------------------------------
# Fixtures: one Chromium for the module, one HTTP server, the two ways to open the page


def _missing() -> list[str]:
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.is_file()]
    if importlib.util.find_spec("selenium") is None:
        missing.append("the selenium package (pip install selenium)")
    return missing


@pytest.fixture(scope="module")
def driver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    missing = _missing()
    if missing:
        message = "browser tests need " + ", ".join(missing)
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (CI=true: CI must install them, so this is a failure, not a skip)")
        pytest.skip(message)
    if not GALLERY.is_dir():
        pytest.skip("needs the repository's committed gallery/ (not in this checkout or sdist)")
    if not INDEX.is_file():
        pytest.fail(f"{INDEX} does not exist: run `lrviz gallery` to generate the gallery")

    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.add_argument(f"--window-size={WIDE[0]},{WIDE[1]}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path=str(CHROMEDRIVER))  # a path given: selenium manager never runs
    browser = webdriver.Chrome(service=service, options=options)
    browser.set_page_load_timeout(WAIT * 2)
    try:
        yield browser
    finally:
        browser.quit()


class _Server(ThreadingHTTPServer):
    """A web server for the gallery folder that remembers what it was asked for."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), functools.partial(_Handler, directory=str(GALLERY)))
        self.requests: list[tuple[float, str, int]] = []  # (time.monotonic(), path, status)

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/"

    def failed(self) -> list[str]:
        return [f"{status} {path}" for _, path, status in self.requests if status >= 400]


class _Handler(SimpleHTTPRequestHandler):
    server: _Server

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        self.server.requests.append((time.monotonic(), self.path, int(code)))

    def log_message(self, fmt: str, *args: Any) -> None:
        pass  # quiet: failures show in the tests' messages


@pytest.fixture
def http_server() -> Iterator[_Server]:
    """The gallery folder served at http://127.0.0.1:<free port>/, a new origin for each test:
    Chromium asks once per session for a missing /favicon.ico, so each test sees the same requests."""
    server = _Server()
    thread = threading.Thread(target=server.serve_forever, name="gallery-http", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=WAIT)


@dataclass
class Page:
    """The gallery, opened, scrolled to the bottom, with every image and request settled."""

    driver: WebDriver
    source: str  # "file" or "http"
    url: str
    server: _Server | None
    logs: list[dict[str, Any]]  # browser console entries since the page was opened

    def js(self, script: str, *args: Any) -> Any:
        return self.driver.execute_script(script, *args)

    def severe(self) -> list[dict[str, Any]]:
        """Console errors so far (a missing /favicon.ico over HTTP would be one)."""
        self.logs += self.driver.get_log("browser")
        return [entry for entry in self.logs if entry.get("level") == "SEVERE"]


@pytest.fixture(params=["file", "http"])
def page(request: pytest.FixtureRequest, driver: WebDriver) -> Iterator[Page]:
    """The page opened from disk, or from a web server."""
    from selenium.webdriver.support.ui import WebDriverWait

    server: _Server | None = request.getfixturevalue("http_server") if request.param == "http" else None
    url = INDEX.as_uri() if server is None else server.root + "index.html"
    driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    driver.set_window_size(*WIDE)
    driver.get("about:blank")
    driver.get_log("browser")  # drop what earlier pages logged
    driver.get(url)
    WebDriverWait(driver, WAIT).until(lambda d: d.execute_script("return document.readyState") == "complete")
    _scroll_through(driver)
    WebDriverWait(driver, WAIT).until(
        lambda d: d.execute_script("return Array.from(document.images).every(function (i) { return i.complete; })")
    )
    if server is not None:  # wait for the server to fall quiet: requests after load (the favicon) are in
        WebDriverWait(driver, WAIT, poll_frequency=0.05).until(
            lambda d: server.requests and time.monotonic() - server.requests[-1][0] > QUIET
        )
    driver.execute_script("window.scrollTo(0, 0)")
    yield Page(driver, request.param, url, server, driver.get_log("browser"))
    driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def _scroll_through(driver: WebDriver) -> None:
    """Scroll a screen at a time to the bottom, so that nothing lazy stays unloaded."""
    y = 0
    for _ in range(1000):
        height, screen = driver.execute_script("return [document.documentElement.scrollHeight, window.innerHeight]")
        if y >= height:
            return
        driver.execute_script("window.scrollTo(0, arguments[0])", y)
        y += max(int(screen * 0.9), 100)
    raise AssertionError("the page kept growing while it was scrolled")


def _describe(entries: list[dict[str, Any]]) -> str:
    return "\n".join(f"  {e.get('level')} [{e.get('source')}] {e.get('message')}" for e in entries)


# --------------------------------------------------------------------------------------
# Loading: images, links, console


def test_every_thumbnail_loads(page: Page) -> None:
    images = page.js(
        "return Array.from(document.images).map(function (i) {"
        " return {src: i.getAttribute('src'), complete: i.complete, width: i.naturalWidth}; })"
    )
    broken = [i["src"] for i in images if not (i["complete"] and i["width"] > 0)]
    assert not broken, f"{len(broken)} of {len(images)} images did not load: {broken}"
    cards = page.js("return document.querySelectorAll('figure.card').length")
    assert len(images) == cards, f"{len(images)} images for {cards} cards"
    assert cards >= MIN_FIGURES, f"only {cards} figures in the gallery"
    for image in images:
        assert re.fullmatch(r"thumbs/[a-z0-9][a-z0-9_-]*\.png", image["src"]), image["src"]
    if page.server is not None:
        assert not page.server.failed(), f"requests the server could not answer: {page.server.failed()}"


def test_no_console_errors(page: Page) -> None:
    severe = page.severe()
    assert not severe, f"console errors on {page.url}:\n{_describe(severe)}"


def test_nothing_comes_from_outside(page: Page) -> None:
    attributes = page.js(
        "var out = [];"
        "document.querySelectorAll('[src], [href], [srcset], [action], [poster], [data]').forEach(function (el) {"
        "  ['src', 'href', 'srcset', 'action', 'poster', 'data'].forEach(function (name) {"
        "    var value = el.getAttribute(name);"
        "    if (value !== null) { out.push([el.tagName.toLowerCase(), name, value]); }"
        "  });"
        "});"
        "return out;"
    )
    assert attributes, "no element has a src or href: the page did not load"
    outside = []
    for tag, name, value in attributes:
        values = [part.strip().split(" ")[0] for part in value.split(",")] if name == "srcset" else [value]
        for raw in values:
            target = urlsplit(urljoin(page.url, raw.strip()))
            if target.scheme in ("http", "https") and target.hostname not in LOCAL_HOSTS:
                outside.append(f"<{tag} {name}={raw!r}>")
    styles = page.js(
        "return Array.from(document.querySelectorAll('style, [style]')).map(function (el) {"
        " return el.tagName === 'STYLE' ? el.textContent : el.getAttribute('style'); }).join('\\n')"
    )
    for raw in re.findall(r"(?:url\(\s*['\"]?|@import\s+['\"])([^'\")\s]+)", styles):
        target = urlsplit(urljoin(page.url, raw))
        if target.scheme in ("http", "https") and target.hostname not in LOCAL_HOSTS:
            outside.append(f"CSS {raw!r}")
    assert not outside, f"external references: {outside}"
    fetched = page.js("return performance.getEntriesByType('resource').map(function (e) { return e.name; })")
    remote = [
        name
        for name in fetched
        if urlsplit(name).scheme not in ("file", "data", "blob") and urlsplit(name).hostname not in LOCAL_HOSTS
    ]
    assert not remote, f"the page fetched from outside: {remote}"


def test_card_links_point_at_gallery_files(page: Page) -> None:
    links = page.js(
        "return Array.from(document.querySelectorAll('figure.card')).map(function (card) {"
        " var a = card.querySelector('a[href]'); return [card.id, a ? a.getAttribute('href') : null]; })"
    )
    assert len(links) >= MIN_FIGURES
    no_link = [card for card, href in links if href is None]
    assert not no_link, f"cards without a link: {no_link}"
    bad = []
    for card, href in links:
        if urlsplit(href).scheme or href.startswith("/") or not (GALLERY / href).is_file():
            bad.append(f"{card}: {href}")
    assert not bad, f"card links to files not in {GALLERY}: {bad}"


# --------------------------------------------------------------------------------------
# How it looks: screenshots at a wide and a phone size


def _screenshot_check(png: bytes, name: str, tmp_path: Path) -> Path:
    from PIL import Image, ImageStat

    path = tmp_path / name
    path.write_bytes(png)
    keep = os.environ.get("LRVIZ_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(keep) / name)
    with Image.open(io.BytesIO(png)) as image:
        rgb = image.convert("RGB")
    colours = rgb.getcolors(maxcolors=1 << 24) or []
    spread = sum(ImageStat.Stat(rgb).stddev) / 3
    assert len(colours) >= 200, f"{path}: only {len(colours)} distinct colours: a blank page?"
    assert spread >= 15, f"{path}: standard deviation {spread:.1f}: a blank page?"
    return path


def _overflowing(page: Page) -> list[str]:
    """Elements that stick out to the right of the viewport (for the failure message)."""
    return page.js(
        "var w = document.documentElement.clientWidth, out = [];"
        "document.querySelectorAll('body *').forEach(function (el) {"
        "  var r = el.getBoundingClientRect();"
        "  if (r.width && r.right > w + 1 && out.length < 10) {"
        "    out.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +"
        "      (el.className ? '.' + String(el.className).split(' ').join('.') : '') + ' right=' + r.right);"
        "  }"
        "});"
        "return out;"
    )


@pytest.mark.parametrize("size", ["wide", "phone"])
def test_screenshots_are_not_blank_and_fit(page: Page, size: str, tmp_path: Path) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    driver = page.driver
    width, height = WIDE if size == "wide" else PHONE
    driver.set_window_size(width, height)
    if size == "phone":
        driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": PHONE_SCALE, "mobile": True},
        )
    applied = "screen.width" if size == "phone" else "window.innerWidth"  # innerWidth grows with an overflow
    WebDriverWait(driver, WAIT).until(lambda d: d.execute_script(f"return {applied}") == width)
    source = page.source

    driver.execute_script("window.scrollTo(0, 0)")
    _screenshot_check(driver.get_screenshot_as_png(), f"gallery-{source}-{size}-top.png", tmp_path)
    driver.execute_script("document.querySelector('figure.card').scrollIntoView({block: 'start'})")
    _screenshot_check(driver.get_screenshot_as_png(), f"gallery-{source}-{size}-cards.png", tmp_path)

    # On a phone Chromium zooms out to fit a page that overflows, so that window.innerWidth grows to the
    # page's scrollWidth: compare with the device's width and the layout viewport's too.
    scroll_width, inner, client = page.js(
        "var root = document.documentElement; return [root.scrollWidth, window.innerWidth, root.clientWidth]"
    )
    assert scroll_width <= min(inner, client, width) + 1, (
        f"horizontal overflow at {width}px: scrollWidth {scroll_width}, innerWidth {inner}, "
        f"clientWidth {client}; sticking out: {_overflowing(page)}"
    )
    clipped = page.js(  # a card hides what sticks out: a command must wrap, not run past its box
        "return Array.from(document.querySelectorAll('figure.card pre, figure.card figcaption')).filter("
        " function (el) { return el.scrollWidth > el.clientWidth + 1; }).map(function (el) {"
        " return el.tagName.toLowerCase() + ': ' + el.textContent.slice(0, 60); })"
    )
    assert not clipped, f"text cut off at {width}px: {clipped}"
    if size == "phone":
        narrow = page.js(
            "return Array.from(document.querySelectorAll('figure.card img')).filter(function (i) {"
            " return i.getBoundingClientRect().width < window.innerWidth * 0.8; }).length"
        )
        assert narrow == 0, f"{narrow} thumbnails use less than 80% of a phone's width"
    assert not page.severe(), _describe(page.severe())


# --------------------------------------------------------------------------------------
# The script: the filter box and the Copy buttons


def _visible_cards(page: Page) -> list[str]:
    """The text of every card the reader can see (in a section that is shown too)."""
    return page.js(
        "return Array.from(document.querySelectorAll('figure.card')).filter(function (c) {"
        " return c.getClientRects().length > 0; }).map(function (c) { return c.textContent; })"
    )


def test_filter_box_filters(page: Page) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    driver = page.driver
    total = page.js("return document.querySelectorAll('figure.card').length")
    box = driver.find_element(By.ID, "filter")
    count = driver.find_element(By.ID, "count")
    assert box.is_displayed(), "the filter box is hidden: did the script run?"
    assert len(_visible_cards(page)) == total
    assert count.text == ""

    word = "cyclic"
    box.send_keys(word)
    WebDriverWait(driver, WAIT).until(lambda d: count.text != "")
    shown = _visible_cards(page)
    assert len(shown) >= 3, f"only {len(shown)} cards match {word!r}"
    assert len(shown) < total, "the filter hid nothing"
    wrong = [text.strip()[:60] for text in shown if word not in text.lower()]
    assert not wrong, f"cards shown that do not mention {word!r}: {wrong}"
    assert count.text == f"{len(shown)} of {total} figures"
    sections = page.js(
        "return Array.from(document.querySelectorAll('section')).map(function (s) {"
        " return [s.id, s.getClientRects().length > 0,"
        " Array.from(s.querySelectorAll('.card')).some(function (c) { return c.getClientRects().length > 0; })]; })"
    )
    assert [s for s in sections if s[1] != s[2]] == [], f"sections shown without cards or hidden with: {sections}"
    assert any(not s[1] for s in sections), "no section was hidden"

    box.send_keys(Keys.BACKSPACE * len(word))  # as a reader would; Ctrl+A is Cmd+A on a Mac
    WebDriverWait(driver, WAIT).until(lambda d: count.text == "")
    assert box.get_attribute("value") == ""
    assert len(_visible_cards(page)) == total
    assert page.js("return document.querySelectorAll('section.hidden').length") == 0
    assert not page.severe(), _describe(page.severe())


def test_copy_button(page: Page) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver = page.driver
    buttons = driver.find_elements(By.CSS_SELECTOR, "figure.card button.copy")
    cards = page.js("return document.querySelectorAll('figure.card').length")
    assert len(buttons) == cards, f"{len(buttons)} Copy buttons for {cards} cards"
    button = buttons[0]
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
    assert button.is_displayed() and button.text == "Copy"
    button.click()
    WebDriverWait(driver, WAIT).until(lambda d: button.text in ("Copied", "Selected"))
    if button.text == "Selected":  # no clipboard in headless mode: the command is selected instead
        command = page.js("return arguments[0].parentNode.querySelector('pre').textContent", button)
        assert page.js("return window.getSelection().toString()") == command
    WebDriverWait(driver, WAIT).until(lambda d: button.text in ("Copy", "Selected"))
    severe = page.severe()
    assert not severe, f"clicking Copy logged errors:\n{_describe(severe)}"
