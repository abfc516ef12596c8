"""Safe encodings for text that reaches the page, and the slots that carry it past branca.

branca compiles the output of every `MacroElement` macro as a *new* jinja template, so text
inside an element is evaluated twice: a cluster named ``{{ 7*7 }}`` would print ``49``.
Elements therefore only hold opaque slot tokens; `Slots.fill` swaps the real (already
escaped) content in after folium has rendered the page, in one pass.
"""

from __future__ import annotations

import json
import re
import secrets
from typing import Any

__all__ = ["json_for_script", "Slots"]

_JS_UNSAFE = {
    "<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029",
}
_JS_UNSAFE_RE = re.compile("[<>&\u2028\u2029]")


def json_for_script(obj: Any) -> str:
    """JSON that is safe inside `<script>` (no `</script>`, `<!--`, or `&` entities possible)."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return _JS_UNSAFE_RE.sub(lambda m: _JS_UNSAFE[m.group(0)], text)


class Slots:
    """Placeholders for content that must not go through branca's templates."""

    def __init__(self) -> None:
        self._prefix = f"@@ccn-slot-{secrets.token_hex(6)}-"
        self._content: dict[str, str] = {}

    def put(self, content: str) -> str:
        """Store `content` (final, escaped text) and return the token that stands for it."""
        token = f"{self._prefix}{len(self._content)}@@"
        self._content[token] = content
        return token

    def fill(self, page: str) -> str:
        """Replace every token exactly once; raise if a token is missing or repeated."""
        pattern = re.compile(re.escape(self._prefix) + r"\d+@@")
        found = pattern.findall(page)
        if sorted(found) != sorted(self._content):
            missing = set(self._content) - set(found)
            raise RuntimeError(f"slot tokens lost or repeated by the renderer: {sorted(missing)}")
        return pattern.sub(lambda m: self._content[m.group(0)], page)
