"""Rule findings for people and files: a plain-text table, checks.json, the exit code."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from simulator.gating import GateOpening
from simulator.rules.book import rule_table
from simulator.rules.findings import Finding
from simulator.words.checks import CHECK_TABLE

__all__ = ["render_check_table", "checks_json", "exit_code", "EXIT_FAIL"]

EXIT_FAIL = 3
_ORDER = {"fail": 0, "warn": 1, "off": 2, "n/a": 3, "pass": 4}


def exit_code(findings: list[Finding]) -> int:
    """0 when no rule fails, 3 when at least one does (warnings do not change it)."""
    return EXIT_FAIL if any(f.severity == "fail" for f in findings) else 0


def _pct(p: float) -> str:
    if p <= 0:
        return "0 %"
    return "<1 %" if p < 0.005 else f"{100 * p:.0f} %"


def _counts(findings: list[Finding]) -> dict[str, int]:
    return {s: sum(f.severity == s for f in findings) for s in _ORDER}


def _rows(shown: list[Finding], w: dict[str, Any], lang: str) -> list[tuple[str, ...]]:
    rules = rule_table()
    return [(w[f.severity], f.rule, rules[f.rule].short, f.cluster,
             "–" if f.year is None else str(f.year), _pct(f.p_fail), f.text(lang))
            for f in shown]


def _table(rows: list[tuple[str, ...]], fixes: list[str], w: dict[str, Any]) -> list[str]:
    widths = [max(len(r[i]) for r in [w["head"], *rows]) for i in range(6)]

    def line(r: tuple[str, ...]) -> str:
        return "  ".join(c.ljust(widths[i]) for i, c in enumerate(r[:6])) + "  " + r[6]

    indent = " " * (sum(widths) + 12)
    out = [line(w["head"]).rstrip()]
    for r, fix in zip(rows, fixes, strict=True):
        out += [line(r)] + ([f"{indent}{w['fix']} {fix}"] if fix else [])
    return out


def _footer(findings: list[Finding], shown: list[Finding], lang: str,
            w: dict[str, Any]) -> list[str]:
    rules = rule_table()
    out = ["", f"{w['rules']}:"]
    for rid in dict.fromkeys(f.rule for f in shown):
        r = rules[rid]
        out += [f"  {rid} — {r.title.get(lang, r.title['en'])}",
                f"    {' '.join(r.citation.split())}"]
    off = [f.rule for f in findings if f.severity == "off"]
    changed = sorted({f"{f.rule}.{n}" for f in findings for n in f.overridden})
    if off:
        out.append(f"{w['off_rules']}: {', '.join(off)}")
    if changed:
        out.append(f"{w['changed']}: {', '.join(changed)}")
    return out


def render_check_table(findings: list[Finding], lang: str = "en", *,
                       include_passing: bool = False) -> str:
    """A table a planner can act on: failures first, then warnings, switched-off rules and
    (with include_passing) n/a and passing checks; each row is followed by its fix, and the
    rules that appear are listed with their full citation."""
    w = CHECK_TABLE["vi" if lang == "vi" else "en"]
    keep = set(_ORDER) if include_passing else {"fail", "warn", "off"}
    order = {rid: i for i, rid in enumerate(rule_table())}
    shown = sorted((f for f in findings if f.severity in keep),
                   key=lambda f: (_ORDER[f.severity], order[f.rule], f.year or 0, f.cluster))
    c = _counts(findings)
    head = f"{w['title']}: " + ", ".join(f"{n} {w[s]}" for s, n in c.items() if n)
    fixes = [f.fix_text(lang) if f.severity in ("fail", "warn") else "" for f in shown]
    body = _table(_rows(shown, w, lang), fixes, w) if shown else [w["none"]]
    hidden = [] if include_passing else [w["hidden"].format(n=c["pass"], m=c["n/a"])]
    return "\n".join([head, "", *body, *hidden, *_footer(findings, shown, lang, w)]) + "\n"


# A finding's fields in order, as `dataclasses.asdict` lists them (its copying of every value,
# two thirds of checks.json's time, is not needed: the document is serialised at once, and a
# finding holds text, numbers and dicts, lists and tuples of them, never another dataclass).
_FIELDS = tuple(f.name for f in fields(Finding))


def checks_json(findings: list[Finding], gates: list[GateOpening] | None = None) -> dict[str, Any]:
    """The content of checks.json: counts, the exit code, every finding (its English message,
    and its key and parameters in simulator.words.findings), gate openings."""
    rules = rule_table()
    items = []
    for f in findings:
        d = {name: getattr(f, name) for name in _FIELDS}  # dumped at once: no copy needed
        d["p_fail_by_year"] = {str(y): p for y, p in f.p_fail_by_year.items()}
        d["overridden"] = list(f.overridden)
        d["title"] = rules[f.rule].title["en"]
        items.append(d)
    return {
        "format": "clustersim-checks/1",
        "summary": _counts(findings),
        "exit_code": exit_code(findings),
        "findings": items,
        "gates": [g.summary() for g in gates or []],
    }
