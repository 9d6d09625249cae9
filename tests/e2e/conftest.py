"""Browser fixtures: Debian's Chromium driven by Playwright (never downloaded: executable_path)."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from tests.support import PASSWORD, Person, Server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

expect.set_options(timeout=15_000)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator:
    """A failed browser test shows the end of its server's log beside the pages' console
    warnings (printed by ``sign_in``): a page stuck connecting says why on one side or the other."""
    outcome = yield
    report = outcome.get_result()
    servers = [v for v in getattr(item, "funcargs", {}).values() if isinstance(v, Server)]
    server = servers[0] if servers else None
    if report.when == "call" and report.failed and server is not None:
        report.sections.append(("server log, last 60 lines", "\n".join(server.log().splitlines()[-60:])))


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_context(browser: Browser) -> Iterator:
    """Open separate browser profiles (one per person); all are closed after the test."""
    contexts: list[BrowserContext] = []

    def make(**kwargs) -> BrowserContext:
        context = browser.new_context(**kwargs)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


def sign_in(context: BrowserContext, server_url: str, person: Person, path: str = "/") -> Page:
    """Sign in through the real login page and wait until the client has loaded and connected."""
    page = context.new_page()
    page.on("pageerror", lambda err: print(f"[{person.email}] page error: {err}"))
    page.on("console", lambda msg: print(f"[{person.email}] console.{msg.type}: {msg.text}")
            if msg.type in ("warning", "error") else None)
    page.goto(f"{server_url}/login?next={path}")
    page.get_by_label("Email").fill(person.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    wait_ready(page)
    return page


def wait_ready(page: Page) -> None:
    expect(page.locator("body[data-ready='true']")).to_be_attached()
    expect(page.get_by_test_id("connection-banner")).to_be_hidden()
