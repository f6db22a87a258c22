"""Browser tests: the real ASGI app on a live port, driven by Debian's headless Chromium."""

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Playwright,
    sync_playwright,
)

CHROMIUM = Path(os.environ.get("NEDRA_CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS = Path(__file__).resolve().parents[1] / "screenshots"
CHROMIUM_ARGS = [
    # Root in a container needs no sandbox; the rest keep Chromium off the network.
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if is_browser_test(item):
            item.add_marker(pytest.mark.browser)
            # Under pytest-xdist (--dist loadgroup) a module's tests run in one process, one
            # after another, so they share one Chromium (SharedChromium), not one per process.
            item.add_marker(pytest.mark.xdist_group(f"browser-{item.path.stem}"))


# What Chromium logs when the Content-Security-Policy refuses something, or when it cannot
# read the Permissions-Policy header.
POLICY_COMPLAINTS = ("Content Security Policy", "Content-Security-Policy", "Permissions-Policy")
# Complaints logged by any page of the running test; no_policy_complaints checks them.
complaints: list[str] = []


def _record_policy_complaints(message: ConsoleMessage) -> None:
    if any(marker in message.text for marker in POLICY_COMPLAINTS):
        complaints.append(f"{message.page.url if message.page else '?'}: {message.text}")


def _watch(browser: Browser) -> None:
    """Make every page the tests open in `browser` report policy complaints."""
    new_context, new_page = browser.new_context, browser.new_page

    def new_watched_context(*args: Any, **kwargs: Any) -> BrowserContext:
        context = new_context(*args, **kwargs)
        context.on("console", _record_policy_complaints)
        return context

    def new_watched_page(*args: Any, **kwargs: Any) -> Page:
        page = new_page(*args, **kwargs)
        page.on("console", _record_policy_complaints)
        return page

    browser.new_context = new_watched_context  # type: ignore[method-assign]
    browser.new_page = new_watched_page  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def no_policy_complaints() -> Iterator[None]:
    """Fail a browser test whose pages broke the Content-Security-Policy.

    The policy refuses inline script and style and anything from elsewhere; a page that
    still uses one is broken for real users, even when the test's assertions pass.
    """
    complaints.clear()
    yield
    found, complaints[:] = list(complaints), []
    assert not found, "The browser refused content under the site's policies:\n" + "\n".join(found)


def is_browser_test(item: pytest.Item) -> bool:
    return "tests/browser/" in str(item.path).replace(os.sep, "/")


class SharedChromium:
    """One Chromium for a run of consecutive browser tests in this process.

    Starting Playwright and Chromium costs seconds; each test still gets contexts of its
    own (cookies, storage, pages), so sharing the browser shares no state between tests.
    Playwright's sync API keeps an event loop in this thread while it runs: Django would
    take the tests' own ORM calls (and the database fixtures' flush) for calls from async
    code, so they are allowed while it runs (they are plain synchronous code), and a test
    outside tests/browser/ (whose async_to_sync refuses to run beside a loop) never meets
    it: pytest_runtest_teardown below stops it before any such test.
    """

    def __init__(self) -> None:
        self.playwright: Playwright | None = None
        self.browser: Browser | None = None
        self.environment = pytest.MonkeyPatch()

    def get(self) -> Browser:
        if self.browser is not None and self.browser.is_connected():
            return self.browser
        self.stop()
        self.environment.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        self.playwright = sync_playwright().start()
        self.browser = self.playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        _watch(self.browser)
        return self.browser

    def stop(self) -> None:
        try:
            if self.browser is not None and self.browser.is_connected():
                self.browser.close()
            if self.playwright is not None:
                self.playwright.stop()
        finally:
            self.browser = self.playwright = None
            self.environment.undo()


shared_chromium = SharedChromium()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """Stop the shared Chromium once the test's fixtures are gone, unless a browser test
    comes next."""
    try:
        return (yield)
    finally:
        if nextitem is None or not is_browser_test(nextitem):
            shared_chromium.stop()


@pytest.fixture
def browser() -> Browser:
    """Headless Chromium, started once for consecutive browser tests (SharedChromium)."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"Chromium is missing at {CHROMIUM}; CI must install it.")
        pytest.skip(f"Chromium not installed at {CHROMIUM} (apt-get install chromium)")
    return shared_chromium.get()


@pytest.fixture
def live_server_url(transactional_db: None) -> Iterator[str]:
    """Serve config.asgi on a free local port for the duration of one test."""
    from config.asgi import application

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(application, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("The live server did not start.")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, timezone_id="Europe/Berlin", locale="en-GB"
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def screenshot(page: Page, request: pytest.FixtureRequest):
    """Save a full-page screenshot of `page` (or `of`) as tests/screenshots/<test>-<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(name: str, of: Page | None = None) -> Path:
        path = SCREENSHOTS / f"{request.node.name}-{name}.png"
        (of or page).screenshot(path=str(path), full_page=True)
        return path

    return take


# --- Accessibility: axe-core in the page --------------------------------------------------

# axe reports moderate and minor findings too; issue #6 fails the build only on these.
BLOCKING_AXE_IMPACTS = frozenset({"serious", "critical"})


def axe_violations(page: Page, *, exclude: str | None = None) -> list[dict]:
    """Run axe-core (bundled with axe-playwright-python, no CDN) on the page; return violations.

    `exclude` is a CSS selector of markup axe leaves out, e.g. a third-party widget's root.
    """
    from axe_playwright_python.sync_playwright import Axe

    context = {"exclude": [[exclude]]} if exclude else None
    return Axe().run(page, context=context).response["violations"]


def blocking_axe_violations(violations: list[dict]) -> list[dict]:
    """Keep the serious and critical violations."""
    return [v for v in violations if v["impact"] in BLOCKING_AXE_IMPACTS]


def describe_axe_violations(violations: list[dict]) -> str:
    """Return one line per violation (rule, impact, help URL) and one per offending element."""
    lines = []
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']}"
            f" <{violation['helpUrl']}>"
        )
        for node in violation["nodes"]:
            summary = " ".join(node.get("failureSummary", "").split())
            lines.append(f"    {' '.join(map(str, node['target']))}: {summary}")
    return "\n".join(lines)


@pytest.fixture
def assert_accessible() -> Callable[..., list[dict]]:
    """Return a check that fails with a readable list of a page's serious axe violations.

    The check returns every violation found, of any impact, so a test can record the rest.
    """

    def check(page: Page, *, exclude: str | None = None) -> list[dict]:
        violations = axe_violations(page, exclude=exclude)
        blocking = blocking_axe_violations(violations)
        assert not blocking, f"axe: serious violations on {page.url}\n" + (
            describe_axe_violations(blocking)
        )
        return violations

    return check
