"""Deploy the app to a Hugging Face Space: exactly the files a Space runs, never the rest of the repository.

    python -m greentext.ops.deploy                              # dry run: the files, their sizes, what goes to Xet/LFS
    python -m greentext.ops.deploy --space OWNER/NAME           # create the Space if needed, upload, delete stale files
    python -m greentext.ops.deploy --export DIR                 # the same folder on disk, with LFS rules, for `git push`

The list is computed, not kept by hand: the files git tracks (untracked and ignored files never go; a folder
that is not a git checkout is walked instead, skipping what .gitignore names) filtered to what a Space runs —
app.py, requirements.txt, README.md (the Space's page and configuration), the package `greentext/`, every
checkpoint under assets/ (the app's model and those the Compare tab offers), the word lists of lecture-safe
mode, and every file README.md links to (its screenshots, BENCHMARKS.md, the cards), followed from the
Markdown files taken. Tests, benchmarks, CI, training data and runs/ never go.

Why not `git push` this repository: the Hub refuses a push holding binary files that are not stored with
Xet/LFS, and this repository's history holds its checkpoints and screenshots as plain git blobs. The upload
(`huggingface_hub.upload_folder`) stores binaries with Xet; the export writes a `.gitattributes` with LFS
rules for a fresh git repository. Imports no gradio; huggingface_hub only for an upload.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from greentext.paths import ROOT


# What a Space runs. `greentext/` is the whole package (training code included: a few kB, and the Layout
# section of README describes it); checkpoints are found, not named.
TOP_FILES = ("app.py", "requirements.txt", "README.md")
PACKAGE = "greentext/"
ASSETS = "assets/"
RUNTIME_DATA = ("assets/safety/",)  # read at run time (greentext/present/safety.py)
NEVER_TOP = ("tests/", "bench/", "runs/", ".ci/", ".github/")
NEVER_PARTS = ("__pycache__", ".pytest_cache", ".gradio", ".git", "node_modules")
NEVER_SUFFIXES = (".pyc", ".pyo")

# The Hub stores files above this size with Xet/LFS whatever they hold (10 MB; a text file that large goes too).
LFS_SIZE = 10_000_000
# The Hub's usual LFS rules (a new repository's .gitattributes) and the media it refuses as plain blobs.
LFS_PATTERNS = (
    "*.7z", "*.arrow", "*.bin", "*.bz2", "*.ckpt", "*.ftz", "*.gguf", "*.gz", "*.h5", "*.joblib", "*.lfs.*",
    "*.lz4", "*.mlmodel", "*.model", "*.msgpack", "*.npy", "*.npz", "*.onnx", "*.ot", "*.parquet", "*.pb",
    "*.pickle", "*.pkl", "*.pt", "*.pth", "*.rar", "*.safetensors", "saved_model/**/*", "*.tar.*", "*.tar",
    "*.tflite", "*.tgz", "*.wasm", "*.xz", "*.zip", "*.zst", "*tfevents*",
    "*.png", "*.jpg", "*.jpeg", "*.gif", "*.webp", "*.bmp", "*.ico", "*.tiff", "*.pdf",
    "*.mp3", "*.wav", "*.ogg", "*.flac", "*.mp4", "*.webm", "*.mov",
)
GITATTRIBUTES = ".gitattributes"
PYTORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"
MODEL_VARIABLE = "GREENTEXT_MODEL"  # the Space variable the app reads its model from (`--model`'s default)
SPACE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*$")
_LINK = re.compile(r"\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)|\bsrc=[\"']([^\"']+)[\"']")


class DeployError(Exception):
    """A deployment that cannot go on; the message says why and what to do (one line)."""


@dataclass(frozen=True)
class SpaceFile:
    path: str  # relative, with /
    size: int
    binary: bool

    @property
    def lfs(self) -> bool:
        """Whether the Hub stores it with Xet/LFS (binary, or large)."""
        return self.binary or self.size >= LFS_SIZE


# ----------------------------------------------------------------------------------------------- the list


def tracked_files(root: Path = ROOT) -> list[str]:
    """The files git tracks under `root` (its own checkout), or, outside git, the files a walk finds minus
    what .gitignore names. Files tracked but deleted from the working tree are left out."""
    root = Path(root)
    paths = _git_files(root)
    if paths is None:
        paths = _walk(root)
    return sorted(p for p in paths if (root / p).is_file() and not (root / p).is_symlink())


def _git(root: Path, *args: str) -> subprocess.CompletedProcess | None:
    try:
        done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done if done.returncode == 0 else None


def _git_files(root: Path) -> list[str] | None:
    top = _git(root, "rev-parse", "--show-toplevel")
    if top is None or Path(top.stdout.decode().strip()).resolve() != root.resolve():
        return None  # not a checkout of its own (maybe a folder inside another repository): walk it instead
    listed = _git(root, "ls-files", "-z", "--cached")
    return None if listed is None else [os.fsdecode(p) for p in listed.stdout.split(b"\0") if p]


def _ignore_rules(root: Path) -> list[str]:
    try:
        text = (root / ".gitignore").read_text(encoding="utf-8")
    except OSError:
        return []
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith(("#", "!"))]


def _ignored(rel: str, is_dir: bool, rules: list[str]) -> bool:
    """.gitignore's common forms: `name`, `*.ext`, `dir/`, `/anchored` (no negation, no `**`)."""
    name = rel.rsplit("/", 1)[-1]
    for rule in rules:
        dir_only, rule = rule.endswith("/"), rule.rstrip("/")
        if dir_only and not is_dir:
            continue
        anchored = rule.startswith("/") or "/" in rule
        if fnmatchcase(rel if anchored else name, rule.lstrip("/")):
            return True
    return False


def _walk(root: Path) -> list[str]:
    rules, found = _ignore_rules(root), []
    for folder, dirs, files in os.walk(root):
        base = Path(folder).relative_to(root).as_posix()
        base = "" if base == "." else base + "/"
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in NEVER_PARTS
                         and not _ignored(base + d, True, rules))
        found += [base + f for f in files if not _ignored(base + f, False, rules)]
    return found


def _links(markdown: str, at: str, available: set[str]) -> set[str]:
    """The repository files a Markdown file (at path `at`) links to or shows: relative links and images."""
    found = set()
    for match in _LINK.finditer(markdown):
        target = (match.group(1) or match.group(2)).split("#", 1)[0].split("?", 1)[0]
        if not target or re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I) or target.startswith("/"):
            continue  # a web address, mailto:, an anchor, or a site-absolute path
        path = os.path.normpath((PurePosixPath(at).parent / target).as_posix()).replace(os.sep, "/")
        if path in available:
            found.add(path)
    return found


def _never(path: str) -> bool:
    parts = path.split("/")
    return (path.startswith(NEVER_TOP) or any(p in NEVER_PARTS or p.startswith(".venv") for p in parts)
            or path.endswith(NEVER_SUFFIXES) or parts[-1] == GITATTRIBUTES)


def select(paths: list[str], root: Path = ROOT) -> list[str]:
    """The files of `paths` a Space needs (see the module's docstring)."""
    available = {p for p in paths if not _never(p)}
    checkpoints = {p.rsplit("/", 1)[0] + "/" for p in available
                   if p.startswith(ASSETS) and p.endswith("/config.json")}
    chosen = {p for p in available
              if p in TOP_FILES or re.fullmatch(r"LICEN[CS]E(\.\w+)?|NOTICE", p)
              or p.startswith((PACKAGE, *RUNTIME_DATA)) or p.startswith(tuple(checkpoints))}
    todo = [p for p in chosen if p.endswith(".md")]
    while todo:  # README's links, and the links of the Markdown files they bring
        md = todo.pop()
        try:
            text = (Path(root) / md).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        for linked in _links(text, md, available) - chosen:
            chosen.add(linked)
            if linked.endswith(".md"):
                todo.append(linked)
    return sorted(chosen)


def is_binary(path: Path) -> bool:
    """Git's test (a NUL byte in the first 8,000 bytes), or text that is not UTF-8."""
    with open(path, "rb") as f:
        head = f.read(8000)
        if b"\0" in head:
            return True
        if path.stat().st_size > LFS_SIZE:
            return False  # judged by size anyway
        try:
            (head + f.read()).decode("utf-8")
        except UnicodeDecodeError:
            return True
    return False


def space_files(root: Path = ROOT) -> list[SpaceFile]:
    """The Space's files, with sizes and whether each is binary."""
    root = Path(root)
    return [SpaceFile(p, (root / p).stat().st_size, is_binary(root / p)) for p in select(tracked_files(root), root)]


# ------------------------------------------------------------------------------------------ the folder


def gitattributes(files: list[SpaceFile]) -> str:
    """LFS rules: the Hub's usual patterns, plus one line for each binary or large file they miss."""
    rule = "filter=lfs diff=lfs merge=lfs -text"
    lines = ["# Binary and large files are stored with LFS (the Hub refuses them as plain git blobs).",
             "# Written by `python -m greentext.ops.deploy --export`.",
             *(f"{p} {rule}" for p in LFS_PATTERNS)]
    extra = [f.path for f in files if f.lfs and not _covered(f.path)]
    if extra:
        lines += ["# binary or large files the patterns above miss", *(f"/{_escape_attr(p)} {rule}" for p in extra)]
    return "\n".join(lines) + "\n"


def _covered(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return any(fnmatchcase(name, p) for p in LFS_PATTERNS if "/" not in p)


def _escape_attr(path: str) -> str:
    return re.sub(r"([*?\[\\])", r"\\\1", path).replace(" ", "[[:space:]]")


def requirements_for_cpu(text: str) -> str:
    """requirements.txt for a CPU Space: PyTorch's CPU index added, so torch comes without CUDA packages
    (pip prefers `2.13.0+cpu` to PyPI's `2.13.0`: a local version label sorts after the release)."""
    if PYTORCH_CPU_INDEX in text:
        return text
    return (f"# --cpu-torch: torch from PyTorch's CPU index (no CUDA packages on a CPU Space)\n"
            f"--extra-index-url {PYTORCH_CPU_INDEX}\n{text}")


def readme_for_model(text: str, model: str) -> str:
    """README.md for a Space that serves a hub model: its front matter names the model (`models`, the Space's
    page links it) and has the Space download it as it is built (`preload_from_hub`), so the app starts from the
    local copy instead of fetching it while the first visitor waits."""
    if not text.startswith("---\n") or "\n---\n" not in text[4:]:
        raise DeployError("README.md has no front matter (the Space's configuration) to name the model in")
    head, rest = text[4:].split("\n---\n", 1)
    return "---\n" + "\n".join(head.splitlines() + ["models:", f"  - {model}", "preload_from_hub:", f"  - {model}"]) + \
        "\n---\n" + rest


def export(files: list[SpaceFile], dest: Path, root: Path = ROOT, *, cpu_torch: bool = False,
           link: bool = False, model: str | None = None) -> list[str]:
    """Write the Space's folder: the files (hard links where `link` and possible), and .gitattributes.
    `dest` must not exist or be empty. `model`: a hub model the Space serves (README's front matter names
    it: `readme_for_model`). Returns the paths written, .gitattributes included."""
    dest, root = Path(dest), Path(root)
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise DeployError(f"{dest} is not an empty folder: export into a new one")
    dest.mkdir(parents=True, exist_ok=True)
    for f in files:
        target = dest / f.path
        target.parent.mkdir(parents=True, exist_ok=True)
        if cpu_torch and f.path == "requirements.txt":
            target.write_text(requirements_for_cpu((root / f.path).read_text(encoding="utf-8")), encoding="utf-8")
            continue
        if model and f.path == "README.md":
            target.write_text(readme_for_model((root / f.path).read_text(encoding="utf-8"), model), encoding="utf-8")
            continue
        if link:
            try:
                os.link(root / f.path, target)
                continue
            except OSError:
                pass
        shutil.copy2(root / f.path, target)
    (dest / GITATTRIBUTES).write_text(gitattributes(files), encoding="utf-8")
    return [f.path for f in files] + [GITATTRIBUTES]


# ------------------------------------------------------------------------------------------ the upload


def exact(path: str) -> str:
    """An fnmatch pattern that matches exactly this path (huggingface_hub filters with fnmatch)."""
    return re.sub(r"([*?\[])", r"[\1]", path)


def upload(space: str, files: list[SpaceFile], root: Path = ROOT, *, token: str, private: bool = False,
           message: str | None = None, cpu_torch: bool = False, model: str | None = None, api=None, log=print):
    """Create the Space if needed (gradio SDK), upload exactly the Space's folder and delete the Space's files
    that are no longer in it, in one commit; then set the Space's variable GREENTEXT_MODEL to `model` (a hub
    model the app serves instead of the bundled one), or remove it when a deploy names no model (an earlier
    deploy's would go on serving). `api` is an `HfApi` (or a stand-in, for tests)."""
    if api is None:
        from huggingface_hub import HfApi

        api = HfApi()
    url = api.create_repo(repo_id=space, repo_type="space", space_sdk="gradio", exist_ok=True,
                          private=True if private else None, token=token)
    wanted = {f.path for f in files} | {GITATTRIBUTES}
    remote = api.list_repo_files(repo_id=space, repo_type="space", token=token)
    stale = sorted(set(remote) - wanted)
    if stale:
        log(f"deleting from the Space ({len(stale)} files no longer deployed): {', '.join(stale)}")
    with tempfile.TemporaryDirectory(prefix="greentext-space-") as folder:
        written = export(files, Path(folder), root, cpu_torch=cpu_torch, link=True, model=model)
        info = api.upload_folder(repo_id=space, folder_path=folder, repo_type="space",
                                 allow_patterns=[exact(p) for p in written],
                                 delete_patterns=[exact(p) for p in stale] or None,
                                 commit_message=message or default_message(root), token=token)
    if model:
        api.add_space_variable(repo_id=space, key=MODEL_VARIABLE, value=model,
                               description="the model the app serves (python app.py --model)", token=token)
        log(f"the Space serves {model} (variable {MODEL_VARIABLE}; README's front matter preloads it)")
    elif MODEL_VARIABLE in (api.get_space_variables(repo_id=space, token=token) or {}):
        api.delete_space_variable(repo_id=space, key=MODEL_VARIABLE, token=token)
        log(f"removed the Space's variable {MODEL_VARIABLE}: it serves the bundled model again")
    return url, info


def default_message(root: Path = ROOT) -> str:
    head = _git(Path(root), "rev-parse", "--short", "HEAD")
    return "Deploy GPT-2 Greentext Lab" + (f" ({head.stdout.decode().strip()})" if head else "")


def _hub_error(err: Exception) -> str:
    """One line from a huggingface_hub or network error."""
    lines = [line.strip() for line in str(err).splitlines() if line.strip()]
    text = lines[0] if lines else type(err).__name__
    server = getattr(err, "server_message", None)
    if server and server.strip() and server.strip() not in text:
        text += f" — {server.strip().splitlines()[0]}"
    status = getattr(getattr(err, "response", None), "status_code", None)
    if status in (401, 403):
        text += " (check the token: it needs write access; `hf auth login`, HF_TOKEN or --token)"
    return f"{type(err).__name__}: {text}"


# ----------------------------------------------------------------------------------------------- CLI


def _size(n: int) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} B"


def _folders(left: list[str], taken: set[str]) -> str:
    """`tests/ (44), assets/corpus/ (3), .gitignore`: whole folders where none of it is taken, else deeper."""
    def key(path: str) -> str:
        parts = path.split("/")
        for depth in range(1, len(parts)):
            folder = "/".join(parts[:depth]) + "/"
            if not any(t.startswith(folder) for t in taken):
                return folder
        return path

    groups = Counter(key(p) for p in left)
    return ", ".join(f"{g} ({n})" if g.endswith("/") else g for g, n in groups.items())


def report(files: list[SpaceFile], root: Path = ROOT) -> str:
    """The dry run: every file with its size and storage, the totals, and what was left out."""
    total, lfs = sum(f.size for f in files), [f for f in files if f.lfs]
    width = max(len(_size(f.size)) for f in files) if files else 1
    lines = [f"{_size(f.size):>{width}}  {'xet/lfs' if f.lfs else 'git    '}  {f.path}" for f in files]
    lines.append(f"{'':>{width}}  {'(added)':7}  {GITATTRIBUTES} (LFS rules; see --export)")
    lines += ["", f"{len(files)} files, {_size(total)}, plus {GITATTRIBUTES}.",
              f"Stored with Xet/LFS (binary, or {_size(LFS_SIZE)} and more): {len(lfs)} files, "
              f"{_size(sum(f.size for f in lfs))}."]
    taken = {f.path for f in files}
    left = sorted(set(tracked_files(root)) - taken)
    if left:
        lines.append("Left out (tracked, not needed on a Space): " + _folders(left, taken))
    changed = _git(Path(root), "status", "--porcelain", "--", *[f.path for f in files]) if files else None
    if changed and changed.stdout.strip():
        n = len(changed.stdout.decode().splitlines())
        lines.append(f"Note: {n} of these files differ from the last commit; the working tree's copy is what goes.")
    return "\n".join(lines)


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="python -m greentext.ops.deploy",
                                description="Deploy the app to a Hugging Face Space (a dry run without --space "
                                            "or --export).")
    p.add_argument("--space", metavar="OWNER/NAME", help="upload to this Space (created if missing, gradio SDK)")
    p.add_argument("--token", help="a Hugging Face token with write access (default: HF_TOKEN, or the token "
                                   "`hf auth login` saved)")
    p.add_argument("--private", action="store_true", help="create the Space private (an existing one keeps its "
                                                          "visibility)")
    p.add_argument("--message", help="the commit message (default: 'Deploy GPT-2 Greentext Lab (<commit>)')")
    p.add_argument("--export", metavar="DIR", help="write the Space's folder to DIR (new or empty), with a "
                                                  ".gitattributes of LFS rules, for a git push")
    p.add_argument("--cpu-torch", action="store_true",
                   help=f"for a CPU Space: the uploaded requirements.txt adds --extra-index-url {PYTORCH_CPU_INDEX}, "
                        "so torch comes without its CUDA packages")
    p.add_argument("--model", metavar="OWNER/NAME",
                   help="a causal LM on the hub for the Space to serve instead of the bundled model (its variable "
                        f"{MODEL_VARIABLE}; README's front matter has the Space download it as it builds)")
    p.add_argument("--dry-run", action="store_true", help="only list the files (the default without --space and "
                                                          "--export)")
    return p.parse_args(argv)


def main(argv=None, *, root: Path = ROOT, api=None) -> int:
    args = parse_args(argv)
    try:
        files = space_files(root)
        if not any(f.path == "app.py" for f in files):
            raise DeployError(f"{root} has no app.py to deploy")
        if args.model is not None and not SPACE_ID.match(args.model):
            raise DeployError(f"--model {args.model!r} is not a hub model id OWNER/NAME (e.g. Qwen/Qwen2.5-0.5B)")
        if args.dry_run or not (args.space or args.export):
            print(report(files, root))
            where = args.space or "a Space"
            print(f"\nDry run: nothing sent to {where} (--space OWNER/NAME uploads, --export DIR writes the files).")
            return 0
        if args.export:
            written = export(files, Path(args.export), root, cpu_torch=args.cpu_torch, model=args.model)
            lfs = [f for f in files if f.lfs]
            print(f"wrote {len(written)} files ({_size(sum(f.size for f in files))}) to {args.export}; "
                  f"{GITATTRIBUTES} stores {len(lfs)} with LFS")
            if args.model:
                print(f"for the Space to serve {args.model}, set its variable {MODEL_VARIABLE}={args.model} "
                      "(the Space's Settings → Variables); README's front matter preloads the model")
        if args.space:
            if not SPACE_ID.match(args.space):
                raise DeployError(f"--space {args.space!r} is not OWNER/NAME")
            token = args.token
            if not token:
                from huggingface_hub import get_token

                token = get_token()
            if not token:
                raise DeployError("no Hugging Face token: run `hf auth login`, set HF_TOKEN or pass --token "
                                  "(a token with write access)")
            print(f"uploading {len(files)} files ({_size(sum(f.size for f in files))}) to the Space {args.space} ...")
            url, info = upload(args.space, files, root, token=token, private=args.private, message=args.message,
                               cpu_torch=args.cpu_torch, model=args.model, api=api)
            commit = getattr(info, "commit_url", None)
            print(f"done: https://huggingface.co/spaces/{args.space}" + (f" (commit {commit})" if commit else ""))
        return 0
    except DeployError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except Exception as err:  # huggingface_hub's HTTP and network errors, a full disk: told in one line
        what = f"the Space {args.space} was not updated" if args.space else "nothing was deployed"
        print(f"error: {what}: {_hub_error(err)}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
