"""Fine-tune GPT-2 on greentexts (or train a small one from scratch): `python -m greentext.training.train --help`.

    python -m greentext.training.train                                  # gpt2 from the hub on DarwinAnim8or/greentext
    python -m greentext.training.train --base ./my-ckpt --data stories.jsonl --out runs/mine
    python -m greentext.training.debian                                 # builds the general-English corpus
    python -m greentext.training.train --preset base                    # phase 1: rebuilds assets/model-base
    python -m greentext.training.train --preset bundled                 # phase 2: rebuilds assets/model from it

Documents are joined with <|endoftext|> and cut into blocks of `block_size` tokens. The defaults follow
the project's fine-tuning report: AdamW β=(0.9, 0.999), learning rate 2.5e-4 with warmup and cosine
decay, weight decay 0.01, dropout 0.1, bf16/fp16 on a GPU. Checkpoints are kept every `save_every`
steps (the report compares samples at 300 and 600 steps), and `--resume` goes on from the last one.
The output is a Hugging Face checkpoint directory with a model card and a loss curve.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from greentext.training import documents as greentext_data
from greentext.training.documents import encode_documents, make_blocks, spread
from greentext.training.evaluate import mean_loss, perplexity
from greentext.paths import ROOT


# GPT-2 shapes (layers, width, heads) for training from scratch. With GPT-2's 50,257-token vocabulary
# the embedding (tied to the output layer) is most of a narrow model: 12.9 M of the 16 M parameters of
# "tiny", and most of the compute. Extra layers are cheap next to it (tiny-8: 1.2× the time per token).
SIZES = {
    "tiny": dict(n_layer=4, n_embd=256, n_head=4, n_positions=512),
    "tiny-6": dict(n_layer=6, n_embd=256, n_head=4, n_positions=512),
    "tiny-8": dict(n_layer=8, n_embd=256, n_head=4, n_positions=512),
    "6x320": dict(n_layer=6, n_embd=320, n_head=5, n_positions=512),
    "8x320": dict(n_layer=8, n_embd=320, n_head=5, n_positions=512),
    "small": dict(n_layer=12, n_embd=768, n_head=12, n_positions=1024),
    "medium": dict(n_layer=24, n_embd=1024, n_head=16, n_positions=1024),
}

# The app's default sampling settings, written into generation_config.json.
APP_SAMPLING = dict(do_sample=True, temperature=0.8, top_k=50, top_p=0.95, max_new_tokens=80)


@dataclass
class TrainConfig:
    base: str = "gpt2"  # hub id or local checkpoint to fine-tune; ignored when `size` is set
    size: str | None = None  # train from scratch with this GPT-2 shape: tiny, small or medium
    data: str = greentext_data.HUB_DATASET  # hub dataset id, or local .jsonl / .txt files or folders ("A,B*2")
    out: str = "runs/greentext-gpt2"  # the final checkpoint directory
    checkpoint_dir: str | None = None  # intermediate checkpoints (default: <out>/checkpoints)
    max_steps: int = 600  # optimizer steps
    batch_size: int = 8  # blocks per micro-batch
    grad_accum: int = 4  # micro-batches per step: effective batch = batch_size × grad_accum blocks
    block_size: int = 512  # tokens per block, at most the model's context (1024 for GPT-2)
    lr: float = 2.5e-4  # peak learning rate
    min_lr_ratio: float = 0.1  # the decay ends at lr × this
    schedule: str = "cosine"  # cosine (decay from warmup to the end) or wsd (constant, then a linear decay)
    decay_fraction: float = 0.2  # wsd: the last share of the steps that decays linearly
    warmup_steps: int = 30  # linear warmup from 0
    weight_decay: float = 0.01  # on weight matrices, not on biases, LayerNorms or position embeddings
    beta1: float = 0.9
    beta2: float = 0.999
    dropout: float = 0.1
    grad_clip: float = 1.0
    val_fraction: float = 0.1  # documents held out for validation (when there is no val_data)
    val_data: str | None = None  # a separate, frozen validation file (then nothing is split off)
    probe_data: str | None = None  # another held-out set whose loss is logged too (e.g. greentexts while pretraining)
    eval_blocks: int = 256  # at most this many blocks per loss evaluation (bounds its time)
    eval_every: int = 50  # steps between validation losses
    save_every: int = 300  # steps between kept checkpoints (0 = only the final model)
    seed: int = 0
    device: str = "auto"
    precision: str = "auto"  # auto (bf16/fp16 on GPU, fp32 on CPU), fp32, bf16, fp16
    save_dtype: str = "float32"  # dtype of the final weights (float16 halves the size)
    format_samples: int = 100  # samples for the format rate in the model card (0 = skip)
    resume: bool = False
    continue_log: bool = False  # go on with `base`'s own training log (one schedule in two runs: the card shows one phase)


# The bundled models' shape: 6 × 320 trains almost as fast as 6 × 256 under bf16 autocast on 2 cores
# (bench.training), both checkpoints stay under 120 MB in float16, and for the same training time it ties with
# 6 × 256 on held-out loss while 8 × 320 is worse (bench.model_shape); see BENCHMARKS.md "Training speed",
# "Model shape" and "Model data".
BUNDLED_SIZE = "6x320"
GREENTEXTS = str(ROOT / "assets/corpus/greentexts.jsonl")  # the training stories
GREENTEXTS_VAL = str(ROOT / "assets/corpus/greentexts-val.jsonl")  # frozen before any training, never trained on
GENERAL = str(ROOT / "runs/corpus/general-en.txt")  # `python -m greentext.training.debian` builds it (Debian packages)
PROSE = str(ROOT / "assets/corpus/prose")  # plain stories and dialogues written for the project (greentext.training.briefs)

# The bundled models, in two phases as the project's report does it: a base pretrained on general text, then
# that base fine-tuned on greentexts for 3,500 steps (about 2.7 epochs of the 1.3 M story tokens: model v3.3,
# held-out perplexity 27.1; v3.2's 2,000 steps gave 32.3, v3's 600 steps 49.2, the loss still falling each time),
# checkpoints every 300. The data-scaling curve (bench.model_data) keeps v3's 600 steps:
# `--preset bundled --max-steps 600 --data SUBSET`. The base is pretrained in two
# parts of one warmup-stable-decay schedule: 800 steps on the Debian text at a constant learning rate, then
# 200 steps on the Debian text and the project's prose (8 copies: about a third of what it reads) while the
# rate decays; the second part continues the first's log (`continue_log`), so the card shows one curve.
_PRETRAIN = dict(size=BUNDLED_SIZE, batch_size=8, grad_accum=1, block_size=256, lr=1e-3, weight_decay=0.1,
                 dropout=0.0, val_fraction=0.01, probe_data=GREENTEXTS_VAL, eval_every=100, eval_blocks=64,
                 save_every=100, precision="bf16", save_dtype="float16", format_samples=0, schedule="wsd")
_FINE_TUNE = dict(val_data=GREENTEXTS_VAL, max_steps=3500, batch_size=4, grad_accum=1, block_size=256, lr=5e-4,
                  warmup_steps=30, weight_decay=0.1, dropout=0.1, eval_every=150, eval_blocks=128,
                  precision="bf16", save_dtype="float16")
PRESETS = {
    # Phase 1a: from scratch on the Debian text, constant rate after warmup (the schedule goes on in 1b).
    "base": dict(_PRETRAIN, data=GENERAL, out=str(ROOT / "runs/base-a"), checkpoint_dir=str(ROOT / "runs/base-a/checkpoints"),
                 max_steps=800, warmup_steps=50, min_lr_ratio=1.0),
    # Phase 1b, assets/model-base: 1a's model on Debian text + prose, the rate decaying over the last half.
    "base-prose": dict(_PRETRAIN, size=None, base=str(ROOT / "runs/base-a"), data=f"{GENERAL},{PROSE}*8",
                       out=str(ROOT / "assets/model-base"), checkpoint_dir=str(ROOT / "runs/base-b/checkpoints"),
                       max_steps=200, warmup_steps=10, decay_fraction=0.5, continue_log=True),
    # Phase 2, assets/model (the app's default): the base fine-tuned on the project's greentexts.
    "bundled": dict(_FINE_TUNE, base=str(ROOT / "assets/model-base"), data=GREENTEXTS, out=str(ROOT / "assets/model"),
                    checkpoint_dir=str(ROOT / "runs/bundled/checkpoints"), save_every=300),
    # The comparison: the same shape and steps trained from scratch on the greentexts alone.
    "scratch": dict(_FINE_TUNE, size=BUNDLED_SIZE, data=GREENTEXTS, out=str(ROOT / "runs/scratch"),
                    checkpoint_dir=str(ROOT / "runs/scratch/checkpoints"), lr=1e-3, save_every=300),
}


# --- data -------------------------------------------------------------------------------------
def load_sources(spec: str) -> list[str]:
    """Documents of one source, or of several joined by commas, each optionally repeated: "a.txt,prose/*2"."""
    docs = []
    for part in filter(None, (p.strip() for p in spec.split(","))):
        source, _, times = part.rpartition("*") if part.rpartition("*")[2].isdigit() else (part, "", "1")
        docs += greentext_data.load_documents(source) * int(times)
    if not docs:
        raise greentext_data.DataError(f"{spec!r}: no data sources named")
    return docs


# --- model ------------------------------------------------------------------------------------
def build_model(cfg: TrainConfig, tokenizer_for_scratch):
    """(model, tokenizer): a new GPT-2 of `cfg.size`, or `cfg.base` loaded for fine-tuning."""
    from transformers import AutoModelForCausalLM, AutoTokenizer, GPT2Config, GPT2LMHeadModel

    drop = dict(resid_pdrop=cfg.dropout, embd_pdrop=cfg.dropout, attn_pdrop=cfg.dropout)
    if cfg.size:
        if cfg.size not in SIZES:
            raise SystemExit(f"error: --size must be one of {', '.join(SIZES)} (got {cfg.size!r})")
        tokenizer = tokenizer_for_scratch()
        config = GPT2Config(vocab_size=len(tokenizer), bos_token_id=tokenizer.eos_token_id,
                            eos_token_id=tokenizer.eos_token_id, **SIZES[cfg.size], **drop)
        torch.manual_seed(cfg.seed)
        return GPT2LMHeadModel(config), tokenizer
    from greentext.model.loading import ModelLoadError, _explain, _looks_local

    try:
        tokenizer = AutoTokenizer.from_pretrained(cfg.base)
        model = AutoModelForCausalLM.from_pretrained(cfg.base, dtype=torch.float32, **drop)
    except Exception as err:
        raise ModelLoadError(_explain(cfg.base, _looks_local(cfg.base), err)) from err
    return model, tokenizer


def param_groups(model, weight_decay: float):
    """Weight decay on matrices (2-D weights, except position embeddings); none on biases and LayerNorms."""
    decay, no_decay, seen = [], [], set()
    for name, p in model.named_parameters():
        if not p.requires_grad or id(p) in seen:
            continue
        seen.add(id(p))
        (decay if p.dim() >= 2 and "wpe" not in name else no_decay).append(p)
    return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]


def lr_at(step: int, cfg: TrainConfig) -> float:
    """Linear warmup to cfg.lr, then cosine decay to cfg.lr × min_lr_ratio at max_steps; or (wsd:
    warmup-stable-decay) constant until the last `decay_fraction` of the steps, then a linear decay."""
    if step < cfg.warmup_steps:
        return cfg.lr * (step + 1) / cfg.warmup_steps
    if cfg.schedule == "wsd":
        decay_start = cfg.max_steps * (1 - cfg.decay_fraction)
        if step < decay_start:
            return cfg.lr
        progress = min(1.0, (step - decay_start) / max(1.0, cfg.max_steps - decay_start))
        return cfg.lr * (1 - (1 - cfg.min_lr_ratio) * progress)
    progress = min(1.0, (step - cfg.warmup_steps) / max(1, cfg.max_steps - cfg.warmup_steps))
    return cfg.lr * (cfg.min_lr_ratio + (1 - cfg.min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * progress)))


def autocast_dtype(cfg: TrainConfig, device: torch.device) -> torch.dtype | None:
    if cfg.precision == "fp32" or (cfg.precision == "auto" and device.type != "cuda"):
        return None
    if cfg.precision == "bf16" or (cfg.precision == "auto" and torch.cuda.is_bf16_supported()):
        return torch.bfloat16
    return torch.float16


# --- checkpoints ------------------------------------------------------------------------------
def save_checkpoint(path: Path, model, tokenizer, optimizer, scaler, step: int, log: list[dict], cfg):
    path.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    torch.save({"optimizer": optimizer.state_dict(), "scaler": scaler.state_dict() if scaler else None,
                "step": step, "log": log, "config": dataclasses.asdict(cfg),
                "rng": torch.get_rng_state()}, path / "trainer_state.pt")


def latest_checkpoint(checkpoint_dir: Path) -> Path | None:
    found = [p for p in checkpoint_dir.glob("checkpoint-*") if (p / "trainer_state.pt").exists()]
    return max(found, key=lambda p: int(p.name.split("-")[1]), default=None)


# --- the loop ---------------------------------------------------------------------------------
def train(cfg: TrainConfig, progress: bool = True) -> Path:
    """Train, evaluate, save the final checkpoint with its model card; return the output directory."""
    from transformers import AutoModelForCausalLM
    from tqdm.auto import tqdm

    from greentext.model.loading import pick_device
    from greentext.model.tokens import gpt2_tokenizer

    greentext_data.need("matplotlib", "the model card's loss curve (loss.png)")  # now, not after the training
    out = Path(cfg.out)
    ckpt_dir = Path(cfg.checkpoint_dir) if cfg.checkpoint_dir else out / "checkpoints"
    device = pick_device(cfg.device)
    amp = autocast_dtype(cfg, device)
    random.seed(cfg.seed)
    torch.manual_seed(cfg.seed)

    docs = load_sources(cfg.data)
    if cfg.val_data:
        train_docs, val_docs = docs, greentext_data.load_documents(cfg.val_data)
    else:
        train_docs, val_docs = greentext_data.split_documents(docs, cfg.val_fraction, cfg.seed)
    model, tokenizer = build_model(cfg, gpt2_tokenizer)
    block_size = min(cfg.block_size, model.config.n_positions)
    train_encoded = encode_documents(tokenizer, train_docs)
    val_blocks = spread(make_blocks(encode_documents(tokenizer, val_docs), block_size, seed=None), cfg.eval_blocks)
    probe_blocks = (spread(make_blocks(encode_documents(tokenizer, greentext_data.load_documents(cfg.probe_data)),
                                       block_size, seed=None), cfg.eval_blocks) if cfg.probe_data else None)
    train_tokens = sum(len(e) for e in train_encoded)

    step, log = 0, []
    resumed_from = latest_checkpoint(ckpt_dir) if cfg.resume else None
    if resumed_from:
        model = AutoModelForCausalLM.from_pretrained(resumed_from, dtype=torch.float32)
    model.to(device).train()
    optimizer = torch.optim.AdamW(param_groups(model, cfg.weight_decay), lr=cfg.lr,
                                  betas=(cfg.beta1, cfg.beta2))
    scaler = torch.amp.GradScaler("cuda") if amp == torch.float16 else None
    if resumed_from:
        state = torch.load(resumed_from / "trainer_state.pt", weights_only=False)
        optimizer.load_state_dict(state["optimizer"])
        if scaler and state["scaler"]:
            scaler.load_state_dict(state["scaler"])
        step, log = state["step"], state["log"]
        torch.set_rng_state(state["rng"])
        print(f"resuming from {resumed_from} at step {step}", file=sys.stderr)

    # Each epoch is a fresh shuffle of the documents (seeded by epoch, so a resume sees the same order).
    micro_per_step = cfg.grad_accum
    blocks_per_epoch = len(make_blocks(train_encoded, block_size, seed=None))
    micro = step * micro_per_step * cfg.batch_size  # blocks consumed so far

    current_epoch, epoch_blocks = -1, None

    def next_batch() -> torch.Tensor:
        nonlocal micro, current_epoch, epoch_blocks
        epoch, offset = divmod(micro, blocks_per_epoch)
        if epoch != current_epoch:
            current_epoch, epoch_blocks = epoch, make_blocks(train_encoded, block_size, seed=cfg.seed + epoch)
        batch = epoch_blocks[offset:offset + cfg.batch_size]  # the last one of an epoch may be shorter
        micro += len(batch)
        return batch.to(device)

    before = base_log(cfg) if cfg.continue_log and not resumed_from else []
    started = time.perf_counter() - (log[-1]["elapsed_s"] if log else 0.0)  # elapsed counts across resumes
    segment_started = time.perf_counter()
    bar = tqdm(total=cfg.max_steps, initial=step, disable=not progress, desc="training", unit="step")
    train_loss = float("nan")
    tokens_seen = 0
    while step < cfg.max_steps:
        lr = lr_at(step, cfg)
        for group in optimizer.param_groups:
            group["lr"] = lr
        total = 0.0
        for _ in range(micro_per_step):
            batch = next_batch()
            with torch.autocast(device_type=device.type, dtype=amp, enabled=amp is not None):
                loss = model(input_ids=batch, labels=batch).loss / micro_per_step
            (scaler.scale(loss) if scaler else loss).backward()
            total += loss.item()
            tokens_seen += batch.numel()
        if scaler:
            scaler.unscale_(optimizer)
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
        (scaler.step(optimizer), scaler.update()) if scaler else optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        step += 1
        train_loss = total
        entry = {"step": step, "train_loss": round(train_loss, 4), "lr": lr}
        if step % cfg.eval_every == 0 or step == cfg.max_steps:
            entry["val_loss"] = round(mean_loss(model, val_blocks, cfg.batch_size, device, amp), 4)
            if probe_blocks is not None:
                entry["probe_loss"] = round(mean_loss(model, probe_blocks, cfg.batch_size, device, amp), 4)
            model.train()
        entry["elapsed_s"] = round(time.perf_counter() - started, 1)
        log.append(entry)
        bar.update(1)
        bar.set_postfix(loss=f"{train_loss:.3f}", val=entry.get("val_loss", "-"), lr=f"{lr:.1e}")
        if cfg.save_every and (step % cfg.save_every == 0 or step == cfg.max_steps):  # the last one too, to extend
            save_checkpoint(ckpt_dir / f"checkpoint-{step}", model, tokenizer, optimizer, scaler, step, log, cfg)
    bar.close()
    elapsed = time.perf_counter() - segment_started
    if before:  # one phase in two runs: the base's steps first, this run's after them
        log = before + [dict(e, step=e["step"] + before[-1]["step"],
                             elapsed_s=round(e["elapsed_s"] + before[-1]["elapsed_s"], 1)) for e in log]

    # Final numbers in fp32 eval mode: validation as during training, training loss on a bounded
    # evenly spaced sample of the training blocks (the whole set would take minutes on a large corpus).
    model.eval()
    train_sample = spread(make_blocks(train_encoded, block_size, None), cfg.eval_blocks)
    final = {
        "train_loss": mean_loss(model, train_sample, cfg.batch_size, device),
        "train_loss_blocks": len(train_sample),
        "val_loss": mean_loss(model, val_blocks, cfg.batch_size, device),
        "train_documents": len(train_docs), "val_documents": len(val_docs),
        "train_tokens": train_tokens, "val_tokens": int(val_blocks.numel()),
        "steps": log[-1]["step"] if log else step, "block_size": block_size,
        "tokens_per_second": round(tokens_seen / elapsed) if elapsed and tokens_seen else None,
        "device": str(device), "resumed_from": str(resumed_from) if resumed_from else None,
        "training_minutes": round((log[-1]["elapsed_s"] if log else 0) / 60, 1),
    }
    if probe_blocks is not None:
        final["probe_loss"] = mean_loss(model, probe_blocks, cfg.batch_size, device)
        final["probe_data"] = cfg.probe_data
    final["train_perplexity"] = perplexity(final["train_loss"])
    final["val_perplexity"] = perplexity(final["val_loss"])
    save_final(out, model, tokenizer, cfg)
    from greentext.training.card import write_card

    kept = {int(p.name.split("-")[1]): p for p in ckpt_dir.glob("checkpoint-*") if (p / "config.json").exists()}
    write_card(out, cfg, final, log, checkpoints=kept, val_docs=val_docs)
    return out


def base_log(cfg: TrainConfig) -> list[dict]:
    """The training log of `cfg.base` (one of this project's checkpoints), or [] when it has none."""
    path = Path(cfg.base) / "train_log.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def save_final(out: Path, model, tokenizer, cfg: TrainConfig) -> None:
    """The final checkpoint: weights (in cfg.save_dtype), config, tokenizer, generation defaults."""
    from transformers import GenerationConfig

    out.mkdir(parents=True, exist_ok=True)
    model = model.to("cpu").eval()
    dtype = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}[cfg.save_dtype]
    model.to(dtype)
    model.config.use_cache = True
    model.generation_config = GenerationConfig(**APP_SAMPLING, bos_token_id=tokenizer.eos_token_id,
                                               eos_token_id=tokenizer.eos_token_id,
                                               pad_token_id=tokenizer.eos_token_id)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    model.to(torch.float32)


# --- command line -----------------------------------------------------------------------------
FLAG_HELP = {
    "base": "hub id or local checkpoint to fine-tune", "size": "train from scratch with this shape: " + ", ".join(SIZES),
    "data": "hub dataset id, or local .jsonl / .txt files or folders; several joined by commas, NAME*2 repeats one", "out": "the final checkpoint directory",
    "checkpoint_dir": "where intermediate checkpoints go (none: OUT/checkpoints)", "max_steps": "optimizer steps",
    "batch_size": "blocks per micro-batch", "grad_accum": "micro-batches per optimizer step",
    "block_size": "tokens per block, at most the model's context", "lr": "peak learning rate",
    "min_lr_ratio": "the decay ends at lr times this",
    "schedule": "cosine, or wsd (warmup, constant, then a linear decay over the last --decay-fraction)",
    "decay_fraction": "wsd: the last share of the steps that decays",
    "probe_data": "another held-out set whose loss is logged too (e.g. greentexts while pretraining)", "warmup_steps": "steps of linear warmup from 0",
    "weight_decay": "AdamW weight decay on weight matrices", "beta1": "AdamW beta1", "beta2": "AdamW beta2",
    "dropout": "dropout on residuals, embeddings and attention", "grad_clip": "gradient norm clipping",
    "val_fraction": "share of documents held out for validation when there is no --val-data",
    "val_data": "a separate, frozen validation file (nothing is split off then)",
    "eval_blocks": "at most this many blocks per loss evaluation", "eval_every": "steps between validation losses",
    "save_every": "steps between kept checkpoints (0 = only the final model)", "seed": "random seed",
    "device": "auto, cpu, cuda or mps", "precision": "auto (bf16/fp16 on GPU, fp32 on CPU), fp32, bf16 or fp16",
    "save_dtype": "dtype of the final weights: float32, float16 or bfloat16",
    "format_samples": "samples from >be me for the card's format rate (0 = skip)",
    "resume": "go on from the last checkpoint in the checkpoint directory",
    "continue_log": "continue --base's own training log (its steps first): one pretraining phase in two runs",
}


def parse_args(argv=None) -> TrainConfig:
    defaults = TrainConfig()
    p = argparse.ArgumentParser(prog="python -m greentext.training.train", description=__doc__.split("\n\n")[0])
    p.add_argument("--preset", choices=sorted(PRESETS), help="a named recipe (base, bundled, scratch); other "
                                                             "flags override it")
    for field in dataclasses.fields(TrainConfig):
        flag = "--" + field.name.replace("_", "-")
        text = FLAG_HELP[field.name]
        if field.type == "bool":
            p.add_argument(flag, action="store_true", default=None, help=text)
            continue
        kind = {"int": int, "float": float}.get(field.type, str)
        shown = "none" if field.default is None else field.default
        p.add_argument(flag, type=kind, default=None, help=f"{text} (default {shown})")
    args = p.parse_args(argv)
    values = dict(PRESETS[args.preset]) if args.preset else {}
    values.update({k: v for k, v in vars(args).items() if k != "preset" and v is not None})
    if args.base and not args.size:  # an explicit --base fine-tunes, even with a from-scratch preset
        values.pop("size", None)
    cfg = dataclasses.replace(defaults, **values)
    if cfg.size and cfg.size not in SIZES:
        p.error(f"--size must be one of {', '.join(SIZES)} (got {cfg.size!r})")
    for name, lo in (("max_steps", 1), ("batch_size", 1), ("grad_accum", 1), ("block_size", 8), ("eval_every", 1)):
        if getattr(cfg, name) < lo:
            p.error(f"--{name.replace('_', '-')} must be at least {lo} (got {getattr(cfg, name)})")
    if not 0 <= cfg.dropout < 1:
        p.error(f"--dropout must be in [0, 1) (got {cfg.dropout})")
    if cfg.save_dtype not in ("float32", "float16", "bfloat16"):
        p.error(f"--save-dtype must be float32, float16 or bfloat16 (got {cfg.save_dtype!r})")
    if cfg.schedule not in ("cosine", "wsd"):
        p.error(f"--schedule must be cosine or wsd (got {cfg.schedule!r})")
    if not 0 < cfg.decay_fraction <= 1:
        p.error(f"--decay-fraction must be in (0, 1] (got {cfg.decay_fraction})")
    if cfg.precision not in ("auto", "fp32", "bf16", "fp16"):
        p.error(f"--precision must be auto, fp32, bf16 or fp16 (got {cfg.precision!r})")
    return cfg


def main(argv=None) -> int:
    from greentext.model.loading import ModelLoadError

    cfg = parse_args(argv)
    try:
        out = train(cfg)
    except (greentext_data.DataError, ModelLoadError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"saved {out} (model card: {out / 'README.md'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
