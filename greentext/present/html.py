"""HTML views for the tabs: greentext, token chips and the step table. All user text is escaped here.

Prompts and tokens are user-controlled (a token can be `</script>` or `<img onerror=…>`), so every
string that reaches HTML goes through `esc()`; nothing else builds markup from user text.
"""

from __future__ import annotations

import html

from greentext.language.numbers import decimal, percent, small_percent, whole
from greentext.language.i18n import text
from greentext.decode.steps import Step, TokenRank
from greentext.model.tokens import EOS, Token, visible
from greentext.present.room import Tally

# The four colours of the story coloured by rank (GLTR's idea): rank 1, 2–10, 11–100, beyond 100.
RANK_BINS = (1, 10, 100)  # the highest rank of bins 1, 2 and 3; bin 4 is everything beyond


def masked_note(count: int, lang: str = "en") -> str:
    """"2 words masked — lecture-safe mode" (or in Portuguese); "" when nothing was masked."""
    if not count:
        return ""
    return text("masked_one", lang) if count == 1 else text("masked_many", lang, n=count)


def esc(value: str) -> str:
    return html.escape(value, quote=True)


def greentext_html(prompt: str, continuation: str, note: str = "", last: int = 0) -> str:
    """The story as greentext: '>' lines green on the classic pale background; the generated part marked,
    and its last `last` characters (the token just drawn) in a `mark` of their own. The lines sit in one
    inner box, so a view of limited height can keep its end in sight (app.css, presentation mode)."""
    lines_html = []
    full = prompt + continuation
    cut = len(prompt)
    mark = len(full) - max(0, min(last, len(continuation)))
    start = 0
    for line in full.split("\n"):
        end = start + len(line)
        parts = [esc(line[: max(0, min(end, cut) - start)])]
        gen, drawn = line[max(0, cut - start): max(0, mark - start)], line[max(0, mark - start, cut - start):]
        if gen or drawn:
            fresh = f'<mark class="gt-last">{esc(drawn)}</mark>' if drawn else ""
            parts.append(f'<span class="gt-gen">{esc(gen)}{fresh}</span>')
        body = "".join(parts)
        cls = "gt-green" if line.startswith(">") else "gt-plain"
        lines_html.append(f'<div class="{cls}">{body or "&nbsp;"}</div>')
        start = end + 1
    note_html = f'<div class="gt-note">{esc(note)}</div>' if note else ""
    return f'<div class="greentext"><div class="gt-lines">{"".join(lines_html)}</div></div>{note_html}'


def tokens_html(tokens: list[Token]) -> str:
    """Token chips with their ids, like the lecture slide's id list."""
    chips = "".join(f'<span class="tok"><span class="tok-text">{esc(t.token)}</span>'
                    f'<span class="tok-id">{t.id}</span></span>' for t in tokens)
    return f'<div class="tokens">{chips}</div>'


def columns(step: Step) -> list[tuple[str, str, str]]:
    """The table's probability columns for this step's settings: (Candidate field, header, its base explained).

    Every column says its base; the cumulative column adds up the column top-p works on (after T and top-k)."""
    st = step.settings or {}
    t, k = st.get("temperature"), st.get("top_k", 0)
    greedy = t == 0
    cols = [("p_raw", "col_p", "col_p_help")]
    cols.append(("p_temperature", "col_greedy" if greedy else "col_t", "col_greedy_help" if greedy else "col_t_help"))
    if k and not greedy:
        cols.append(("p_top_k", "col_k", "col_k_help"))
    if not greedy:
        cols.append(("p_final", "col_final", "col_final_help"))
        cols.append(("cumulative", "col_sum", "col_sum_help_k" if k else "col_sum_help"))
    return cols


def _values(step: Step, lang: str) -> dict:
    """The settings as the column headers name them: T, k and p (as a percentage)."""
    st = step.settings or {}
    return dict(t=decimal(st.get("temperature", 1.0), lang, 2).rstrip("0").rstrip(",."), k=st.get("top_k", 0),
                p=percent(st.get("top_p", 1.0), lang))


def chosen_html(step: Step, lang: str = "en", label: bool = False) -> str:
    """The line that says what a step chose: "→ ` a` (sampled, #3 · p 7.5% · in the draw 6.4%)"; with
    `label`, prefixed by the step ("step 4 →"), as the slide says what was just drawn above the next step."""
    L = lambda key, **values: esc(text(key, lang, **values))  # noqa: E731
    ch, values = step.chosen, _values(step, lang)
    sampled = "" if (step.settings or {}).get("temperature") == 0 else \
        f' · {L("col_final", **values)} {percent(ch.p_final, lang)}'
    head = f'<span class="step-n">{L("step")} {step.index + 1}</span> ' if label else ""
    return (f'<div class="step-chosen{" step-drawn" if label else ""}">{head}→ <code class="tok-text">{esc(ch.token)}'
            f'</code> ({L("how_" + ch.how)}, #{ch.rank} · p {percent(ch.p_raw, lang)}{sampled})</div>')


def slide_html(upcoming: Step | None, done: Step | None, lang: str = "en", reveal: bool = False,
               room: Tally | None = None) -> str:
    """The Probabilities tab's table: the upcoming step (else, at the end, the last one), under a line that
    says what the last step drew. With `reveal` (a step was just taken), the last step's own table, its
    chosen row marked, lies over it for a moment in presentation mode (app.css: it fades out) — the room
    sees the draw in the distribution it came from before the next one.

    `room`: the room's votes on the upcoming step (a `Tally` of present/room.py). While the room guesses what
    the model will pick, the model's numbers stay hidden (`vote_html`); else the table gets the room's column."""
    if upcoming is None and done is None:
        return ""
    live = live_html(upcoming, done, lang, voting=hides_model(room))
    if upcoming is None:
        return live + step_html(done, lang)
    drawn = chosen_html(done, lang, label=True) if done else ""
    over = (f'<div class="step-reveal" aria-hidden="true">{step_html(done, lang, focusable=False)}</div>'
            if reveal and done else "")
    table = vote_html(upcoming, room, lang) if hides_model(room) else step_html(upcoming, lang, room=room)
    return f'{live}<div class="slide">{drawn}{table}{over}</div>'


def spoken(raw: str, shown: str) -> str:
    """A token as a screen reader should say it: its text without the spaces around it (" be" → "be"), or its
    visible form when it is only whitespace ("↵")."""
    return raw.strip() or shown


def live_html(upcoming: Step | None, done: Step | None, lang: str = "en", voting: bool = False) -> str:
    """What a screen reader says after each step, politely, in one short line: the token the last step drew
    (its rank and p), then the next step's most likely candidate — not the whole table. The element comes
    first in the slide's HTML every time: gradio 6's HTML component updates its DOM in place, child by child,
    so this is the same live region from step to step and only its text changes (a new one would not be
    announced). `voting`: the room guesses the next step: it is named, its candidates' numbers are not."""
    said = []
    if done is not None and done.chosen is not None:
        ch = done.chosen
        said.append(text("live_chosen", lang, n=done.index + 1, token=spoken(ch.raw, ch.token),
                         how=text("how_" + ch.how, lang), rank=whole(ch.rank, lang), p=percent(ch.p_raw, lang)))
    if upcoming is not None and voting:
        said.append(text("room_vote_caption", lang, n=upcoming.index + 1) + ".")
    elif upcoming is not None and upcoming.candidates:
        top = upcoming.candidates[0]
        said.append(text("live_next", lang, n=upcoming.index + 1, token=spoken(top.raw, top.token),
                         p=percent(top.p_raw, lang)))
    elif done is not None:
        said.append(text("live_end", lang))
    return (f'<div class="sr-only step-live" role="status" aria-live="polite" aria-atomic="true">'
            f'{esc(" ".join(said))}</div>')


def step_html(step: Step, lang: str = "en", focusable: bool = True, room: Tally | None = None) -> str:
    """The lecture slide for one step: context →, the candidate table (each column on its own base, the
    rest of each column's mass under it), the chosen token (always a row), entropy and tokens kept.

    For screen readers the table is a real one: a caption (out of sight) naming the step, column headers
    (`scope="col"`, the rank's "#" read as "rank"), the others' foot row a row header, the bars hidden (their
    number is in the row), ★ silent before "chosen". The box that scrolls it sideways when it is wider than
    the page (a long token) takes the keyboard's focus, named as the caption (`focusable`; not in the
    presentation's fading copy, which is hidden from screen readers). `room`: the room's votes on this step,
    a column "the room" after the model's (the share of the voters and their number; the room's choice marked)."""
    L = lambda key, **values: esc(text(key, lang, **values))  # noqa: E731
    pct = lambda p: percent(p, lang)  # noqa: E731
    values = _values(step, lang)
    cols = columns(step)
    context = step.context[-200:]
    chosen_id = step.chosen.id if step.chosen else None
    rows, previous = [], 0
    for c in step.candidates:
        if c.rank > previous + 1 and previous:  # the chosen token, ranked below the list
            rows.append(f'<tr class="gap"><td class="num"><span aria-hidden="true">⋮</span><span class="sr-only">'
                        f'{L("rows_skipped")}</span></td><td colspan="{len(cols) + 3}"></td></tr>')
        previous = c.rank
        classes = ([] if c.kept else ["cut"]) + (["chosen"] if c.id == chosen_id else [])
        reason = (f'<span aria-hidden="true">★</span> {L("chosen")}' if c.id == chosen_id
                  else (L(f"cut_{c.cut_by}") if c.cut_by else ""))
        cells = []
        for name, _, _ in cols:
            value = getattr(c, name)
            shown = pct(value) if value is not None else "–"
            cells.append(f'<td class="num col-{name}{" final" if name == "p_final" else ""}">{shown}</td>')
        if room is not None:
            cells.append(room_cell(room, c.id, lang))
        # the bar of what the draw uses, in a column of its own (never over a number)
        # (hidden from screen readers: its number is the row's "sampled from" cell)
        cells.append(f'<td class="barcell"><span class="bar" aria-hidden="true" '
                     f'style="width:{max(0.0, min(1.0, c.p_final)) * 100:.1f}%"></span></td>')
        rows.append(f'<tr class="{" ".join(classes)}"><td class="num">{c.rank}</td>'
                    f'<td><code class="tok-text">{esc(c.token)}</code></td>{"".join(cells)}'
                    f'<td class="reason">{reason}</td></tr>')
    rest = {"p_raw": step.p_other, "p_temperature": step.p_other_temperature, "p_top_k": step.p_other_top_k,
            "p_final": step.p_other_final}
    rest_cells = "".join(f'<td class="num col-{name}">{pct(rest[name]) if name in rest else ""}</td>'
                         for name, _, _ in cols)
    if room is not None:  # the room's foot: who voted
        rest_cells += f'<td class="num col-room">{L("room_voters", n=whole(room.voters, lang))}</td>'
    head = "".join(f'<th scope="col" class="num col-{name}" title="{L(help_key, **values)}">{L(key, **values)}</th>'
                   for name, key, help_key in cols)
    if room is not None:
        head += f'<th scope="col" class="num col-room" title="{L("room_column_help")}">{L("room_column")}</th>'
    legend = " · ".join(f"<span class=\"col-name\">{L(key, **values)}</span>: {L(help_key, **values)}" for _, key, help_key in cols)
    chosen_line = chosen_html(step, lang) if step.chosen else ""
    masked = step.extra.get("masked", 0)
    masked_html = f'<div class="gt-note safe-note">{L("step_masked", n=masked)}</div>' if masked else ""
    caption = L("step_caption", n=step.index + 1)
    scroll = f' tabindex="0" role="region" aria-label="{caption}"' if focusable else ""
    return f"""<div class="step">
<div class="step-head"><span class="step-n">{L('step')} {step.index + 1}</span>
<span class="step-context">{esc(context)}</span>{'' if step.chosen else f' <span class="arrow">→ {L("next")}</span>'}</div>
{chosen_line}
<div class="cands-scroll"{scroll}><table class="cands{' with-room' if room is not None else ''}"><caption class="sr-only">{caption}</caption>
<thead><tr><th scope="col" class="num"><span aria-hidden="true">#</span><span class="sr-only">{L('col_rank')}</span></th>\
<th scope="col">token</th>{head}<td class="barcell"></td>\
<th scope="col" class="reason"><span class="sr-only">{L('col_reason')}</span></th></tr></thead>
<tbody>{''.join(rows)}</tbody>
<tfoot><tr class="rest"><th scope="row" colspan="2" class="rest-label">{L('others')}</th>{rest_cells}<td class="barcell"></td><td></td></tr></tfoot></table></div>
<div class="step-legend">{legend}</div>
<div class="step-foot">{L('entropy')}: {decimal(step.entropy, lang)} bits · {L('kept')}: {whole(step.kept_count, lang)}</div>{masked_html}</div>"""


def hides_model(room: Tally | None) -> bool:
    """Whether the model's numbers stay hidden: the room is guessing what the model will pick, not revealed."""
    return room is not None and room.phase == "voting" and room.mode == "will"


def room_cell(room: Tally, token_id: int, lang: str = "en") -> str:
    """A candidate's cell in the room's column: the share of voters and the number ("42% · 13"), ◆ on the
    room's choice; empty for a token the room could not vote on."""
    if token_id not in room.votes:
        return '<td class="num col-room"></td>'
    mark = (f'<span aria-hidden="true">◆ </span><span class="sr-only">{esc(text("room_choice", lang))}: </span>'
            if room.choice == token_id else "")
    return (f'<td class="num col-room{" room-choice" if room.choice == token_id else ""}">{mark}'
            f'{room_share(room, token_id, lang)}</td>')


def room_share(room: Tally, token_id: int, lang: str = "en") -> str:
    """A candidate's share of the room's voters and their number: "42% · 13" (the number in `.room-n`)."""
    votes = whole(room.votes.get(token_id, 0), lang)
    return f'{percent(room.share(token_id), lang)} <span class="room-n">· {votes}</span>'


def vote_html(step: Step, room: Tally, lang: str = "en") -> str:
    """The upcoming step while the room guesses what the model will pick: the candidates the phones show, in
    the order of the room's votes (then alphabetically: not the model's order, which would tell), each with the
    room's share and a bar; the model's numbers come with the reveal."""
    L = lambda key, **values: esc(text(key, lang, **values))  # noqa: E731
    names = {c.id: c for c in step.candidates}
    voted = sorted((names[i] for i in room.votes if i in names),
                   key=lambda c: (-room.votes.get(c.id, 0), c.token.casefold(), c.id))
    rows = []
    for c in voted:
        rows.append(f'<tr><td><code class="tok-text">{esc(c.token)}</code></td>'
                    f'<td class="num col-room">{room_share(room, c.id, lang)}</td>'
                    f'<td class="barcell"><span class="bar room-bar" aria-hidden="true" '
                    f'style="width:{room.share(c.id) * 100:.1f}%"></span></td></tr>')
    caption = L("room_vote_caption", n=step.index + 1)
    return f"""<div class="step room-vote">
<div class="step-head"><span class="step-n">{L('step')} {step.index + 1}</span>
<span class="step-context">{esc(step.context[-200:])}</span> <span class="arrow">→ ?</span></div>
<div class="room-question">{L('room_will')} <span class="room-hidden">{L('room_hidden')}</span></div>
<div class="cands-scroll" tabindex="0" role="region" aria-label="{caption}"><table class="cands room-votes"><caption class="sr-only">{caption}</caption>
<thead><tr><th scope="col">token</th><th scope="col" class="num col-room">{L('room_column')}</th><td class="barcell"></td></tr></thead>
<tbody>{''.join(rows)}</tbody></table></div>
<div class="step-foot">{L('room_counts', phones=whole(room.phones, lang), voters=whole(room.voters, lang))}</div></div>"""


def rank_bin(rank: int) -> int:
    """1 for rank 1, 2 for ranks 2–10, 3 for 11–100, 4 beyond."""
    return next((b for b, top in enumerate(RANK_BINS, start=1) if rank <= top), len(RANK_BINS) + 1)


def rank_legend_html(lang: str = "en") -> str:
    """The four colours and what they mean, and how to see a token's numbers — the pointer, the keyboard, a
    screen reader (shown in colour mode only: app.css; rank_colour.js moves the keyboard's focus)."""
    L = lambda key, **values: esc(text(key, lang, **values))  # noqa: E731
    swatches = "".join(f'<span class="rk-key"><span class="rk rk{b} rk-swatch"></span>{L(f"rank_bin_{b}")}</span>'
                       for b in range(1, len(RANK_BINS) + 2))
    return (f'<div class="rk-legend"><span class="rk-legend-title">{L("rank_legend")}</span> {swatches}'
            f'<div class="rk-hint">{L("rank_numbers")} {L("rank_hint")}</div></div>')


def ranked_html(prompt: str, pieces: list[str], ranks: list[TokenRank], lang: str = "en", note: str = "",
                end: TokenRank | None = None) -> str:
    """The story as `greentext_html` draws it ('>' lines green, the generated part marked), each generated
    token in a span of class `rk rk1`…`rk rk4` by the rank it had when chosen, with its numbers in a tip
    (drawn on hover or focus) and its rank as words for a screen reader (`rk-sr`, out of sight).

    `pieces` are the continuation's tokens as shown (masked in lecture-safe mode; joined = the text) and
    `ranks` their ranks; `end` the rank of a final <|endoftext|>. The colours, the ↵ of each generated
    newline, the <|endoftext|> mark, the tips and the legend show only in colour mode (the page's
    `body.rank-colour`, see app.css): without it the view looks exactly like `greentext_html`.
    """
    lines: list[tuple[str, list[str]]] = []  # (line text, fragments)
    line_text, plain, gen = "", [], []

    def close_line():
        nonlocal line_text, plain, gen
        body = "".join(plain) + (f'<span class="gt-gen">{"".join(gen)}</span>' if gen else "")
        lines.append((line_text, body))
        line_text, plain, gen = "", [], []

    for i, part in enumerate(prompt.split("\n")):
        if i:
            close_line()
        line_text += part
        plain.append(esc(part))

    def token(piece: str, ranks: list[TokenRank], cls: str = "") -> str:
        """One token's span (or several tokens' that share one character): the colour of the least
        likely, a tip with each one's numbers."""
        tips = "; ".join(text("rank_tip", lang, rank=whole(r.rank, lang), p=small_percent(r.p_raw, lang),
                              p_final=small_percent(r.p_final, lang)) for r in ranks)
        worst = max(r.rank for r in ranks)
        shown = visible(piece) if piece else "↵" if cls == "rk-nl" else EOS
        said = ", ".join(text("rank_sr", lang, rank=whole(r.rank, lang)) for r in ranks)
        return (f'<span class="rk rk{rank_bin(worst)}{" " + cls if cls else ""}" tabindex="-1" '
                f'data-rank="{worst}">{esc(piece)}<span class="rk-tip"><code>{esc(shown)}</code> '
                f'{esc(tips)}</span><span class="rk-sr"> ({esc(said)})</span></span>')

    waiting: list[TokenRank] = []  # tokens that add no text alone (part of a character's bytes)
    for piece, rank in zip(pieces, ranks):
        waiting.append(rank)
        if not piece:
            continue
        for i, part in enumerate(piece.split("\n")):
            if i:  # the newline this token wrote: a ↵ at the end of the line, in the token's colour
                gen.append(token("", waiting, "rk-nl"))
                close_line()
            if part:
                line_text += part
                gen.append(token(part, waiting))
        waiting = []
    if end is not None:
        gen.append(token("", waiting + [end], "rk-end"))
    close_line()
    body = "".join(f'<div class="{"gt-green" if t.startswith(">") else "gt-plain"}">{html or "&nbsp;"}</div>'
                   for t, html in lines)
    note_html = f'<div class="gt-note">{esc(note)}</div>' if note else ""
    return f'{rank_legend_html(lang)}<div class="greentext ranked">{body}</div>{note_html}'


def compare_html(tokens: list[Token], p_a, p_b, biggest: list[int], names: tuple[str, str], lang: str = "en",
                 titles: list[str] | None = None) -> str:
    """A text under two models: where they differ most ("`>` after `↵`: base 3.1% → fine-tuned 96.4%"),
    then every token as a chip with both probabilities, green where B gives it more, orange where A does.

    Two models with different tokenizers are compared per stretch of text: `tokens` are then the stretches
    (id -1) and `titles` each stretch's tip (how each model reads it); the probabilities, often small for a stretch of several tokens, keep two significant digits."""
    L = lambda key: esc(text(key, lang))  # noqa: E731
    spans = titles is not None
    pct = (lambda p: small_percent(float(p), lang)) if spans else (lambda p: percent(float(p), lang))  # noqa: E731
    a, b = (esc(n) for n in names)
    items = []
    for i in biggest:
        where = (f'{L("compare_after")} <code class="tok-text">{esc(tokens[i - 1].token)}</code>' if i
                 else L("compare_start"))
        items.append(f'<li><code class="tok-text">{esc(tokens[i].token)}</code> {where}: '
                     f'{a} <b>{pct(p_a[i])}</b> → {b} <b>{pct(p_b[i])}</b></li>')
    chips = []
    for i, (t, pa, pb) in enumerate(zip(tokens, p_a, p_b)):
        d = float(pb) - float(pa)
        colour = f"rgba(120, 153, 34, {abs(d):.2f})" if d >= 0 else f"rgba(224, 120, 0, {abs(d):.2f})"
        title = esc(titles[i]) if spans else t.id
        chips.append(f'<span class="ctok{" cspan" if spans else ""}" style="background:{colour}" title="{title}">'
                     f'<span class="tok-text">{esc(t.token)}</span>'
                     f'<span class="ctok-p">{pct(pa)} → {pct(pb)}</span></span>')
    return (f'<div class="cmp-top"><div class="cmp-title">{L("compare_differ")}</div><ol>{"".join(items)}'
            f'</ol></div><div class="cmp-legend">{L("compare_legend")}</div><div class="cmp-tokens">{"".join(chips)}</div>')
