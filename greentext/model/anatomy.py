"""The parts of a causal LM that turn its residual stream into next-token logits, for every family.

    parts = anatomy(model)                    # GPT-2, GPT-Neo/J/NeoX, Llama, Qwen2/3, Mistral, Gemma 2/3, Phi-3 …
    logits = parts.logits(stream)             # final norm → output head → the family's soft-capping, if any

The logit lens asks "what would the model say if it stopped after block i?": the stream after block i
through the same final norm and output head as the real last block. Where those live depends on the
family (`transformer.ln_f` in GPT-2, `model.norm` in Llama and most newer ones, `gpt_neox.final_layer_norm`
in GPT-NeoX), and Gemma 2/3 squash their logits with `cap · tanh(logits / cap)`. Each layer gets the final
norm applied to its own stream (its own statistics — reusing the last layer's would be wrong, a bug peers
have had). A family whose parts cannot be found, or whose own logits they do not reproduce (`verify`),
is refused by name rather than shown wrong.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

# Where a family keeps its final norm, under the model's base (the decoder stack).
FINAL_NORMS = ("norm", "ln_f", "final_layer_norm", "final_layernorm", "norm_f")


@dataclass
class Anatomy:
    model_type: str
    layers: int  # transformer blocks
    final_norm: torch.nn.Module
    head: torch.nn.Module  # the output layer (often tied to the input embeddings)
    softcap: float | None = None  # Gemma 2/3: logits = cap · tanh(logits / cap)

    def logits(self, stream: torch.Tensor) -> torch.Tensor:
        """Next-token logits from residual streams (…, hidden): the final norm, the head, the soft cap."""
        out = self.head(self.final_norm(stream))
        if self.softcap:
            out = torch.tanh(out / self.softcap) * self.softcap
        return out


class NoAnatomy(ValueError):
    """The model's final norm or output head was not found (its family is not one the lens knows)."""

    def __init__(self, model_type: str):
        super().__init__(model_type)
        self.model_type = model_type


def model_type(model: torch.nn.Module) -> str:
    return getattr(getattr(model, "config", None), "model_type", None) or type(model).__name__


def text_config(model) -> object:
    """The text model's config (multimodal configs nest it)."""
    config = model.config
    return config.get_text_config() if hasattr(config, "get_text_config") else config


def anatomy(model: torch.nn.Module) -> Anatomy:
    """The final norm, output head and soft cap of `model`; NoAnatomy when they cannot be found."""
    kind = model_type(model)
    head = model.get_output_embeddings() if hasattr(model, "get_output_embeddings") else None
    base = getattr(model, "base_model", None)
    if base is model:  # a bare decoder (no head) has nothing to lens
        base = None
    norm = next((getattr(base, name) for name in FINAL_NORMS if isinstance(getattr(base, name, None), torch.nn.Module)),
                None) if base is not None else None
    config = text_config(model)
    layers = getattr(config, "num_hidden_layers", None)
    if head is None or norm is None or not layers:
        raise NoAnatomy(kind)
    softcap = getattr(config, "final_logit_softcapping", None)
    return Anatomy(kind, int(layers), norm, head, float(softcap) if softcap else None)


def verify(parts: Anatomy, normed: torch.Tensor, seen: torch.Tensor | None, logits: torch.Tensor,
           tolerance: float = 1e-4) -> None:
    """NoAnatomy unless `parts` are the model's own path to its logits, checked on one forward pass:
    the final norm found was applied to the last block (`seen`: that module's output, caught by a hook)
    giving the model's last hidden state `normed`, and the head and soft cap turn `normed` into the model's
    own `logits`. A family that scales or shifts its logits in a way not known here is refused, never
    shown wrong."""
    if seen is None or seen.shape != normed.shape or not torch.allclose(seen.float(), normed.float(), atol=1e-5):
        raise NoAnatomy(parts.model_type)
    with torch.inference_mode():
        ours = parts.head(normed)
        if parts.softcap:
            ours = torch.tanh(ours / parts.softcap) * parts.softcap
        gap = (ours.float().softmax(-1) - logits.float().softmax(-1)).abs().max().item()
    if ours.shape != logits.shape or gap > tolerance:
        raise NoAnatomy(parts.model_type)
