"""Training data for the fine-tuning CLI: greentext stories from the hub or from local files, cleaned.

A source is a local `.jsonl` or `.txt` file, a local folder, or a hub dataset id. Folders and hub ids
both go through `datasets.load_dataset`. The schema is detected from the columns: a text column,
`prompt` + `completion`, or the project's own corpus (`id`, `topic`, `text`).
"""

from __future__ import annotations

import importlib.util
import json
import math
import random
import re
from pathlib import Path

import torch

from greentext.model.tokens import EOS

HUB_DATASET = "DarwinAnim8or/greentext"
LOCAL_EXAMPLE = "assets/corpus/greentexts.jsonl"

TEXT_COLUMNS = ("text", "content", "greentext", "story", "body")  # first one present wins
SCHEMAS = f"a text column ({', '.join(TEXT_COLUMNS)}), prompt + completion, or id/topic/text"


class DataError(ValueError):
    """Training data that cannot be used; the message names the source and what to do."""


DEV_REQUIREMENTS = "requirements-dev.txt"  # training's packages on top of the app's requirements.txt


class MissingPackage(DataError):
    """A package only training needs (requirements-dev.txt, not the app's requirements.txt) is missing."""


def need(module: str, purpose: str) -> None:
    """Raise MissingPackage, naming requirements-dev.txt, when `module` is not installed."""
    if importlib.util.find_spec(module) is None:
        raise MissingPackage(f"{purpose} needs the `{module}` package, which the app's requirements.txt leaves "
                             f"out: pip install -r {DEV_REQUIREMENTS}")


def load_documents(source: str = HUB_DATASET) -> list[str]:
    """Cleaned greentext documents (one story each, never empty) from a file, folder or hub dataset id."""
    path = Path(source).expanduser()
    if path.is_dir():
        docs = _from_dataset(source, str(path), local=True)
    elif path.is_file():
        suffix = path.suffix.lower()
        if suffix == ".jsonl":
            docs = _from_jsonl(source, path)
        elif suffix == ".txt":
            docs = _split_txt(_read(source, path))
        else:
            raise DataError(f"{source}: unsupported file type {suffix or '(none)'!r}; use a .jsonl or .txt file")
    elif path.suffix.lower() in (".jsonl", ".txt", ".json") or source.startswith((".", "/", "~")):
        raise DataError(f"{source}: no such file or folder; check the path, e.g. --data {LOCAL_EXAMPLE}")
    else:
        docs = _from_dataset(source, source, local=False)
    docs = [doc for doc in map(clean, docs) if doc]
    if not docs:
        raise DataError(f"{source}: no greentexts found (the data is empty or only blank text); "
                        f"use a file with at least one story")
    return docs


# clean()'s steps, in order: the first four fix what the dataset's README warns about, the rest tidy up.
_NEWLINE = re.compile(r"\r\n?")
_LITERAL_NEWLINE = re.compile(r"\\n")
# "u2019" or "\u2019" for punctuation/Latin letters only, not eating into a longer number ("u20195").
_UNICODE_ESCAPE = re.compile(r"\\?u([0-9a-fA-F]{4})(?![0-9])")
_ESCAPES = {'\\"': '"', "\\'": "'", "\\t": " "}
_ESCAPE = re.compile("|".join(re.escape(e) for e in _ESCAPES))
_TRAILING_SPACE = re.compile(r"[^\S\n]+$", re.MULTILINE)
_BLANK_RUN = re.compile(r"\n{3,}")
_BLANK_LINE = re.compile(r"\n[^\S\n]*\n")  # not a step: separates stories in .txt files


def _unescape(match: re.Match) -> str:
    code = int(match.group(1), 16)
    in_range = 0x00A0 <= code <= 0x024F or 0x2010 <= code <= 0x206F
    return chr(code) if in_range else match.group(0)


def clean(text: str) -> str:
    """One story's text with literal `\\n`, stray `u2019`-style escapes and `\\"` fixed, and tidy blank lines.

    >>> clean("donu2019t\\\\n>be me  \\\\n")
    'don’t\\n>be me'
    """
    text = _NEWLINE.sub("\n", text)
    text = _LITERAL_NEWLINE.sub("\n", text)
    text = _UNICODE_ESCAPE.sub(_unescape, text)
    text = _ESCAPE.sub(lambda m: _ESCAPES[m.group(0)], text)
    text = text.replace(EOS, "")  # the separator must never appear inside a document
    text = _TRAILING_SPACE.sub("", text)
    text = _BLANK_RUN.sub("\n\n", text)
    return text.strip("\n")


def split_documents(docs: list[str], val_fraction: float = 0.1,
                    seed: int = 0) -> tuple[list[str], list[str]]:
    """(train, validation): a shuffle-split that depends only on `seed`, with at least 1 validation doc."""
    if not 0 < val_fraction <= 0.5:
        raise DataError(f"val_fraction must be greater than 0 and at most 0.5 (got {val_fraction!r})")
    if len(docs) < 2:
        raise DataError(f"need at least 2 documents to split into training and validation (got {len(docs)}); "
                        f"add more stories")
    order = list(range(len(docs)))
    random.Random(seed).shuffle(order)
    n_val = min(max(1, round(len(docs) * val_fraction)), len(docs) // 2)  # never more than the training part
    return [docs[i] for i in order[n_val:]], [docs[i] for i in order[:n_val]]


def _read(source: str, path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise DataError(f"{source}: cannot be read as UTF-8 text ({_reason(err)}); check the file") from None


def _split_txt(text: str) -> list[str]:
    """A .txt file's stories: split at `<|endoftext|>` lines if any, else at blank lines."""
    lines = _NEWLINE.sub("\n", text).split("\n")
    if any(line.strip() == EOS for line in lines):
        docs, current = [], []
        for line in lines:
            if line.strip() == EOS:
                docs.append("\n".join(current))
                current = []
            else:
                current.append(line)
        return docs + ["\n".join(current)]
    text = "\n".join(lines).strip()
    if not _BLANK_LINE.search(text) and "\\n" in text:
        return lines  # no separators but literal "\n": one story a line, as in the hub's greentexts.txt
    return _BLANK_LINE.split(text)


def _from_jsonl(source: str, path: Path) -> list[str]:
    records = []
    for number, line in enumerate(_read(source, path).splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            raise DataError(f"{source}: line {number} is not valid JSON ({err.msg}); "
                            f"use one JSON object a line") from None
        if not isinstance(record, dict):
            raise DataError(f"{source}: line {number} is not a JSON object; use one object a line, "
                            f'e.g. {{"text": "..."}}')
        records.append(record)
    columns = list(dict.fromkeys(key for record in records for key in record))
    return _documents(source, columns, {c: [r.get(c) for r in records] for c in columns})


def _from_dataset(source: str, path: str, *, local: bool) -> list[str]:
    """Documents from `datasets.load_dataset(path)`: the `train` split, or the only split."""
    need("datasets", f"{source}: reading a folder or a hub dataset")
    import datasets

    try:
        loaded = datasets.load_dataset(path)
    except Exception as err:  # datasets raises many types: ConnectionError, FileNotFoundError, even StopIteration
        if local:
            raise DataError(f"{source}: datasets.load_dataset cannot read this folder ({_reason(err)}); "
                            f"pass a .jsonl or .txt file instead") from None
        raise DataError(f"could not fetch the dataset {source!r} from the Hugging Face hub ({_reason(err)}); "
                        f"check the name and your connection, or use a local file, e.g. --data {LOCAL_EXAMPLE}"
                        ) from None
    if isinstance(loaded, datasets.DatasetDict):
        names = list(loaded)
        if "train" in loaded:
            loaded = loaded["train"]
        elif len(names) == 1:
            loaded = loaded[names[0]]
        else:
            raise DataError(f"{source}: no 'train' split and several others ({', '.join(names)}); "
                            f"name the data as a train split or pass one file")
    if loaded.info.builder_name == "text":  # plain-text files come one line a row: rebuild the stories
        return _split_txt("\n".join(line or "" for line in loaded["text"]))
    return _documents(source, list(loaded.column_names), {c: list(loaded[c]) for c in loaded.column_names})


def _documents(source: str, columns: list[str], values: dict[str, list]) -> list[str]:
    """Raw documents from columns of values, by the detected schema."""
    text_column = next((c for c in TEXT_COLUMNS if c in values), None)
    if text_column is not None:
        return [_as_text(v) for v in values[text_column]]
    if "prompt" in values and "completion" in values:
        docs = []
        for prompt, completion in zip(values["prompt"], values["completion"]):
            parts = [clean(_as_text(prompt)).strip(), clean(_as_text(completion)).strip()]
            docs.append("\n".join(part for part in parts if part))
        return docs
    if not columns:
        raise DataError(f"{source}: no greentexts found (the data is empty); use a file with at least one story")
    raise DataError(f"{source}: unrecognised columns {', '.join(columns)}; expected {SCHEMAS}")


def _as_text(value) -> str:
    return "" if value is None else value if isinstance(value, str) else str(value)


def _reason(err: BaseException) -> str:
    """An exception as a short one-line reason."""
    message = " ".join(str(err).split())
    if len(message) > 160:
        message = message[:157] + "..."
    return f"{type(err).__name__}: {message}" if message else type(err).__name__


# --- token blocks for training and evaluation -------------------------------------------------
def encode_documents(tokenizer, docs: list[str]) -> list[list[int]]:
    """Each document's token ids followed by <|endoftext|> (tokenized in batches: the same ids as encode)."""
    eos = tokenizer.eos_token_id
    encoded = []
    for i in range(0, len(docs), 4096):
        encoded += [ids + [eos] for ids in tokenizer(docs[i:i + 4096])["input_ids"]]
    return encoded


def spread(blocks: torch.Tensor, limit: int) -> torch.Tensor:
    """At most `limit` blocks, evenly spaced through `blocks` (all of them when there are fewer)."""
    if len(blocks) <= limit:
        return blocks
    return blocks[torch.linspace(0, len(blocks) - 1, limit).round().long()]


def make_blocks(encoded: list[list[int]], block_size: int, seed: int | None) -> torch.Tensor:
    """Shuffle documents (when seed is given), join them and cut into (n, block_size) blocks.

    The tail that does not fill a block is wrapped around to the start, so no token is dropped.
    """
    order = list(range(len(encoded)))
    if seed is not None:
        random.Random(seed).shuffle(order)
    stream = [t for i in order for t in encoded[i]]
    if len(stream) < block_size:
        stream = stream * math.ceil(block_size / len(stream))
    n = math.ceil(len(stream) / block_size)
    stream = stream + stream[: n * block_size - len(stream)]
    return torch.tensor(stream, dtype=torch.long).view(n, block_size)
