"""The patched bertviz JS in greentext/static/bertviz/: its diffs still apply to the pinned bertviz and give
exactly the committed files, they apply strictly, and the app reads only the committed files."""

from __future__ import annotations

import re
import shutil
import subprocess

import numpy as np
import pytest

from greentext.paths import ROOT
from greentext.present import attention_html as av
from greentext.present import bertviz_patch as bp


def test_the_patches_give_the_committed_files_from_the_pinned_bertviz():
    """Fails after a bertviz upgrade that changes what the patches touch, saying how to make them again."""
    pinned = re.search(r"^bertviz==([\w.]+)", (ROOT / "requirements-dev.txt").read_text(), re.M).group(1)
    assert bp.bertviz_version() == pinned, (
        f"bertviz {bp.bertviz_version()} is installed, requirements.txt pins {pinned}: pip install -r requirements.txt")
    problems = bp.check()
    assert not problems, "\n".join(problems)
    for name in bp.FILES:
        text = (bp.FOLDER / name).read_text(encoding="utf-8")
        assert text.startswith(bp.header(name, pinned)) and "Apache License 2.0" in text.split("\n", 2)[1]
        patch = (bp.FOLDER / f"{name}.patch").read_text(encoding="utf-8")
        assert patch.startswith(f"--- bertviz-{pinned}/{name}\n+++ greentext/static/bertviz/{name}\n@@ ")


@pytest.mark.skipif(not shutil.which("patch"), reason="no `patch` program")
def test_the_patches_are_ordinary_unified_diffs(tmp_path):
    """GNU patch applies them to bertviz's files too, with the same result (a reviewer can use either)."""
    for name in bp.FILES:
        out = tmp_path / name
        subprocess.run(["patch", "-s", "-o", str(out), str(bp.bertviz_dir() / name), str(bp.FOLDER / f"{name}.patch")],
                       check=True, capture_output=True)
        assert out.read_text(encoding="utf-8") == bp.patched(name)


def test_a_changed_bertviz_fails_loudly_with_how_to_fix_it(monkeypatch):
    real = bp.original

    def moved(name):  # bertviz with one line the patch changes written differently
        return real(name).replace("const params = PYTHON_PARAMS;", "const params = PYTHON_PARAMS ;")

    monkeypatch.setattr(bp, "original", moved)
    with pytest.raises(bp.PatchError, match=r"(?s)line \d+ is not what the patch expects.*PYTHON_PARAMS ;"
                                            r".*patch -o .*--diff"):
        bp.made("head_view.js")
    assert any("no longer applies" in p for p in bp.check())
    assert bp.main(["--check"]) == 1


def test_apply_is_strict_and_undoes_diff():
    old = "a\nb\nc\nd\ne\nf\ng\nh\n"
    cases = ["x\n" + old, old + "y", old.replace("d\n", "D\nD2\n"), old.replace("a\n", ""), "a\nb\nc\nd\ne\nf\ng\nh",
             old.replace("h\n", "h\ni\n")]
    for new in cases:
        for a, b in ((old, new), (new, old)):
            patch = bp.diff(a, b, "a", "b")
            assert bp.apply(a, patch) == b, (a, b, patch)
    patch = bp.diff(old, old.replace("d\n", "D\n"), "a", "b")
    with pytest.raises(bp.PatchError, match="line 3 is not what the patch expects"):
        bp.apply(old.replace("c\n", "C\n"), patch)  # a context line changed: no fuzz
    with pytest.raises(bp.PatchError):
        bp.apply("a\nb\nd\ne\nf\ng\nh\n", patch)  # a line gone: the hunk does not move
    with pytest.raises(bp.PatchError, match="no hunk"):
        bp.apply(old, "")


def test_regenerating_and_recording_an_edit(tmp_path, monkeypatch):
    """`python -m greentext.present.bertviz_patch` changes nothing on a clean checkout; after an edit of a
    copy, `--diff` writes its patch, and the patch then gives the edited copy."""
    folder = tmp_path / "bertviz"
    shutil.copytree(bp.FOLDER, folder)
    monkeypatch.setattr(bp, "FOLDER", folder)
    assert bp.main([]) == 0 and bp.write() == [] and bp.record() == []
    js = folder / "model_view.js"
    js.write_text(js.read_text(encoding="utf-8").replace("const MIN_X = 0;", "const MIN_X = 0; // edited"),
                  encoding="utf-8")
    assert bp.check()  # the edit is not in the patch yet
    assert bp.main(["--diff"]) == 0 and "+        const MIN_X = 0; // edited\n" in (folder / "model_view.js.patch").read_text()
    assert bp.check() == [] and "// edited" in bp.made("model_view.js")[0]
    js.write_text(js.read_text(encoding="utf-8").split("\n", bp.HEADER_LINES)[-1], encoding="utf-8")
    assert bp.main(["--check"]) == 1  # its header gone


def test_pages_carry_the_committed_js_without_its_header_and_need_no_bertviz(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "bertviz" else real(name, *a))
    bp.patched.cache_clear()
    av.geometry.cache_clear()
    try:
        page = av.head_view(["a", "b"], np.array([[[1.0, 0], [0.5, 0.5]]]), 0)
        model = av.model_view(["a", "b"], np.array([[[[1.0, 0], [0.5, 0.5]]]]))
        assert av.head_drawing(2)[0] > 0 and av.model_drawing(1, 1, 2)[0] > 0
    finally:
        bp.patched.cache_clear()
        av.geometry.cache_clear()
    for p, name in ((page, "head_view.js"), (model, "model_view.js")):
        assert f"<script>{bp.patched(name)}</script>" in p.html
        assert "Generated by" not in p.html and "@fileoverview" in p.html
