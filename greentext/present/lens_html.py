"""HTML of the logit lens: a grid of layers × top tokens, the tracked token's rank and probability down the
layers. Token text is user-controlled (a prompt can hold `<script>`): every string goes through `views.esc`."""

from __future__ import annotations

from greentext.language.numbers import percent
from greentext.language.i18n import text
from greentext.probes.lens import Lens
from greentext.present.html import esc

CONTEXT_CHARS = 160  # of the text before the lensed token, on one line of a slide


def lens_html(lens: Lens, lang: str = "en", context: str | None = None) -> str:
    """The lens as a table: one row per layer (the last = the model's own prediction), the tracked token's
    rank · p, then the layer's top tokens with their probabilities (shaded by p). `context` is the text up to
    and including the lensed token as shown (e.g. masked in lecture-safe mode, same length); default: the
    tokens' own text."""
    L = lambda key, **values: esc(text(key, lang, **values))  # noqa: E731
    pct = lambda p: percent(p, lang)  # noqa: E731
    pos, n = lens.position, len(lens.tokens)
    if context is None:
        context = "".join(t.raw for t in lens.tokens[:pos + 1])
    last = len(lens.tokens[pos].raw)
    before, token = context[:len(context) - last], context[len(context) - last:]
    before = ("…" + before[-CONTEXT_CHARS:]) if len(before) > CONTEXT_CHARS else before
    tracked = f'<code class="tok-text">{esc(lens.tracked.token)}</code>'
    head = (f'<div class="lens-head"><span class="step-n">{L("lens_after", i=pos + 1, n=n)}</span> '
            f'<code class="tok-text">{esc(lens.tokens[pos].token)}</code> → {tracked} '
            f'<span class="lens-which">({L("lens_next_text" if lens.tracked_is_next else "lens_next_model")})</span>'
            f'</div><div class="lens-context"><span class="step-context">{esc(before)}<mark>{esc(token)}</mark></span>'
            f' <span class="arrow">→</span></div>')
    columns = "".join(f'<th>#{r}</th>' for r in range(1, len(lens.output.top) + 1))
    rows = []
    for row in lens.layers:
        output = row is lens.layers[-1]
        label = f'{row.layer}{" · " + L("lens_output") if output else ""}'
        cells = []
        for tok, p in zip(row.top, row.p):
            hit = " hit" if tok.id == lens.tracked.id else ""
            shade = f"background: rgba(120, 153, 34, {0.06 + 0.6 * max(0.0, min(1.0, p)):.2f})"
            cells.append(f'<td class="lens-cell{hit}" style="{shade}"><code class="tok-text">{esc(tok.token)}</code> '
                         f'<span class="lens-p">{pct(p)}</span></td>')
        bar = f'<span class="bar" style="width:{max(0.0, min(1.0, row.tracked_p)) * 100:.1f}%"></span>'
        rows.append(f'<tr class="{"output" if output else ""}"><td class="num lens-layer">{label}</td>'
                    f'<td class="num lens-tracked">#{row.tracked_rank} · {pct(row.tracked_p)}</td>'
                    f'<td class="barcell">{bar}</td>{"".join(cells)}</tr>')
    table = (f'<div class="cands-scroll"><table class="lens-grid"><thead><tr><th class="num">{L("lens_layer")}</th>'
             f'<th class="num">{tracked} {L("lens_rank")}</th><th class="barcell"></th>{columns}</tr></thead>'
             f'<tbody>{"".join(rows)}</tbody></table></div>')
    notes = [L("truncated_note", k=lens.truncated_tokens)] if lens.truncated_tokens else []
    notes.append(L("lens_legend"))
    return f'<div class="lens">{head}{table}<div class="step-legend">{" ".join(notes)}</div></div>'


def note_html(message: str) -> str:
    """A message in the lens's place (e.g. a model the lens does not know)."""
    return f'<div class="lens gt-note">⚠️ {esc(message)}</div>'
