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


class Chromium:
    """One headless Chromium for several pages (a launch costs about a second)."""

    def __init__(self, chromium: str) -> None:
        from playwright.sync_api import sync_playwright

        self._manager = sync_playwright().start()
        self._browser = self._manager.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)

    def open(
        self, html: Path, **context: Any
    ) -> tuple[Any, list[str], list[str], Callable[[], None]]:
        """(page, console problems, attempted network requests, close) for ``html`` opened from
        disk in a fresh context of its own.

        The context is offline and every non-file request is aborted and recorded; JavaScript
        dialogs (``alert``) are recorded as problems and dismissed.
        """
        ctx = self._browser.new_context(offline=True, **context)
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
        return page, problems, requests, ctx.close

    def close(self) -> None:
        self._browser.close()
        self._manager.stop()


def open_page(
    chromium: str, html: Path, **context: Any
) -> tuple[Any, list[str], list[str], Callable[[], None]]:
    """:meth:`Chromium.open` in a browser of its own, closed by ``close``."""
    browser = Chromium(chromium)
    page, problems, requests, close_context = browser.open(html, **context)

    def close() -> None:
        close_context()
        browser.close()

    return page, problems, requests, close
