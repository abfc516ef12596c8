"""Inline assets: Leaflet from the installed xstatic-leaflet package, the project's own JS/CSS.

Nothing third-party lives in this repository; it is read from site-packages at render time.
`check_offline` is the strict gate every page passes before it is returned.
"""

from __future__ import annotations

import base64
import html
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


def _tag_problems(tag: str, attrs: list[tuple[str, str | None]]) -> list[str]:
    """The references a start tag makes the page load (its attributes as `HTMLParser` gives
    them): a script, stylesheet or medium from elsewhere, a CSS `url()` or `@import` in its
    `style`."""
    a = {k: (v or "") for k, v in attrs}
    found = []
    if tag == "script" and "src" in a and not _is_local(a["src"]):
        found.append(f"<script src={a['src']!r}>")
    if tag == "link" and "href" in a and not _is_local(a["href"]):
        rel = a.get("rel", "").lower()
        if any(r in rel for r in ("stylesheet", "preload", "modulepreload", "icon", "import")):
            found.append(f"<link rel={rel!r} href={a['href']!r}>")
    if tag in _MEDIA_TAGS:
        found += [f"<{tag} {key}={a[key]!r}>" for key in ("src", "data", "poster")
                  if a.get(key) and not _is_local(a[key])]
    if "style" in a:
        found += _css_problems(a["style"], f"<{tag} style>")
    return found


def _raw_text_problems(opened: str | None, data: str) -> list[str]:
    """The references in the text of a `<style>` or `<script>` element (`opened`: the last
    start tag, `data-block` for a script that is not JavaScript, such as the maps' JSON)."""
    if opened == "style":
        return _css_problems(data, "<style>")
    if opened == "script":
        return [f"<script> loads {m.group(0)}" for m in _REMOTE_IN_JS.finditer(data)]
    return []


def _opened(tag: str, attrs: list[tuple[str, str | None]]) -> str:
    """What a start tag opens, for `_raw_text_problems`: its name, or `data-block` for a
    script whose type is not JavaScript."""
    if tag == "script" and (dict(attrs).get("type") or "").lower() not in _JS_TYPES:
        return "data-block"
    return tag


class _ResourceScanner(HTMLParser):
    """Collects every reference the page would load: scripts, stylesheets, media, CSS url().
    The reading that decides for every page but a clean plain one (`check_offline`)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._open: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._open = _opened(tag, attrs)
        self.problems += _tag_problems(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        self._open = None

    def handle_data(self, data: str) -> None:
        self.problems += _raw_text_problems(self._open, data)


# The plain pages the renderers write, read without html.parser's character-by-character loop:
# text without `<`, `<!DOCTYPE …>`, end tags, and start tags whose name, attribute names and
# values leave no doubt where each ends (whitespace only of the five HTML knows, values quoted
# or bare without quotes or `<>=\``); a `<script>` or `<style>` element's text runs to its
# plain end tag and holds no other `</script` or `</style` (not even with spaces after `</`).
# html.parser reads such a page into these same tags and texts (or, in later Pythons, reads
# the text of a `<title>` or `<textarea>` as text: fewer tags, never more).
_W = "[ \t\n\r\f]"
_ATTR_FORM = rf"""{_W}+(%s[^\s"'<>/=]+)(?:{_W}*={_W}*(%s"[^"]*"|'[^']*'|[^\s"'=<>`]+))?"""
_ATTR = re.compile(_ATTR_FORM % ("", ""))
_ATTRS = rf"""((?:{_ATTR_FORM % ("?:", "?:")})*){_W}*"""
_RAW = "(?:script|style)"
_PLAIN_TOKEN = re.compile(
    rf"""[^<]*(?:<({_RAW}){_ATTRS}>([^<]*(?:<(?!/\s*{_RAW})[^<]*)*)</\1{_W}*>"""  # its text
    rf"""|<(?!{_RAW}(?![a-zA-Z0-9:-]))([a-zA-Z][a-zA-Z0-9:-]*){_ATTRS}/?>"""  # a start tag
    rf"""|</[a-zA-Z][a-zA-Z0-9:-]*{_W}*>|<!DOCTYPE[^<>]*>)|[^<]+""",  # an end tag, the doctype
    re.IGNORECASE | re.DOTALL)


def _attrs(text: str) -> list[tuple[str, str | None]]:
    """A plain start tag's attributes as `HTMLParser` gives them: names lower-cased, values
    without their quotes and with character references replaced, None for a bare name."""
    out: list[tuple[str, str | None]] = []
    for m in _ATTR.finditer(text):
        value = m.group(2)
        if value and value[0] in "'\"":
            value = value[1:-1]
        out.append((m.group(1).lower(), html.unescape(value) if value else value))
    return out


def _raw_element(tag: str, attrs: str, text: str) -> list[str]:
    """The problems of a plain `<script>` or `<style>` element: its start tag, its text."""
    found = _attrs(attrs)
    return _tag_problems(tag, found) + _raw_text_problems(_opened(tag, found), text)


def _plain_scan(page: str) -> list[str] | None:
    """`_ResourceScanner`'s problems of a plain page (see `_PLAIN_TOKEN`), read with one
    regular expression; None when the page is not plain (then html.parser reads it)."""
    problems: list[str] = []
    pos = 0
    for m in _PLAIN_TOKEN.finditer(page):
        if m.start() != pos:
            return None
        pos = m.end()
        if m.group(1):
            problems += _raw_element(m.group(1).lower(), m.group(2), m.group(3))
        elif m.group(5):  # a start tag with attributes
            problems += _tag_problems(m.group(4).lower(), _attrs(m.group(5)))
    return problems if pos == len(page) else None


def check_offline(page: str) -> str:
    """Return `page` unchanged, or raise `OfflineViolation` listing every external reference.
    A plain page that `_plain_scan` finds clean is clean; any other page is read by
    html.parser (`_ResourceScanner`), whose reading decides and whose problems are listed."""
    problems = _plain_scan(page)
    if problems != []:
        scanner = _ResourceScanner()
        scanner.feed(page)
        scanner.close()
        problems = scanner.problems
    if problems:
        listing = "\n  ".join(problems[:20])
        raise OfflineViolation(f"the page is not self-contained:\n  {listing}")
    return page
