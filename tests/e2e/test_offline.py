"""Nothing the app shows needs the network (issue 13 #10: a class behind a firewall saw the
browser ask fonts.gstatic.com for an icon 19 times).

Two checks: the HTML and CSS the server hands out name no other host, and a real browser
that opens every page of the navigation asks nothing of any host but the app's own.
"""

from __future__ import annotations

import re
import urllib.request
from urllib.parse import urljoin, urlparse

from browser_helpers import go, nav_titles, wait_idle

LOADS_HTML = re.compile(r"""\b(?:src|href)\s*=\s*["']([^"']+)["']""", re.IGNORECASE)
LOADS_CSS = re.compile(r"""url\(\s*["']?([^"')]+)|@import\s+["']([^"']+)""", re.IGNORECASE)


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read().decode("utf-8", "replace")


def _elsewhere(urls: list[str]) -> list[str]:
    """The URLs that name a host (data: URIs and paths on the server do not)."""
    return sorted({u for u in urls if urlparse(u).netloc})


def test_the_served_html_and_css_load_nothing_from_another_host(demo_server):
    index = _get(demo_server + "/")
    loads = LOADS_HTML.findall(index)
    assert _elsewhere(loads) == [], "index.html"
    sheets = [u for u in loads if u.split("?")[0].endswith(".css")]
    assert sheets, "index.html links no stylesheet: the check would prove nothing"
    for sheet in sheets:
        css = _get(urljoin(demo_server + "/", sheet))
        found = [a or b for a, b in LOADS_CSS.findall(css)]
        assert _elsewhere(found) == [], sheet


def test_every_page_asks_only_the_app_itself(demo_server, page):
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.goto(demo_server)
    wait_idle(page)
    titles = nav_titles(page)
    assert len(titles) >= 10
    for title in titles:
        go(page, title)
    page.wait_for_timeout(1000)  # a favicon or font asked for after the last run
    own = urlparse(demo_server).netloc
    elsewhere = [
        u
        for u in asked
        if urlparse(u).scheme in ("http", "https", "ws", "wss") and urlparse(u).netloc != own
    ]
    assert elsewhere == [], (
        f"{len(elsewhere)} requests left the machine: {sorted(set(elsewhere))}. A "
        "':material/...:' page_icon in st.set_page_config (or a page's icon when none is set) "
        "becomes a favicon from fonts.gstatic.com; an emoji or a local image does not."
    )
    assert any(urlparse(u).netloc == own for u in asked)
