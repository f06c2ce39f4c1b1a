"""HTML views for the tabs: greentext, token chips and the step table. All user text is escaped here.

Prompts and tokens are user-controlled (a token can be `</script>` or `<img onerror=…>`), so every
string that reaches HTML goes through `esc()`; nothing else builds markup from user text.
"""

from __future__ import annotations

import html

from .export import percent
from .steps import Step
from .tokens import Token

LABELS = {
    "en": dict(rank="#", token="token", p_raw="p (T=1)", p_temp="after T", p_final="after top-k/top-p",
               cumulative="cumulative", status="", chosen="chosen", others="all other tokens",
               entropy="entropy", bits="bits", kept="tokens kept", cut_top_k="cut by top-k",
               cut_top_p="cut by top-p", cut_greedy="greedy: only #1", step="step", next="next token?",
               tokens="tokens", how={"sampled": "sampled", "greedy": "greedy", "picked": "picked by hand"},
               masked="{n} masked — lecture-safe mode (the probabilities are the model's own)"),
    "pt": dict(rank="#", token="token", p_raw="p (T=1)", p_temp="após T", p_final="após top-k/top-p",
               cumulative="acumulada", status="", chosen="escolhido", others="todos os outros tokens",
               entropy="entropia", bits="bits", kept="tokens mantidos", cut_top_k="cortado pelo top-k",
               cut_top_p="cortado pelo top-p", cut_greedy="guloso: só o 1º", step="passo", next="próximo token?",
               tokens="tokens", how={"sampled": "sorteado", "greedy": "guloso", "picked": "escolhido à mão"},
               masked="{n} mascarado(s) — modo seguro para aula (as probabilidades são as do modelo)"),
}

MASKED_WORDS = {"en": ("1 word masked — lecture-safe mode", "{n} words masked — lecture-safe mode"),
                "pt": ("1 palavra mascarada — modo seguro para aula", "{n} palavras mascaradas — modo seguro para aula")}


def masked_note(count: int, lang: str = "en") -> str:
    """"2 words masked — lecture-safe mode" (or in Portuguese); "" when nothing was masked."""
    if not count:
        return ""
    one, many = MASKED_WORDS.get(lang, MASKED_WORDS["en"])
    return one if count == 1 else many.format(n=count)


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def lang_of(accept_language: str | None) -> str:
    """'pt' for Portuguese browsers, else 'en'."""
    return "pt" if (accept_language or "").lower().lstrip().startswith("pt") else "en"


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


def step_html(step: Step, lang: str = "en", locale: str | None = None) -> str:
    """The lecture slide for one step: context →, then the candidate table, the rest and the entropy."""
    L = LABELS.get(lang, LABELS["en"])
    locale = locale or ("pt-BR" if lang == "pt" else "en")
    pct = lambda p: percent(p, locale)  # noqa: E731
    context = step.context[-200:]
    chosen_id = step.chosen.id if step.chosen else None
    rows = []
    for c in step.candidates:
        classes = []
        if not c.kept:
            classes.append("cut")
        if c.id == chosen_id:
            classes.append("chosen")
        reason = {"top_k": L["cut_top_k"], "top_p": L["cut_top_p"], "greedy": L["cut_greedy"]}.get(c.cut_by, "")
        if c.id == chosen_id:
            reason = f'★ {L["chosen"]}'
        bar = f'<span class="bar" style="width:{max(0.0, min(1.0, c.p_final)) * 100:.1f}%"></span>'
        rows.append(
            f'<tr class="{" ".join(classes)}"><td class="num">{c.rank}</td>'
            f'<td><code class="tok-text">{esc(c.token)}</code></td>'
            f'<td class="num">{pct(c.p_raw)}</td><td class="num">{pct(c.p_temperature)}</td>'
            f'<td class="num final">{bar}<span>{pct(c.p_final)}</span></td>'
            f'<td class="num">{pct(c.cumulative)}</td><td class="reason">{esc(reason)}</td></tr>')
    chosen_line = ""
    if step.chosen:
        ch = step.chosen
        chosen_line = (f'<div class="step-chosen">→ <code class="tok-text">{esc(ch.token)}</code> '
                       f'({L["how"].get(ch.how, ch.how)}, #{ch.rank}, {pct(ch.p_final)})</div>')
    entropy = f"{step.entropy:.2f}".replace(".", ",") if lang == "pt" else f"{step.entropy:.2f}"
    masked = step.extra.get("masked", 0)
    masked_html = f'<div class="gt-note safe-note">{esc(L["masked"].format(n=masked))}</div>' if masked else ""
    return f"""<div class="step">
<div class="step-head"><span class="step-n">{L['step']} {step.index + 1}</span>
<span class="step-context">{esc(context)}</span> <span class="arrow">→ {L['next'] if not step.chosen else ''}</span></div>
{chosen_line}
<table class="cands"><thead><tr><th>{L['rank']}</th><th>{L['token']}</th><th>{L['p_raw']}</th><th>{L['p_temp']}</th>
<th>{L['p_final']}</th><th>{L['cumulative']}</th><th>{L['status']}</th></tr></thead>
<tbody>{''.join(rows)}</tbody></table>
<div class="step-foot">{L['others']}: {pct(step.p_other)} · {L['entropy']}: {entropy} {L['bits']} ·
{L['kept']}: {step.kept_count:,}</div>{masked_html}</div>"""
