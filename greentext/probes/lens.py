"""The logit lens: what each layer would predict if the model stopped there (no gradio here).

    lens = logit_lens(engine, "the lecture\\n>be me", top_n=5)
    for row in lens.layers:                      # one row per transformer block; the last is the model's own
        print(row.layer, [(t.token, f"{p:.1%}") for t, p in zip(row.top, row.p)], row.tracked_rank)

Each block adds its output to the residual stream, and the model's prediction is its final norm then its
output layer (and, in Gemma 2/3, a soft cap) applied to the stream after the last block. The lens applies
the same parts (`model/anatomy.py`: found for GPT-2, GPT-Neo/J/NeoX, Llama, Qwen, Mistral, Gemma, Phi …)
to the stream after every block, at one position: "if the model stopped here, what would it say next?"
One forward pass with hidden states; the last row is the model's own logits, so it equals the
Probabilities tab's p (T=1) column. The same pass checks that the parts found are the model's own path to
its logits (`anatomy.verify`); a model whose path is not known is refused by name.

A position is a token of the text (0 = the first): its row predicts the token after it. When the text
goes on after that token, its next token is the one tracked down the layers (rank and probability);
at the text's last token, where nothing follows yet, the model's own first choice is tracked.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import torch

from greentext.model import chat
from greentext.decode.settings import InvalidSetting, as_int, check_prompt, check_top_n
from greentext.model.anatomy import Anatomy, NoAnatomy, anatomy, model_type, verify
from greentext.model.tokens import Token


class LensUnsupported(InvalidSetting):
    """The model's final norm and output layer were not found, or do not give its own logits."""

    def __init__(self, model_type: str):
        super().__init__("model", model_type, "lens_unsupported", model=model_type)

    def message(self, lang: str = "en") -> str:
        from greentext.language import i18n

        return i18n.text(self.allowed, lang, **self.values)


@dataclass
class LensLayer:
    layer: int  # the block whose output is read: 0 … layers − 1 (the last = the model's own prediction)
    top: list[Token]  # its top tokens, most likely first
    p: list[float]  # their probabilities (softmax of this layer's logits, T = 1)
    tracked_rank: int  # the tracked token's rank in this layer (1 = its first choice)
    tracked_p: float  # and its probability


@dataclass
class Lens:
    """What every layer would predict after the token at `position` of `tokens`."""

    tokens: list[Token]  # the text as the model read it (after any cut to the context)
    position: int  # the token the rows predict after (0-based)
    tracked: Token  # the token followed down the layers
    tracked_is_next: bool  # True: the text's next token; False: the model's own first choice (end of text)
    layers: list[LensLayer]
    truncated_tokens: int = 0  # tokens dropped from the start of a text longer than the context

    @property
    def output(self) -> LensLayer:
        """The last row: the model's own prediction."""
        return self.layers[-1]


def check_supported(model: torch.nn.Module) -> Anatomy:
    """The parts the lens applies to each layer; LensUnsupported when the model's family is not known."""
    try:
        return anatomy(model)
    except NoAnatomy:
        raise LensUnsupported(model_type(model)) from None


def logit_lens(engine, text: str, top_n: int = 10, position: int | None = None, name: str = "text") -> Lens:
    """The lens of `text` at `position` (None: its last token, i.e. the token after the text).

    An empty text starts from <|endoftext|>; a text longer than the context keeps its last `context` tokens
    (`truncated_tokens` says how many went). A bad text, top_n or position is an InvalidSetting."""
    text = check_prompt(text, name)
    ids = chat.encode(engine.tokenizer, text) if text.strip() else [engine.eos_id]
    truncated = max(0, len(ids) - engine.info.context)
    return lens_of_ids(engine, ids[truncated:], top_n, position, truncated)


def lens_of_ids(engine, ids: list[int], top_n: int = 10, position: int | None = None,
                truncated_tokens: int = 0) -> Lens:
    """The lens of token ids (at most the context) at `position` (None: the last)."""
    model = engine.model
    parts = check_supported(model)
    top_n = check_top_n(top_n)
    n = len(ids)
    position = n - 1 if position is None else as_int("position", position, 0, n - 1)
    # The final norm's output on this pass (the parts found must be the model's own path). Other users' passes
    # run the same module in other threads at the same time: only this thread's call is kept.
    seen, me = [], threading.get_ident()
    hook = parts.final_norm.register_forward_hook(
        lambda module, args, out: seen.append(out) if threading.get_ident() == me else None)
    try:
        with torch.inference_mode():
            # The text up to the position is all the causal model reads for it: nothing after is computed.
            out = model(input_ids=torch.tensor([ids[:position + 1]], device=engine.device), output_hidden_states=True,
                        logits_to_keep=1, use_cache=False)
    finally:
        hook.remove()
    with torch.inference_mode():
        # hidden_states: the embeddings, then each block's output; transformers puts the final norm into the
        # last one (and the model's own logits are that, through the head): every other block gets it here.
        try:
            verify(parts, out.hidden_states[-1][0, -1:], seen[-1][0, -1:] if seen else None, out.logits[0, -1:])
        except NoAnatomy:
            raise LensUnsupported(parts.model_type) from None
        streams = [out.hidden_states[i + 1][0, -1:] for i in range(parts.layers - 1)]
        lensed = [parts.logits(torch.cat(streams))] if streams else []
        logits = torch.cat(lensed + [out.logits[0, -1:]]).float()  # (layers, vocab)
        p = logits.softmax(-1)
        top_p, top_ids = torch.topk(p, min(top_n, p.shape[-1]), dim=-1)
        tracked_id = ids[position + 1] if position + 1 < n else int(top_ids[-1, 0])
        tracked_logit = logits[:, tracked_id:tracked_id + 1]
        ranks = (logits > tracked_logit).sum(-1) + 1
        host = torch.cat([top_ids.double(), top_p.double(), ranks.double()[:, None],
                          p[:, tracked_id:tracked_id + 1].double()], 1).tolist()  # one copy to the host
    k = top_ids.shape[1]
    rows = [LensLayer(i, engine.text.tokens(int(x) for x in row[:k]), row[k:2 * k], int(row[2 * k]), row[2 * k + 1])
            for i, row in enumerate(host)]
    return Lens(engine.text.tokens(ids), position, engine.text.token(tracked_id), position + 1 < n, rows,
                truncated_tokens)
