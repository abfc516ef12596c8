"""Author text in two languages: a scenario's title, description and target labels (and an
optimisation constraint's label) are a plain text, or `{vi: …, en: …}` with one text per
language; a page shows the text of its own language (`local`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict

__all__ = ["LANGS", "Text", "Wording", "local", "local_lang", "in_lang"]

LANGS = ("vi", "en")


class Wording(BaseModel):
    """The same text in Vietnamese (`vi`) and English (`en`); either may be left out, and a
    page in the missing language shows the other."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    vi: str | None = None
    """The text on Vietnamese pages."""
    en: str | None = None
    """The text on English pages (and in summary.json)."""

    def get(self, lang: str) -> str:
        first = self.vi if lang == "vi" else self.en
        return first or self.en or self.vi or ""


def _text(value: Any) -> Any:
    """A text, or a mapping of language → non-empty text (vi, en)."""
    if value is None or isinstance(value, (str, Wording)):
        return value
    expected = "a text, or {vi: text, en: text}"
    if not isinstance(value, Mapping):
        raise ValueError(f"{expected}; found {type(value).__name__} {value!r}")
    unknown = sorted(str(k) for k in value if k not in LANGS)
    if unknown:
        raise ValueError(f"{expected}; found the language key(s) {', '.join(unknown)}")
    bad = sorted(str(k) for k, v in value.items() if not isinstance(v, str) or not v.strip())
    if bad or not value:
        raise ValueError(f"{expected} with non-empty texts; found "
                         + (f"an empty or non-text {', '.join(bad)}" if bad else "{}"))
    return Wording(**value)


Text = Annotated[str | Wording, BeforeValidator(_text)]


def local(text: str | Wording | None, lang: str) -> str:
    """The text for a page in `lang` ("" for None)."""
    if text is None:
        return ""
    return text if isinstance(text, str) else text.get(lang)


def local_lang(text: str | Wording | None, lang: str) -> str:
    """The language of `local(text, lang)` when the author declared it ("vi" or "en"), else ""
    (a plain text may be in either language); pages put it in a `lang` attribute."""
    if not isinstance(text, Wording):
        return ""
    return lang if (text.vi if lang == "vi" else text.en) else ("en" if lang == "vi" else "vi")


def in_lang(row: Mapping[str, Any], key: str, lang: str) -> str:
    """A row of one of the package's data files (parameters.csv, calibration.csv) in `lang`:
    its `<key>_<lang>` column where filled (e.g. `source_vi`), else `key`'s own (English)."""
    return str(row.get(f"{key}_{lang}") or row[key])
