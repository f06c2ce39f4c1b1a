"""Loading a causal LM checkpoint: a local Hugging Face directory or a hub id, once per process.

The device is chosen automatically (CUDA, then Apple MPS, then CPU) unless given; weights are bf16 on
GPUs that support it (fp16 otherwise) and fp32 on the CPU. Generation uses PyTorch's fast attention
kernel (sdpa); the attention view gets eager attention from a twin that shares the same weights.
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from greentext.paths import ROOT

APP_ROOT = ROOT  # the folder app.py is in
BUNDLED_MODEL = APP_ROOT / "assets" / "model"


class ModelLoadError(RuntimeError):
    """A model that could not be loaded; the message is one line naming the model and what to do."""


@dataclass(frozen=True)
class ModelInfo:
    """What the model panel shows."""

    name: str
    parameters: int
    layers: int
    heads: int
    hidden: int
    context: int
    vocab_size: int
    device: str
    dtype: str
    about: str = ""  # what the model is, from its model card ("This checkpoint is …"), plain text
    card: str = ""  # the model card's path (README.md of a local checkpoint), or ""

    def as_dict(self) -> dict:
        return asdict(self)

    def public(self) -> dict:
        """`as_dict` for people outside the server (the API): no server paths. A local checkpoint's name and
        card are given relative to the app's folder when inside it (e.g. "assets/model/README.md"), else as
        the folder's own name; a hub id stays as it is."""
        return {**self.as_dict(), "name": _public_path(self.name), "card": _public_path(self.card)}


def _public_path(text: str) -> str:
    path = Path(text)
    if not path.is_absolute():
        return text  # a hub id, a relative path, or a name like "greentext-tiny (bundled)"
    try:
        return path.resolve().relative_to(APP_ROOT).as_posix()
    except ValueError:
        return path.name


@dataclass
class LoadedModel:
    model: torch.nn.Module
    tokenizer: object
    info: ModelInfo
    source: str = ""  # what was loaded: the directory or hub id as `load_model` was given it

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device


BUNDLED_NAME = "greentext-tiny (bundled)"  # the bundled model's name in the API (the page says it in its language)


def default_model() -> str:
    """The model to load when none is named: the bundled model in assets/model (the app's GREENTEXT_MODEL is
    read into `Config.model`, which names it)."""
    return str(BUNDLED_MODEL)


def pick_device(device: str | None = None) -> torch.device:
    """`device` if given ("cpu", "cuda", "cuda:1", "mps"), else CUDA, then Apple MPS, then CPU."""
    if device and device != "auto":
        try:
            chosen = torch.device(device)
        except (RuntimeError, ValueError):
            raise ModelLoadError(f"Unknown device '{device}': use auto, cpu, cuda or mps.") from None
        if chosen.type == "cuda" and not torch.cuda.is_available():
            raise ModelLoadError(f"Device '{device}' asked for, but no CUDA GPU is available: use --device cpu.")
        if chosen.type == "mps" and not torch.backends.mps.is_available():
            raise ModelLoadError(f"Device '{device}' asked for, but Apple MPS is not available: use --device cpu.")
        return chosen
    if torch.cuda.is_available():
        return torch.device("cuda")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def pick_dtype(device: torch.device, dtype: str | torch.dtype | None = None) -> torch.dtype:
    """`dtype` if given, else bf16 on GPUs that support it, fp16 on other GPUs, fp32 on the CPU."""
    if isinstance(dtype, torch.dtype):
        return dtype
    names = {"float32": torch.float32, "fp32": torch.float32, "float16": torch.float16, "fp16": torch.float16,
             "bfloat16": torch.bfloat16, "bf16": torch.bfloat16}
    if dtype and dtype != "auto":
        if dtype not in names:
            raise ModelLoadError(f"Unknown dtype '{dtype}': use auto, float32, float16 or bfloat16.")
        return names[dtype]
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if device.type == "mps":
        return torch.float16
    return torch.float32


_cache: dict[tuple, LoadedModel] = {}
_lock = threading.Lock()


def load_model(name: str | os.PathLike | None = None, device: str | None = None,
               dtype: str | torch.dtype | None = None) -> LoadedModel:
    """Load a checkpoint (local directory or hub id) with its tokenizer; the same arguments load once.

    Raises ModelLoadError with a one-line message for a missing path, a corrupt file or an
    unreachable hub.
    """
    name, target, key = _key(name, device, dtype)
    with _lock:
        if key not in _cache:
            _cache[key] = _load(name, target, pick_dtype(target, dtype))
        return _cache[key]


def unload(name: str | os.PathLike | None = None, device: str | None = None,
           dtype: str | torch.dtype | None = None) -> None:
    """Let go of a load (the next `load_model` with these arguments reads the checkpoint again); its memory
    is freed once no one still holds the model. Loading it again is a new model."""
    with _lock:
        _cache.pop(_key(name, device, dtype)[2], None)


def _key(name, device, dtype) -> tuple[str, torch.device, tuple]:
    name = str(name) if name else default_model()
    target = pick_device(device)
    return name, target, (name, str(target), str(pick_dtype(target, dtype)))


def _looks_local(name: str) -> bool:
    return os.path.isabs(name) or name.startswith((".", "~")) or os.path.exists(name) or name.count("/") > 1


def _load(name: str, device: torch.device, dtype: torch.dtype) -> LoadedModel:
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # a one-second load needs no progress bar in the server log

    local = _looks_local(name)
    path = os.path.expanduser(name) if local else name
    if local and not os.path.isdir(path):
        hint = " Run `python -m greentext.training.train --preset bundled` to rebuild it." if Path(path) == BUNDLED_MODEL else ""
        raise ModelLoadError(f"Model '{name}' not found: no such directory.{hint} "
                             f"Use --model with a checkpoint directory or a hub id.")
    if not local:
        path = hub_snapshot(name) or path  # a model in the local hub cache loads from there, offline
    try:
        tokenizer = AutoTokenizer.from_pretrained(path)
        try:
            model = AutoModelForCausalLM.from_pretrained(path, dtype=dtype, attn_implementation="sdpa")
        except ValueError as err:  # a family without an SDPA path (e.g. Gemma 2's soft-capped attention)
            if "attention implementation" not in str(err):
                raise
            model = AutoModelForCausalLM.from_pretrained(path, dtype=dtype, attn_implementation="eager")
    except Exception as err:  # transformers raises OSError, ValueError, safetensors errors, HTTP errors…
        raise ModelLoadError(_explain(name, local, err)) from err
    model.to(device).eval()
    model.requires_grad_(False)
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    cfg = model.config
    info = ModelInfo(
        name=name if not local or Path(path) != BUNDLED_MODEL else BUNDLED_NAME,
        parameters=model.num_parameters(),
        layers=_config_value(cfg, "num_hidden_layers", "n_layer"),
        heads=_config_value(cfg, "num_attention_heads", "n_head"),
        hidden=_config_value(cfg, "hidden_size", "n_embd"),
        context=_config_value(cfg, "max_position_embeddings", "n_positions"),
        vocab_size=cfg.vocab_size,
        device=str(device),
        dtype=str(dtype).removeprefix("torch."),
        **_card(Path(path)) if local else {},
    )
    return LoadedModel(model, tokenizer, info, name)


def hub_snapshot(name: str) -> str | None:
    """The folder of hub model `name` in the local Hugging Face cache (None when it is not there). When it
    is not, the hub must be reachable: checked in a few seconds, so an offline machine gets one clear line
    instead of a minute of retries."""
    from huggingface_hub import constants, try_to_load_from_cache

    found = try_to_load_from_cache(name, "config.json", cache_dir=constants.HF_HUB_CACHE)
    if isinstance(found, str) and Path(found).is_file():
        return str(Path(found).parent)
    if constants.HF_HUB_OFFLINE:
        raise ModelLoadError(f"Model '{name}' is not in the local hub cache ({constants.HF_HUB_CACHE}) and "
                             f"HF_HUB_OFFLINE is set. Run without --model to use the bundled model.")
    if not hub_reachable(constants.ENDPOINT):
        raise ModelLoadError(f"Model '{name}' is not in the local hub cache ({constants.HF_HUB_CACHE}) and the "
                             f"Hugging Face hub ({constants.ENDPOINT}) cannot be reached. Run without --model to use "
                             f"the bundled model, or pass a local checkpoint directory.")
    return None


def hub_reachable(endpoint: str, timeout: float = 3.0) -> bool:
    """True when a TCP connection to the hub's host opens within `timeout` seconds."""
    import socket
    from urllib.parse import urlparse

    url = urlparse(endpoint)
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        with socket.create_connection((url.hostname, port), timeout=timeout):
            return True
    except OSError:
        return False


def _card(folder: Path) -> dict:
    """`about` and `card` from a local checkpoint's model card, if it has one."""
    card = folder / "README.md"
    if not card.is_file():
        return {}
    text = card.read_text(encoding="utf-8", errors="replace")
    about = next((line for line in text.splitlines() if line.startswith("This checkpoint is ")), "")
    about = re.sub(r"[*`]", "", about.removeprefix("This checkpoint is ")).strip()
    return {"about": about[:1].upper() + about[1:], "card": str(card)}


def _config_value(cfg, *names) -> int:
    for n in names:
        value = getattr(cfg, n, None)
        if value is not None:
            return int(value)
    raise ModelLoadError(f"The model config has none of {names}: only GPT-2-like causal LMs are supported.")


def _explain(name: str, local: bool, err: Exception) -> str:
    text = " ".join(str(err).split())[:300]
    lowered = text.lower()
    if not local and any(w in lowered for w in ("connect", "offline", "resolve", "network", "timed out", "couldn't")):
        return (f"Model '{name}' could not be fetched from the Hugging Face hub (unreachable or offline). "
                f"Run without --model to use the bundled model, or pass a local checkpoint directory.")
    if not local:
        return (f"Model '{name}' could not be loaded from the Hugging Face hub: {text}. "
                f"Check the id, or run without --model to use the bundled model.")
    return (f"Model '{name}' could not be loaded (missing or corrupt checkpoint files): {text}. "
            f"Re-create the checkpoint, or run without --model to use the bundled model.")


def eager_twin(model: torch.nn.Module) -> torch.nn.Module:
    """The same model with eager attention, sharing every weight (no copy), for attention weights.

    With PyTorch's sdpa kernel `output_attentions=True` returns no weights; switching the shared model
    to eager would slow every user's generation, so the attention view gets this twin instead.
    """
    import copy

    config = copy.deepcopy(model.config)
    config._attn_implementation = "eager"
    with torch.device("meta"):
        twin = type(model)(config)
    twin.load_state_dict(model.state_dict(), assign=True, strict=False)
    twin.tie_weights()
    # What the state dict leaves out (non-persistent buffers such as rotary embeddings' frequencies, and
    # tensors kept as plain attributes) is still on the meta device: the model's own, shared.
    for (name, mine), theirs in zip(twin.named_modules(), model.modules()):
        for key, value in list(mine._buffers.items()):
            if value is not None and value.is_meta:
                mine._buffers[key] = theirs._buffers[key]
        for key, value in list(vars(mine).items()):
            if isinstance(value, torch.Tensor) and value.is_meta:
                setattr(mine, key, getattr(theirs, key))
    return twin.eval()
