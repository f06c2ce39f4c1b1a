"""Deploying to a Hugging Face Space, with no network: the computed file list, the exported folder and its
LFS rules, the upload through a stand-in HfApi, one-line errors, README's Space configuration and the
requirements split."""

from __future__ import annotations

import filecmp
import importlib.metadata
import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from greentext.ops import deploy

ROOT = Path(__file__).resolve().parent.parent
DEV_ONLY = ("datasets", "matplotlib", "pytest", "hypothesis", "playwright", "bertviz", "xdist", "zxingcpp", "zxing-cpp",
            "axe_playwright_python")


def git(cwd, *args):
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=cwd,
                          check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def files():
    return deploy.space_files(ROOT)


def test_the_list_from_this_checkout(files):
    paths = {f.path for f in files}
    tracked = set(deploy.tracked_files(ROOT))
    assert paths <= tracked  # never an untracked or ignored file
    assert {"app.py", "requirements.txt", "README.md", "assets/model/model.safetensors",
            "assets/model-base/model.safetensors", "assets/model/config.json", "assets/model/tokenizer.json",
            "assets/model/README.md", "assets/model/loss.png", "assets/safety/pt-BR.txt",
            "greentext/static/bertviz_prelude.js", "greentext/static/app.css"} <= paths
    assert {p for p in tracked if p.startswith("greentext/") and p.endswith(".py")} <= paths
    shown = set(re.findall(r"\]\((assets/screenshots/[^)]+\.png)\)", (ROOT / "README.md").read_text()))
    assert shown and shown <= paths  # the Space's page renders README: its images go
    for path in paths:
        assert not path.startswith(("tests/", "bench/", "runs/", ".ci/", ".venv")), path
        assert "__pycache__" not in path and ".pytest_cache" not in path and not path.endswith(".pyc"), path
    assert "requirements-dev.txt" not in paths and ".gitignore" not in paths
    assert not any(p.startswith("assets/corpus/") and p.endswith(".jsonl") for p in paths)  # training data
    lfs = {f.path for f in files if f.lfs}
    assert {"assets/model/model.safetensors", "assets/model/loss.png"} | shown <= lfs
    assert not any(p.endswith((".py", ".js", ".json", ".md", ".txt", ".css")) for p in lfs), lfs


def fake_repo(root: Path, *, commit: bool = True) -> Path:
    """A small project: what a Space needs, what it never needs, an ignored and an untracked file."""
    tree = {
        "app.py": "print('app')\n",
        "requirements.txt": "torch>=2.4,<2.14\ngradio==6.31.0\n",
        "README.md": "---\nsdk: gradio\n---\n![shot](assets/screenshots/a.png) [notes](NOTES.md#top) "
                     '<img src="assets/screenshots/b.png"> [web](https://example.com/x.png)\n',
        "NOTES.md": "[more](docs/more.md)\n",
        "docs/more.md": "end\n",
        "greentext/__init__.py": "",
        "greentext/static/x.js": "1\n",
        "assets/model/config.json": "{}\n",
        "assets/model/model.safetensors": b"\x08\x00\x00\x00\x00\x00\x00\x00{}      ",
        "assets/safety/pt-BR.txt": "x\n",
        "assets/screenshots/a.png": b"\x89PNG\r\n\x1a\n\x00\x00",
        "assets/screenshots/b.png": b"\x89PNG\r\n\x1a\n\x00\x00",
        "assets/screenshots/unused.png": b"\x89PNG\r\n\x1a\n\x00\x00",
        "assets/corpus/train.jsonl": "{}\n",
        "tests/test_x.py": "",
        "bench/b.py": "",
        ".ci/run": "",
        ".gitignore": ".venv/\n__pycache__/\n*.pyc\n/runs/\n",
    }
    for rel, content in tree.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content) if isinstance(content, bytes) else path.write_text(content)
    if commit:
        git(root, "init", "-q")
        git(root, "add", "-A")
        git(root, "commit", "-qm", "init")
    for rel in ("runs/r/model.safetensors", ".venv/lib/x.py", "greentext/__pycache__/x.cpython-311.pyc",
                "greentext/untracked.py"):  # ignored files, and one untracked
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("x")
    return root


EXPECTED = ["NOTES.md", "README.md", "app.py", "assets/model/config.json", "assets/model/model.safetensors",
            "assets/safety/pt-BR.txt", "assets/screenshots/a.png", "assets/screenshots/b.png", "docs/more.md",
            "greentext/__init__.py", "greentext/static/x.js", "requirements.txt"]


def test_untracked_and_ignored_files_never_go(tmp_path):
    root = fake_repo(tmp_path)
    assert [f.path for f in deploy.space_files(root)] == EXPECTED  # not greentext/untracked.py


def test_outside_git_the_folder_is_walked_minus_gitignore(tmp_path):
    root = fake_repo(tmp_path, commit=False)
    assert [f.path for f in deploy.space_files(root)] == sorted(EXPECTED + ["greentext/untracked.py"])


def test_binaries_and_large_files_go_to_lfs(tmp_path):
    (tmp_path / "big.txt").write_text("a" * (deploy.LFS_SIZE + 1))
    (tmp_path / "latin1.txt").write_bytes("olá".encode("latin-1"))
    (tmp_path / "utf8.txt").write_text("olá 🙂", encoding="utf-8")
    assert not deploy.is_binary(tmp_path / "big.txt") and deploy.SpaceFile("big.txt", deploy.LFS_SIZE + 1, False).lfs
    assert deploy.is_binary(tmp_path / "latin1.txt") and not deploy.is_binary(tmp_path / "utf8.txt")


def test_dry_run_lists_sizes_totals_and_lfs(capsys, files):
    assert deploy.main([]) == 0
    out = capsys.readouterr().out
    assert re.search(r"\d+\.\d MB  xet/lfs  assets/model/model\.safetensors", out)
    assert re.search(r"  git      app\.py", out)
    assert f"{len(files)} files, " in out and "Stored with Xet/LFS" in out
    assert "tests/ (" in out and "bench/ (" in out  # what was left out, by folder
    assert "Dry run: nothing sent to a Space" in out  # issue 20.11: it never said it was a dry run


def test_the_readme_states_the_dry_runs_own_count_and_size(files):
    """Issue 20.11: the dry run said 88 files / 80.8 MB where README said 86 / 81."""
    found = re.search(r"At this writing: (\d+) files, ([\d.]+) MB", (ROOT / "README.md").read_text(encoding="utf-8"))
    assert found, "README names the deploy's file count and size"
    assert int(found.group(1)) == len(files)
    assert abs(float(found.group(2)) - sum(f.size for f in files) / 1e6) < 0.5


def test_export_writes_exactly_the_list_with_lfs_rules(tmp_path, files):
    dest = tmp_path / "space"
    assert deploy.main(["--export", str(dest)]) == 0
    written = sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file())
    assert written == sorted([f.path for f in files] + [".gitattributes"])
    assert all(filecmp.cmp(ROOT / f.path, dest / f.path, shallow=False) for f in files)
    # git itself reads the rules: every binary (and large) file is stored with LFS, text stays in git
    git(dest, "init", "-q")
    attrs = git(dest, "check-attr", "filter", "--", *[f.path for f in files])
    lfs = {line.split(": ")[0] for line in attrs.splitlines() if line.endswith(": filter: lfs")}
    assert lfs == {f.path for f in files if f.lfs}


def test_gitattributes_names_binaries_the_patterns_miss(tmp_path):
    files = [deploy.SpaceFile("assets/weights.odd", 10, True), deploy.SpaceFile("a b/big[1].txt", 2 * deploy.LFS_SIZE,
                                                                                False),
             deploy.SpaceFile("app.py", 10, False)]
    for f in files:
        (tmp_path / f.path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / f.path).write_text("x")
    (tmp_path / ".gitattributes").write_text(deploy.gitattributes(files))
    git(tmp_path, "init", "-q")
    attrs = git(tmp_path, "check-attr", "filter", "--", *[f.path for f in files])
    assert [line.rsplit(": ", 1)[1] for line in attrs.splitlines()] == ["lfs", "lfs", "unspecified"]


def test_export_refuses_a_folder_that_is_not_empty(tmp_path, capsys):
    (tmp_path / "old.txt").write_text("x")
    assert deploy.main(["--export", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "not an empty folder" in err[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.txt"]


def test_cpu_torch_adds_pytorchs_cpu_index(tmp_path):
    root = fake_repo(tmp_path / "repo")
    deploy.export(deploy.space_files(root), tmp_path / "space", root, cpu_torch=True)
    text = (tmp_path / "space" / "requirements.txt").read_text()
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    assert lines[0] == f"--extra-index-url {deploy.PYTORCH_CPU_INDEX}"
    assert text.endswith((root / "requirements.txt").read_text())
    assert deploy.requirements_for_cpu(text) == text  # once


class FakeApi:
    """HfApi's three calls, recorded; the folder's files are read while the upload runs."""

    def __init__(self, remote=(), fail=None, variables=None):
        self.remote, self.fail, self.calls = list(remote), fail, []
        self.variables = dict(variables or {})

    def create_repo(self, **kw):
        self.calls.append(("create_repo", kw))
        if self.fail:
            raise self.fail
        return f"https://huggingface.co/spaces/{kw['repo_id']}"

    def list_repo_files(self, **kw):
        self.calls.append(("list_repo_files", kw))
        return self.remote

    def upload_folder(self, **kw):
        folder = Path(kw["folder_path"])
        kw["files"] = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
        self.calls.append(("upload_folder", kw))
        return SimpleNamespace(commit_url=f"https://huggingface.co/spaces/{kw['repo_id']}/commit/abc")

    def get_space_variables(self, **kw):
        self.calls.append(("get_space_variables", kw))
        return dict(self.variables)

    def add_space_variable(self, **kw):
        self.calls.append(("add_space_variable", kw))
        self.variables[kw["key"]] = kw["value"]

    def delete_space_variable(self, **kw):
        self.calls.append(("delete_space_variable", kw))
        del self.variables[kw["key"]]


def test_upload_sends_exactly_the_list(tmp_path, capsys):
    root = fake_repo(tmp_path)
    remote = ["README.md", ".gitattributes", "old.py", "assets/old[1].png", "app.py"]
    api = FakeApi(remote)
    assert deploy.main(["--space", "me/greentext", "--token", "hf_fake", "--private"], root=root, api=api) == 0
    (_, create), (_, listed), (_, up), (asked, _) = api.calls
    assert asked == "get_space_variables"  # no model named: nothing to set (none was set before)
    assert create == dict(repo_id="me/greentext", repo_type="space", space_sdk="gradio", exist_ok=True, private=True,
                          token="hf_fake")
    assert listed == dict(repo_id="me/greentext", repo_type="space", token="hf_fake")
    wanted = EXPECTED + [".gitattributes"]
    assert up["files"] == sorted(wanted)  # the folder uploaded holds the list and nothing else
    assert up["allow_patterns"] == wanted
    assert up["delete_patterns"] == ["assets/old[[]1].png", "old.py"]  # never .gitattributes, never a kept file
    assert up["repo_type"] == "space" and up["token"] == "hf_fake" and up["repo_id"] == "me/greentext"
    assert up["commit_message"].startswith("Deploy GPT-2 Greentext Lab (")
    out = capsys.readouterr().out
    assert "deleting from the Space (2 files" in out and "https://huggingface.co/spaces/me/greentext" in out


def test_upload_patterns_match_only_their_file():
    from fnmatch import fnmatchcase

    for path in ("a[1].png", "x*y?.md", "plain/file.py"):
        assert fnmatchcase(path, deploy.exact(path))
        assert not fnmatchcase(path + "x", deploy.exact(path)) and not fnmatchcase("a1.png", deploy.exact(path))


def test_an_existing_space_keeps_its_visibility_and_nothing_is_deleted_when_nothing_is_stale(tmp_path):
    root = fake_repo(tmp_path)
    api = FakeApi(["README.md"])
    assert deploy.main(["--space", "me/greentext", "--token", "t", "--message", "hello"], root=root, api=api) == 0
    assert api.calls[0][1]["private"] is None
    assert api.calls[2][1]["delete_patterns"] is None and api.calls[2][1]["commit_message"] == "hello"


def one_line(capsys) -> str:
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(err) == 1 and "Traceback" not in err[0], err
    return err[0]


def test_no_token_is_one_line_and_no_call(monkeypatch, capsys):
    import huggingface_hub

    monkeypatch.setattr(huggingface_hub, "get_token", lambda: None)
    api = FakeApi()
    assert deploy.main(["--space", "me/greentext"], api=api) == 2
    line = one_line(capsys)
    assert line.startswith("error: no Hugging Face token") and "hf auth login" in line and "HF_TOKEN" in line
    assert api.calls == []


def test_a_refused_request_is_one_line(capsys):
    from huggingface_hub.errors import HfHubHTTPError

    refused = HfHubHTTPError("401 Client Error: Unauthorized for url: https://huggingface.co/api/repos/create\n"
                             "(Request ID: x)", server_message="Invalid credentials in Authorization header",
                             response=SimpleNamespace(headers={}, request=None, status_code=401))
    assert deploy.main(["--space", "me/greentext", "--token", "bad"], api=FakeApi(fail=refused)) == 2
    line = one_line(capsys)
    assert "me/greentext was not updated" in line and "401" in line and "Invalid credentials" in line
    assert "write access" in line


def test_a_network_error_is_one_line(capsys):
    assert deploy.main(["--space", "me/greentext", "--token", "t"],
                       api=FakeApi(fail=ConnectionError("no route to huggingface.co"))) == 2
    assert "ConnectionError: no route to huggingface.co" in one_line(capsys)


def test_a_bad_space_id_is_one_line(capsys):
    assert deploy.main(["--space", "not a space", "--token", "t"], api=FakeApi()) == 2
    assert "is not OWNER/NAME" in one_line(capsys)


def test_dry_run_with_a_space_sends_nothing(capsys):
    assert deploy.main(["--space", "me/greentext", "--dry-run"], api=object()) == 0
    assert "Dry run: nothing sent to me/greentext (" in capsys.readouterr().out


def test_the_command_without_a_token_exits_2_with_one_line(tmp_path):
    """The real CLI, in a process of its own, with no token anywhere: it stops before any network call."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
    env.update(HF_HOME=str(tmp_path), HF_HUB_OFFLINE="1")
    done = subprocess.run([sys.executable, "-m", "greentext.ops.deploy", "--space", "me/greentext"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 2 and len(lines) == 1 and lines[0].startswith("error: no Hugging Face token"), lines


def test_deploy_imports_no_gradio():
    done = subprocess.run([sys.executable, "-c", "import sys, greentext.ops.deploy as d; d.space_files(); "
                           "assert 'gradio' not in sys.modules and 'huggingface_hub' not in sys.modules"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


# ------------------------------------------------------------------------- README's Space configuration


def pinned(name: str, text: str) -> str | None:
    found = re.findall(rf"^{re.escape(name)}==([0-9][^\s#;]*)", text, re.M)
    return found[0] if len(set(found)) == 1 else None


def test_readme_front_matter_is_a_space_configuration(files):
    from huggingface_hub import SpaceCard, metadata_load

    card = SpaceCard.load(ROOT / "README.md")
    data = card.data
    assert metadata_load(ROOT / "README.md") == data.to_dict()
    requirements = (ROOT / "requirements.txt").read_text()
    gradio = pinned("gradio", requirements)
    assert gradio and pinned("gradio[mcp]", requirements) == gradio
    assert data.sdk == "gradio" and data.sdk_version == gradio
    assert importlib.metadata.version("gradio") == gradio  # the tests run the gradio the Space will run
    assert isinstance(data.python_version, str) and re.fullmatch(r"3\.\d+(\.\d+)?", data.python_version)
    assert tuple(int(v) for v in data.python_version.split(".")[:2]) >= (3, 11)  # the code's own floor
    assert data.app_file == "app.py" and (ROOT / data.app_file).is_file()
    assert data.app_file in {f.path for f in files}
    short = data.to_dict()["short_description"]
    assert 0 < len(short) <= 60
    assert data.license == "mit" and data.title and data.to_dict()["emoji"]
    colours = {"red", "yellow", "green", "blue", "indigo", "purple", "pink", "gray"}
    assert data.to_dict()["colorFrom"] in colours and data.to_dict()["colorTo"] in colours
    for ids in (data.models or [], data.datasets or []):  # hub ids only, if any
        assert all(re.fullmatch(r"[\w.-]+(/[\w.-]+)?", i) for i in ids)


def test_readme_deploy_section_names_the_command():
    text = (ROOT / "README.md").read_text()
    section = text.split("## Deploy to a Hugging Face Space", 1)[1].split("\n## ", 1)[0]
    for command in ("python -m greentext.ops.deploy", "python -m greentext.ops.deploy --space OWNER/NAME",
                    "--export", "--cpu-torch", ".gitattributes"):
        assert command in section, command


# ------------------------------------------------------------------------------- the requirements split


def names(path: Path) -> set[str]:
    found = set()
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            found.add(re.split(r"[\[<>=!~; ]", line, 1)[0].lower().replace("_", "-"))
    return found


def test_requirements_split():
    runtime, dev = names(ROOT / "requirements.txt"), names(ROOT / "requirements-dev.txt")
    assert "-r requirements.txt" in (ROOT / "requirements-dev.txt").read_text().splitlines()
    assert not runtime & {n.replace("_", "-") for n in DEV_ONLY}, runtime
    assert {"datasets", "matplotlib", "pytest", "hypothesis", "playwright", "zxing-cpp", "bertviz", "pytest-xdist"} <= dev
    assert {"torch", "transformers", "gradio", "mpld3", "xstatic-jquery", "segno"} <= runtime
    readme, ci = (ROOT / "README.md").read_text(), (ROOT / ".ci" / "run").read_text()
    test_command = ".venv/bin/pip install -r requirements-dev.txt && .venv/bin/python -m pytest -q -n 2 --dist loadgroup"
    assert f"\n{test_command}\n" in readme and f"\n{test_command}\n" in ci  # CI runs README's test command


def test_the_app_imports_no_dev_package():
    """The whole app built on the bundled model with the dev-only packages made unimportable."""
    code = f"""
import importlib.abc, importlib.machinery, sys
class Block(importlib.abc.MetaPathFinder, importlib.abc.Loader):  # found (torch probes with find_spec), never imported
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in {DEV_ONLY!r}:
            return importlib.machinery.ModuleSpec(name, self)
    def create_module(self, spec):
        raise ImportError('dev-only: ' + spec.name)
sys.meta_path.insert(0, Block())
from greentext.decode.engine import Engine
from greentext.ui import build_app
from greentext.present import attention_html as attention_view
assert all(p.is_file() for p in attention_view.library_files().values())
attention_view.head_view_js(); attention_view.model_view_js()
build_app(Engine.load(device='cpu'))
for name in {DEV_ONLY[:-1]!r}:
    try:
        __import__(name)
    except ImportError:
        continue
    raise SystemExit('the blocker let ' + name + ' through')
print('ok')
"""
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stdout.strip().endswith("ok"), done.stderr[-2000:]


def test_training_without_the_dev_packages_names_the_file(monkeypatch):
    import importlib.util

    from greentext.training import documents as data

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "datasets" else real(name, *a))
    with pytest.raises(data.MissingPackage, match=r"`datasets`.*pip install -r requirements-dev\.txt"):
        data.load_documents("someone/some-dataset")
    with pytest.raises(data.MissingPackage, match="requirements-dev.txt"):
        data.need("no_such_package_here", "this")


def test_a_space_can_serve_a_hub_model_and_a_later_deploy_without_one_goes_back_to_the_bundled(tmp_path, capsys):
    """`--model OWNER/NAME`: the Space's variable GREENTEXT_MODEL names it (the app's `--model` default), README's
    front matter names it and preloads it as the Space builds; a deploy without --model removes the variable."""
    root = fake_repo(tmp_path)
    (root / "README.md").write_text("---\ntitle: x\nsdk: gradio\n---\n# the app\n", encoding="utf-8")
    subprocess.run(["git", "-C", str(root), "commit", "-qam", "front matter"], check=True)
    api = FakeApi(["README.md"])
    code = deploy.main(["--space", "me/greentext", "--token", "t", "--model", "Qwen/Qwen2.5-0.5B"], root=root, api=api)
    assert code == 0
    (_, added), = [c for c in api.calls if c[0] == "add_space_variable"]
    assert added["key"] == "GREENTEXT_MODEL" and added["value"] == "Qwen/Qwen2.5-0.5B" and added["repo_id"] == "me/greentext"
    export = tmp_path / "space"
    assert deploy.main(["--export", str(export), "--model", "Qwen/Qwen2.5-0.5B"], root=root) == 0
    front = (export / "README.md").read_text(encoding="utf-8").split("---\n")[1]
    assert "models:\n  - Qwen/Qwen2.5-0.5B" in front and "preload_from_hub:\n  - Qwen/Qwen2.5-0.5B" in front
    assert (root / "README.md").read_text(encoding="utf-8").count("models:") == 0  # the checkout is untouched
    assert "GREENTEXT_MODEL=Qwen/Qwen2.5-0.5B" in capsys.readouterr().out

    api.calls.clear()
    assert deploy.main(["--space", "me/greentext", "--token", "t"], root=root, api=api) == 0
    assert [c[0] for c in api.calls][-2:] == ["get_space_variables", "delete_space_variable"]
    assert "GREENTEXT_MODEL" not in api.variables
    assert deploy.main(["--space", "me/greentext", "--token", "t", "--model", "not a model"], root=root, api=api) == 2
    assert "is not a hub model id" in capsys.readouterr().err
