"""The pages' templates are compiled once and then loaded from maps/__pycache__/ (speed, issue
13); what is checked here is behaviour, never time."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest

from simulator.maps import fragments


def _fresh(folder: Path) -> jinja2.Environment:
    env: jinja2.Environment = fragments._env.__wrapped__(folder)  # type: ignore[attr-defined]
    return env


def test_a_template_compiled_once_is_loaded_without_compiling(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "cache"  # made on first use
    want = _fresh(folder).get_template("note.html").render(text="a < b", kind="info")
    assert len(list(folder.glob("jinja2-*.cache"))) == 1
    again = _fresh(folder)

    def compile_again(*args: object, **kwargs: object) -> None:
        raise AssertionError("compiled again")

    monkeypatch.setattr(again, "compile", compile_again)
    assert again.get_template("note.html").render(text="a < b", kind="info") == want
    assert "a &lt; b" in want  # the cached template still escapes


def test_an_edited_template_is_compiled_afresh(tmp_path: Path) -> None:
    env = _fresh(tmp_path)
    env.get_template("note.html")
    bucket = env.bytecode_cache.get_bucket(env, "note.html", None, "edited {{ text }}")  # type: ignore[union-attr]
    assert bucket.code is None  # another source: the kept code is not used


def test_a_folder_that_cannot_be_written_means_compiling_every_time(tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    html = _fresh(blocked).get_template("note.html").render(text="x", kind="info")
    assert "x" in html and blocked.read_text() == ""


def test_a_loaded_template_is_not_checked_against_its_file_again(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    env = _fresh(tmp_path)
    first = env.get_template("note.html")

    def no_stat(path: object) -> float:
        raise AssertionError(f"stat {path}")

    monkeypatch.setattr("os.path.getmtime", no_stat)
    monkeypatch.setattr("os.path.isfile", no_stat)
    assert env.get_template("note.html") is first  # the package's templates do not change in a run
