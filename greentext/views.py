"""HTML views for the tabs: greentext, token chips and the step table. All user text is escaped here.

Prompts and tokens are user-controlled (a token can be `</script>` or `<img onerror=…>`), so every
string that reaches HTML goes through `esc()`; nothing else builds markup from user text.
"""

from __future__ import annotations

import html

from .export import decimal, percent
from .i18n import text
from .steps import Step
from .tokens import Token


def masked_note(count: int, lang: str = "en") -> str:
    """"2 words masked — lecture-safe mode" (or in Portuguese); "" when nothing was masked."""
    if not count:
        return ""
    return text("masked_one", lang) if count == 1 else text("masked_many", lang, n=count)


def esc(value: str) -> str:
    return html.escape(value, quote=True)


def greentext_html(prompt: str, continuation: str, note: str = "") -> str:
    """The story as greentext: '>' lines green on the classic pale background; the generated part marked."""
    lines_html = []
    full = prompt + continuation
    cut = len(prompt)
    start = 0
    for line in full.split("\n"):
        end = start + len(line)
        if start >= cut:
            body = f'<span class="gt-gen">{esc(line)}</span>'
        elif end <= cut:
            body = esc(line)
        else:
            body = f'{esc(line[:cut - start])}<span class="gt-gen">{esc(line[cut - start:])}</span>'
        cls = "gt-green" if line.startswith(">") else "gt-plain"
        lines_html.append(f'<div class="{cls}">{body or "&nbsp;"}</div>')
        start = end + 1
    note_html = f'<div class="gt-note">{esc(note)}</div>' if note else ""
    return f'<div class="greentext">{"".join(lines_html)}</div>{note_html}'


def tokens_html(tokens: list[Token]) -> str:
    """Token chips with their ids, like the lecture slide's id list."""
    chips = "".join(f'<span class="tok"><span class="tok-text">{esc(t.token)}</span>'
                    f'<span class="tok-id">{t.id}</span></span>' for t in tokens)
    return f'<div class="tokens">{chips}</div>'


def step_html(step: Step, lang: str = "en") -> str:
    """The lecture slide for one step: context →, then the candidate table, the rest and the entropy."""
    L = lambda key, **values: esc(text(key, lang, **values))  # noqa: E731
    pct = lambda p: percent(p, lang)  # noqa: E731
    context = step.context[-200:]
    chosen_id = step.chosen.id if step.chosen else None
    rows = []
    for c in step.candidates:
        classes = []
        if not c.kept:
            classes.append("cut")
        if c.id == chosen_id:
            classes.append("chosen")
        reason = L(f"cut_{c.cut_by}") if c.cut_by else ""
        if c.id == chosen_id:
            reason = f'★ {L("chosen")}'
        bar = f'<span class="bar" style="width:{max(0.0, min(1.0, c.p_final)) * 100:.1f}%"></span>'
        rows.append(
            f'<tr class="{" ".join(classes)}"><td class="num">{c.rank}</td>'
            f'<td><code class="tok-text">{esc(c.token)}</code></td>'
            f'<td class="num">{pct(c.p_raw)}</td><td class="num">{pct(c.p_temperature)}</td>'
            f'<td class="num final">{bar}<span>{pct(c.p_final)}</span></td>'
            f'<td class="num">{pct(c.cumulative)}</td><td class="reason">{reason}</td></tr>')
    chosen_line = ""
    if step.chosen:
        ch = step.chosen
        chosen_line = (f'<div class="step-chosen">→ <code class="tok-text">{esc(ch.token)}</code> '
                       f'({L("how_" + ch.how)}, #{ch.rank}, {pct(ch.p_final)})</div>')
    masked = step.extra.get("masked", 0)
    masked_html = f'<div class="gt-note safe-note">{L("step_masked", n=masked)}</div>' if masked else ""
    return f"""<div class="step">
<div class="step-head"><span class="step-n">{L('step')} {step.index + 1}</span>
<span class="step-context">{esc(context)}</span> <span class="arrow">→ {L('next') if not step.chosen else ''}</span></div>
{chosen_line}
<table class="cands"><thead><tr><th>#</th><th>token</th><th>p (T=1)</th><th>{L('col_p_temp')}</th>
<th>{L('col_p_final')}</th><th>{L('col_cumulative')}</th><th></th></tr></thead>
<tbody>{''.join(rows)}</tbody></table>
<div class="step-foot">{L('others')}: {pct(step.p_other)} · {L('entropy')}: {decimal(step.entropy, lang)} bits ·
{L('kept')}: {step.kept_count:,}</div>{masked_html}</div>"""
