"""The models this machine could serve, found offline, and whether one fits in the memory that is free.

    entries = available([("assets/model", path), ...])   # local checkpoints (named by the caller), then
                                                         # the causal LMs in the local hub cache
    entry.describe("pt")                                 # "6 camadas · 4 cabeças · … · 17,7 M parâmetros · 71 MB"
    check_memory(entry, device="cpu", dtype="float32")   # TooLarge (a UserError naming both sizes) when it
                                                         # would not fit

Nothing here loads weights: a checkpoint is read from its config.json, its weight files' sizes and (for
safetensors) the few kilobytes of header that list every tensor's shape and dtype. The hub cache is read where
`huggingface_hub` reads it (HF_HUB_CACHE, else HF_HOME/hub, else ~/.cache/huggingface/hub, as read when it
was imported), so this lists what `loading.load_model` finds there offline. No gradio, floor 1.
"""

from __future__ import annotations

import json
import math
import os
import struct
from dataclasses import dataclass
from pathlib import Path

from greentext.language import i18n
from greentext.language.errors import UserError
from greentext.language.numbers import decimal, whole

WEIGHTS = ("*.safetensors", "pytorch_model*.bin", "model*.bin")  # what a checkpoint's weights are called
# Bytes per parameter of the dtypes a checkpoint is saved in (safetensors' names and config.json's).
BYTES = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "BOOL": 1,
         "F8_E4M3": 1, "F8_E5M2": 1, "float64": 8, "float32": 4, "float16": 2, "bfloat16": 2}
# What loading a model costs beyond its weights (the KV caches of a lecture hall's generations, activations,
# the attention view's eager pass): a fifth of the weights, and at least this much.
MARGIN_FRACTION = 0.2
MARGIN_MIN = 256 * 2**20
HEADER_MAX = 100 * 2**20  # a safetensors header larger than this is not read (the size is estimated instead)
KINDS = ("bundled", "local", "hub")


@dataclass(frozen=True)
class Entry:
    """One model the app could load: `name` as the page shows it (`assets/model`, `runs/x/checkpoint-300`, a hub
    id), `source` what `load_model` is given (a folder, or the hub id), `kind` bundled | local | hub, and what
    config.json and the weight files say (0 or "" where they do not)."""

    name: str
    source: str
    kind: str
    model_type: str = ""
    layers: int = 0
    heads: int = 0
    hidden: int = 0
    context: int = 0
    parameters: int = 0  # from the safetensors header (0: not read, e.g. .bin weights)
    weight_bytes: int = 0  # the weight files on disk
    file_dtype: str = ""  # the dtype the weights are saved in (float32, bfloat16, …; "" unknown)

    def memory(self, dtype: str) -> int:
        """Bytes of the weights once loaded as `dtype` (float32 on a CPU: twice an fp16/bf16 file)."""
        per = BYTES.get(_dtype_name(dtype), 4)
        if self.parameters:
            return self.parameters * per
        saved = BYTES.get(self.file_dtype, 4)
        return math.ceil(self.weight_bytes * per / saved)

    def needed(self, dtype: str) -> int:
        """`memory(dtype)` and the margin a served model needs besides its weights."""
        weights = self.memory(dtype)
        return weights + max(int(weights * MARGIN_FRACTION), MARGIN_MIN)

    def describe(self, lang: str = "en") -> str:
        """"6 layers · 4 heads · 256 wide · context 512 · 17.7 M parameters · 71 MB" (what is known)."""
        parts = []
        if self.layers and self.heads and self.hidden and self.context:
            parts.append(i18n.text("compare_facts", lang, layers=self.layers, heads=self.heads, hidden=self.hidden,
                                   context=self.context))
        if self.parameters:
            parts.append(i18n.text("catalog_parameters", lang, n=millions(self.parameters, lang)))
        if self.weight_bytes:
            parts.append(size_text(self.weight_bytes, lang))
        return " · ".join(parts)


def _dtype_name(dtype) -> str:
    return str(dtype).removeprefix("torch.")


def millions(n: int, lang: str = "en") -> str:
    """17735936 → "17.7 M" (pt "17,7 M"); under a million, the whole number."""
    if n < 1_000_000:
        return whole(n, lang)
    if n >= 1_000_000_000:
        return f"{decimal(n / 1e9, lang, 1)} B" if lang != "pt" else f"{decimal(n / 1e9, lang, 1)} bi"
    return f"{decimal(n / 1e6, lang, 1)} M"


def size_text(n_bytes: int, lang: str = "en") -> str:
    """Bytes as a person reads them: "1.2 GB", "71 MB", "0.4 MB" (decimal units; pt "1,2 GB")."""
    if n_bytes >= 10**9:
        return f"{decimal(n_bytes / 1e9, lang, 1)} GB"
    if n_bytes >= 10 * 10**6:
        return f"{whole(round(n_bytes / 1e6), lang)} MB"
    return f"{decimal(n_bytes / 1e6, lang, 1)} MB"


# ---- reading a checkpoint without loading it ------------------------------------------------------------
def weight_files(folder: Path) -> list[Path]:
    """The files transformers would load the weights from: the safetensors ones if any, else the .bin ones."""
    found = sorted({p for p in folder.glob("*.safetensors") if p.is_file()})
    if found:
        return found
    return sorted({p for pattern in WEIGHTS[1:] for p in folder.glob(pattern) if p.is_file()})


def safetensors_header(path: Path) -> dict:
    """The header of a safetensors file: tensor name → {"dtype", "shape", …} (its first 8 bytes say its length)."""
    with open(path, "rb") as f:
        head = f.read(8)
        if len(head) < 8:
            raise ValueError("not a safetensors file")
        (length,) = struct.unpack("<Q", head)
        if length > HEADER_MAX:
            raise ValueError("header too large")
        return json.loads(f.read(length))


def read_config(folder: Path) -> dict | None:
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return config if isinstance(config, dict) else None


def is_causal_lm(config: dict) -> bool:
    """Whether a config.json describes a causal (next-token) language model: its architectures say so
    (`…ForCausalLM`, `…LMHeadModel`), or, without any, its model type is one transformers loads as one."""
    architectures = config.get("architectures") or []
    if architectures:
        return any(str(a).endswith(("ForCausalLM", "LMHeadModel")) for a in architectures)
    try:
        from transformers.models.auto.modeling_auto import MODEL_FOR_CAUSAL_LM_MAPPING_NAMES
    except ImportError:  # pragma: no cover - transformers is a dependency
        return False
    return config.get("model_type") in MODEL_FOR_CAUSAL_LM_MAPPING_NAMES


def _first(config: dict, *names) -> int:
    text = config.get("text_config") if isinstance(config.get("text_config"), dict) else {}
    for source in (config, text):
        for name in names:
            value = source.get(name)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return int(value)
    return 0


def describe(folder: str | os.PathLike, name: str, kind: str) -> Entry | None:
    """The entry of the checkpoint in `folder`, or None when it is no causal LM with weights."""
    folder = Path(folder)
    config = read_config(folder)
    files = weight_files(folder)
    if config is None or not files or not is_causal_lm(config):
        return None
    sizes, parameters, dtypes = 0, 0, {}
    for path in files:
        sizes += path.stat().st_size  # follows the hub cache's links to the blobs
    if files[0].suffix == ".safetensors":
        try:
            for path in files:
                for key, tensor in safetensors_header(path).items():
                    if key != "__metadata__":
                        n = math.prod(tensor["shape"])
                        parameters += n
                        dtypes[tensor["dtype"]] = dtypes.get(tensor["dtype"], 0) + n
        except (OSError, ValueError, KeyError, TypeError):
            parameters, dtypes = 0, {}
    saved = _saved_dtype(dtypes, config)
    return Entry(name=name, source=str(folder), kind=kind, model_type=str(config.get("model_type") or ""),
                 layers=_first(config, "num_hidden_layers", "n_layer"),
                 heads=_first(config, "num_attention_heads", "n_head"),
                 hidden=_first(config, "hidden_size", "n_embd"),
                 context=_first(config, "max_position_embeddings", "n_positions"),
                 parameters=parameters, weight_bytes=sizes, file_dtype=saved)


def _saved_dtype(dtypes: dict, config: dict) -> str:
    names = {"F32": "float32", "F16": "float16", "BF16": "bfloat16", "F64": "float64"}
    if dtypes:
        most = max(dtypes, key=dtypes.get)
        return names.get(most, most)
    said = config.get("dtype") or config.get("torch_dtype") or ""
    return said if said in BYTES else ""


# ---- the list -------------------------------------------------------------------------------------------
def hub_cache_dir() -> Path:
    """Where huggingface_hub keeps downloaded models (its HF_HUB_CACHE, as `loading.hub_snapshot` reads it)."""
    from huggingface_hub import constants

    return Path(constants.HF_HUB_CACHE)


def hub_models(cache_dir: str | os.PathLike | None = None) -> list[Entry]:
    """The causal LMs in the local Hugging Face hub cache (offline: only what was downloaded), each at the
    revision its `main` ref points to (else its newest), by repo id. A missing cache is an empty list."""
    from huggingface_hub import scan_cache_dir
    from huggingface_hub.errors import CacheNotFound

    folder = Path(cache_dir) if cache_dir is not None else hub_cache_dir()
    if not folder.is_dir():
        return []
    try:
        info = scan_cache_dir(folder)
    except (CacheNotFound, OSError, ValueError):
        return []
    found = []
    for repo in sorted(info.repos, key=lambda r: r.repo_id.lower()):
        if repo.repo_type != "model" or not repo.revisions:
            continue
        revisions = sorted(repo.revisions, key=lambda r: ("main" in r.refs, r.last_modified), reverse=True)
        entry = describe(revisions[0].snapshot_path, repo.repo_id, "hub")
        if entry is not None:
            found.append(Entry(**{**entry.__dict__, "source": repo.repo_id}))  # loaded by its id, from the cache
    return found


def available(local: list[tuple[str, str | os.PathLike]], root: str | os.PathLike | None = None,
              cache_dir: str | os.PathLike | None = None, hub: bool = True) -> list[Entry]:
    """Every model the app could switch to: `local` checkpoints as (name, folder) (e.g. `probes.compare`'s
    `find_checkpoints` under assets/ and runs/: `root`/assets/model and model-base are "bundled", the rest
    "local"), then the hub cache's causal LMs (`hub`). Folders that are no causal LM with weights are left out;
    the bundled models come first."""
    bundled = set()
    if root is not None:
        bundled = {os.path.realpath(Path(root) / "assets" / name) for name in ("model", "model-base")}
    entries, seen = [], set()
    for name, folder in local:
        kind = "bundled" if os.path.realpath(folder) in bundled else "local"
        entry = describe(folder, str(name), kind)
        if entry is not None and entry.name not in seen:
            seen.add(entry.name)
            entries.append(entry)
    entries.sort(key=lambda e: e.kind != "bundled")  # stable: the caller's order within each kind
    if hub:
        entries += [e for e in hub_models(cache_dir) if e.name not in seen]
    return entries


# ---- memory --------------------------------------------------------------------------------------------
def free_memory(device: str = "cpu", meminfo: str | os.PathLike = "/proc/meminfo") -> int | None:
    """Bytes free for a new model on `device`: a CUDA GPU's free memory (`torch.cuda.mem_get_info`), else the
    machine's available memory (`MemAvailable` of /proc/meminfo); None where it cannot be known."""
    if str(device).startswith("cuda"):
        try:
            import torch

            return int(torch.cuda.mem_get_info(torch.device(device))[0])
        except (RuntimeError, AssertionError, ValueError):
            return None
    try:
        for line in Path(meminfo).read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024  # kB
    except (OSError, ValueError, IndexError):
        return None
    return None


class TooLarge(UserError):
    """A model that would not fit in the memory free now: the message names both sizes, in the page's language."""

    def __init__(self, name: str, need: int, free: int, device: str, dtype: str):
        self.need, self.free = need, free
        super().__init__("switch_too_large", name=name, device=device, dtype=dtype)

    def message(self, lang: str = "en") -> str:
        return i18n.text(self.key, lang, need=size_text(self.need, lang), free=size_text(self.free, lang),
                         **self.values)


def check_memory(entry: Entry, device: str, dtype: str, free: int | None = None) -> int:
    """Refuse (TooLarge) a model whose weights as they will sit in memory (`dtype` on `device`) plus a margin are
    more than the memory free (`free`, default `free_memory(device)`; unknown: allowed). Returns the bytes needed."""
    need = entry.needed(dtype)
    free = free_memory(device) if free is None else free
    if free is not None and need > free:
        raise TooLarge(entry.name, need, free, str(device), _dtype_name(dtype))
    return need
