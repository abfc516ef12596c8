"""Inline assets: Leaflet from the installed xstatic-leaflet package, the project's own JS/CSS.

Nothing third-party lives in this repository; it is read from site-packages at render time.
`check_offline` is the strict gate every page passes before it is returned.
"""

from __future__ import annotations

import base64
import re
from functools import lru_cache
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path

from xstatic.pkg import leaflet as xleaflet

__all__ = [
    "LEAFLET_VERSION",
    "OfflineViolation",
    "check_offline",
    "leaflet_css",
    "leaflet_js",
    "project_css",
    "project_js",
    "script_tag",
    "style_tag",
]

LEAFLET_VERSION = "1.9.3"
_SOURCE_MAP = re.compile(r"^\s*/[/*][#@]\s*sourceMappingURL=.*$", re.MULTILINE)
_CSS_URL = re.compile(r"""url\(\s*(['"]?)\s*([^'")]*?)\s*\1\s*\)""", re.IGNORECASE)
_CSS_IMPORT = re.compile(r"@import\b", re.IGNORECASE)
_REMOTE_IN_JS = re.compile(r"""["'`](?:https?:)?//[^"'`\s]+\.(?:m?js|css)(?:\?[^"'`\s]*)?["'`]""")
_JS_TYPES = {"", "text/javascript", "application/javascript", "module"}
_MEDIA_TAGS = {"img", "iframe", "source", "embed", "audio", "video", "track", "input", "object"}


class OfflineViolation(RuntimeError):
    """The page would fetch something: a remote or external script, stylesheet, font or image."""


def _leaflet_dir() -> Path:
    if xleaflet.VERSION != LEAFLET_VERSION:
        raise OfflineViolation(
            f"xstatic-leaflet {xleaflet.VERSION} is installed; the maps need {LEAFLET_VERSION}"
        )
    return Path(xleaflet.BASE_DIR)


def _data_uri(path: Path) -> str:
    mime = {".png": "image/png", ".svg": "image/svg+xml"}[path.suffix]
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


@lru_cache(maxsize=1)
def leaflet_js() -> str:
    """leaflet.js without its source-map comment (a file the page would try to fetch)."""
    return _SOURCE_MAP.sub("", (_leaflet_dir() / "leaflet.js").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def leaflet_css() -> str:
    """leaflet.css with every relative `url()` replaced by a data: URI; fails on a missing file."""
    base = _leaflet_dir()

    def inline(match: re.Match[str]) -> str:
        target = match.group(2)
        if target.startswith(("data:", "#")):
            return match.group(0)
        path = base / target
        if re.match(r"(?i)^(?:[a-z]+:)?//", target) or not path.is_file():
            raise OfflineViolation(f"leaflet.css refers to {target!r}, which cannot be inlined")
        return f'url("{_data_uri(path)}")'

    css = (base / "leaflet.css").read_text(encoding="utf-8")
    return _CSS_URL.sub(inline, _SOURCE_MAP.sub("", css))


def _project_text(name: str) -> str:
    return resources.files(__package__).joinpath("templates", name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def project_js() -> str:
    """The project's own map code: layers, legend, title box, map sync (clustersim.js); year
    slider, commune shading, badges, fullscreen, mini-map (controls.js); labels, touch
    targets, north arrow, home button, popup sizes and print (carto.js)."""
    return "\n".join(_project_text(n) for n in ("clustersim.js", "controls.js", "carto.js"))


@lru_cache(maxsize=1)
def project_css() -> str:
    """The project's own page and control styles, after the leadership summary's (so the
    map's own rules for the title box and phones win)."""
    return summary_css() + "\n" + _project_text("clustersim.css")


def summary_css() -> str:
    """The leadership summary's styles, shared by the maps and the report (summary.css)."""
    return _project_text("summary.css")


def script_tag(js: str) -> str:
    """An inline `<script>`; refuses code that would end or comment out the element early."""
    if re.search(r"</script|<!--", js, re.IGNORECASE):
        raise OfflineViolation("inline script contains '</script' or '<!--'")
    return f"<script>{js}</script>"


def style_tag(css: str) -> str:
    """An inline `<style>`; refuses CSS that would end the element early."""
    if re.search(r"</style", css, re.IGNORECASE):
        raise OfflineViolation("inline style contains '</style'")
    return f"<style>{css}</style>"


def _is_local(url: str) -> bool:
    return url.strip().lower().startswith(("data:", "#", "blob:"))


def _css_problems(css: str, where: str) -> list[str]:
    urls = (m.group(2) for m in _CSS_URL.finditer(css))
    found = [f"{where}: url({url})" for url in urls if not _is_local(url)]
    if _CSS_IMPORT.search(css):
        found.append(f"{where}: @import")
    return found


class _ResourceScanner(HTMLParser):
    """Collects every reference the page would load: scripts, stylesheets, media, CSS url()."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._open: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        self._open = tag
        if tag == "script" and a.get("type", "").lower() not in _JS_TYPES:
            self._open = "data-block"
        if tag == "script" and "src" in a and not _is_local(a["src"]):
            self.problems.append(f"<script src={a['src']!r}>")
        if tag == "link" and "href" in a and not _is_local(a["href"]):
            rel = a.get("rel", "").lower()
            if any(r in rel for r in ("stylesheet", "preload", "modulepreload", "icon", "import")):
                self.problems.append(f"<link rel={rel!r} href={a['href']!r}>")
        if tag in _MEDIA_TAGS:
            for key in ("src", "data", "poster"):
                if a.get(key) and not _is_local(a[key]):
                    self.problems.append(f"<{tag} {key}={a[key]!r}>")
        if "style" in a:
            self.problems += _css_problems(a["style"], f"<{tag} style>")

    def handle_endtag(self, tag: str) -> None:
        self._open = None

    def handle_data(self, data: str) -> None:
        if self._open == "style":
            self.problems += _css_problems(data, "<style>")
        elif self._open == "script":
            self.problems += [f"<script> loads {m.group(0)}" for m in _REMOTE_IN_JS.finditer(data)]


def check_offline(page: str) -> str:
    """Return `page` unchanged, or raise `OfflineViolation` listing every external reference."""
    scanner = _ResourceScanner()
    scanner.feed(page)
    scanner.close()
    if scanner.problems:
        listing = "\n  ".join(scanner.problems[:20])
        raise OfflineViolation(f"the page is not self-contained:\n  {listing}")
    return page
