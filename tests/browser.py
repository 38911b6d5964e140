"""Opening a published page in headless Chromium (Debian's), offline, for browser tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def open_page(
    chromium: str, html: Path, **context: Any
) -> tuple[Any, list[str], list[str], Callable[[], None]]:
    """(page, console problems, attempted network requests, close) for ``html`` opened from disk.

    The context is offline and every non-file request is aborted and recorded; JavaScript
    dialogs (``alert``) are recorded as problems and dismissed.
    """
    from playwright.sync_api import sync_playwright

    manager = sync_playwright().start()
    browser = manager.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
    ctx = browser.new_context(offline=True, **context)
    page = ctx.new_page()
    problems: list[str] = []
    requests: list[str] = []
    page.on(
        "console",
        lambda m: (
            problems.append(f"console {m.type}: {m.text}")
            if m.type in ("error", "warning")
            else None
        ),
    )
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))

    def route(r: Any) -> Any:
        if r.request.url.startswith("file:"):
            return r.continue_()
        requests.append(r.request.url)
        return r.abort()

    page.route("**/*", route)
    page.goto(html.resolve().as_uri())
    page.wait_for_load_state("load")

    def close() -> None:
        browser.close()
        manager.stop()

    return page, problems, requests, close
