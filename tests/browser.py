"""Opening a published page in headless Chromium (Debian's), offline, for browser tests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
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

#: Playwright's viewport when a context names none.
DEFAULT_VIEWPORT = {"width": 1280, "height": 720}


@dataclass
class _Tab:
    context: Any
    page: Any
    problems: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


class Chromium:
    """One headless Chromium whose pages are opened, one after the other, in one tab.

    Reusing the tab keeps the renderer process, whose V8 keeps the code it compiled: plotly.js
    (4.8 MB) is parsed once, not once per page, and a page opens three to four times faster than
    in a fresh context. Each page still starts from a fresh window (a navigation), so nothing a
    page's scripts did is seen by the next one. Contexts whose options differ (scripts off, say)
    get a tab of their own.
    """

    def __init__(self, chromium: str) -> None:
        from playwright.sync_api import sync_playwright

        self._manager = sync_playwright().start()
        self._browser = self._manager.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        self._tabs: dict[tuple[tuple[str, Any], ...], _Tab] = {}

    def _tab(self, options: dict[str, Any]) -> _Tab:
        key = tuple(sorted(options.items()))
        if key not in self._tabs:
            context = self._browser.new_context(offline=True, **options)
            tab = _Tab(context, context.new_page())
            tab.page.on(
                "console",
                lambda m: (
                    tab.problems.append(f"console {m.type}: {m.text}")
                    if m.type in ("error", "warning")
                    else None
                ),
            )
            tab.page.on("pageerror", lambda e: tab.problems.append(f"page error: {e}"))
            tab.page.on(
                "dialog", lambda d: (tab.problems.append(f"dialog: {d.message}"), d.dismiss())
            )

            def route(r: Any) -> Any:
                if r.request.url.startswith("file:"):
                    return r.continue_()
                tab.requests.append(r.request.url)
                return r.abort()

            tab.page.route("**/*", route)
            self._tabs[key] = tab
        return self._tabs[key]

    def open(
        self, html: Path, viewport: dict[str, int] | None = None, **options: Any
    ) -> tuple[Any, list[str], list[str], Callable[[], None]]:
        """(page, console problems, attempted network requests, close) for ``html`` opened from
        disk, on the screen medium, at ``viewport`` (Playwright's default without one).

        The context is offline and every non-file request is aborted and recorded; JavaScript
        dialogs (``alert``) are recorded as problems and dismissed. ``options`` are the
        context's (``java_script_enabled=False``, say). ``close`` leaves the page for a blank
        one, so that nothing of it reaches the next page's lists.
        """
        tab = self._tab(options)
        tab.problems.clear()
        tab.requests.clear()
        tab.page.set_viewport_size(viewport or DEFAULT_VIEWPORT)
        tab.page.emulate_media(media="screen")
        tab.page.goto(html.resolve().as_uri())
        tab.page.wait_for_load_state("load")
        return tab.page, tab.problems, tab.requests, lambda: tab.page.goto("about:blank")

    def close(self) -> None:
        self._browser.close()
        self._manager.stop()
