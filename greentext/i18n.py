"""Every word the app shows, in English and Brazilian Portuguese side by side (no gradio here).

    text("generate_tab", "pt")              # "Gerar"
    text("masked_many", "en", n=3)          # "3 words masked — lecture-safe mode"
    lang_of("pt-BR,pt;q=0.9")               # "pt"

`WORDS` maps a key to (English, Portuguese); a test checks that both are there and take the same
`{placeholders}`. The UI builds gradio's `gr.I18n` for its labels from `TABLES`; the HTML views, charts,
CSV headers and notes call `text()` with the page's language.
"""

from __future__ import annotations

LANGS = ("en", "pt")  # pt = Brazilian Portuguese (browsers asking for pt or pt-BR)

WORDS: dict[str, tuple[str, str]] = {
    # ---- tabs and controls (gradio labels) ----
    "generate_tab": ("Generate", "Gerar"),
    "probabilities_tab": ("Probabilities", "Probabilidades"),
    "attention_tab": ("Attention", "Atenção"),
    "prompt": ("Prompt", "Prompt"),
    "temperature": ("Temperature (0 = greedy)", "Temperatura (0 = guloso)"),
    "top_k": ("Top-k (0 = off)", "Top-k (0 = desligado)"),
    "top_p": ("Top-p (1 = off)", "Top-p (1 = desligado)"),
    "max_new_tokens": ("Max new tokens", "Máximo de tokens novos"),
    "seed": ("Seed (empty = random)", "Semente (vazia = aleatória)"),
    "generate": ("Generate", "Gerar"),
    "stop": ("Stop", "Parar"),
    "output": ("Greentext", "Greentext"),
    "plain": ("Plain text (copy)", "Texto puro (copiar)"),
    "top_n": ("Candidates shown", "Candidatos mostrados"),
    "steps": ("Steps", "Passos"),
    "sample_step": ("Next step (sample)", "Próximo passo (sortear)"),
    "greedy_step": ("Greedy step", "Passo guloso"),
    "pick": ("Pick this candidate", "Escolher este candidato"),
    "pick_rank": ("Candidate rank", "Posição do candidato"),
    "undo": ("Undo", "Desfazer"),
    "reset": ("Reset", "Recomeçar"),
    "run_steps": ("Run N steps", "Rodar N passos"),
    "csv": ("Download all steps (CSV)", "Baixar todos os passos (CSV)"),
    "slides": ("Slide-ready CSV", "CSV para slides"),
    "tokenization": ("The prompt as tokens (id under each)", "O prompt em tokens (id embaixo de cada)"),
    "text": ("Text", "Texto"),
    "layer": ("Layer", "Camada"),
    "head": ("Head", "Cabeça"),
    "show_attention": ("Show attention", "Mostrar atenção"),
    "model": ("Model", "Modelo"),
    "big": ("Projector mode (large type)", "Modo projetor (letra grande)"),
    "examples": ("Examples", "Exemplos"),
    "head_view": ("Head view (bertviz)", "Visão por cabeça (bertviz)"),
    "model_view": ("Model view (bertviz)", "Visão do modelo (bertviz)"),
    "about_bundled": (
        "A small GPT-2 made for this demo in two phases, as in the project's report: **pretrained on general "
        "English** (freely licensed text from Debian packages), then **fine-tuned on greentexts** written for the "
        "project. It runs offline and has none of GPT-2's own pretrained knowledge.",
        "Um GPT-2 pequeno feito para esta demonstração em duas fases, como no relatório do projeto: **pré-treinado "
        "em inglês geral** (textos de licença livre de pacotes Debian) e depois **ajustado (fine-tuning) em "
        "greentexts** escritos para o projeto. Roda offline e não tem o conhecimento pré-treinado do GPT-2 original."),
    "model_card": ("Model card (data, training, measured quality)", "Ficha do modelo (dados, treino, qualidade medida)"),
    "safe_on": (
        "🛡️ **Lecture-safe mode: on** · profanity and slurs (English, Portuguese) are shown as ████; the "
        "probabilities stay the model's own (`--safe-mode off` to turn off)",
        "🛡️ **Modo seguro para aula: ligado** · palavrões e ofensas (inglês, português) aparecem como ████; as "
        "probabilidades continuam as do modelo (`--safe-mode off` para desligar)"),
    "safe_off": ("⚠️ **Lecture-safe mode: off** · the model's words are shown unfiltered",
                 "⚠️ **Modo seguro para aula: desligado** · as palavras do modelo aparecem sem filtro"),
    # ---- the model panel (in the page's language, written when the page loads) ----
    "model_line": ("**{name}** · {parameters:,} parameters · {layers} layers · {heads} heads · context {context} · "
                   "vocabulary {vocab_size:,} · {device} · {dtype}",
                   "**{name}** · {parameters:,} parâmetros · {layers} camadas · {heads} cabeças · contexto {context} · "
                   "vocabulário {vocab_size:,} · {device} · {dtype}"),
    # ---- status lines and notes ----
    "generate_status": ("seed **{seed}** · {n} tokens · {tps:.1f} tokens/s · {device} ({dtype})",
                        "semente **{seed}** · {n} tokens · {tps:.1f} tokens/s · {device} ({dtype})"),
    "walk_status": ("seed **{seed}** · {n}/{max} tokens", "semente **{seed}** · {n}/{max} tokens"),
    "time_note": ("Stopped at the time limit of {s:g} s per request.",
                  "Parou no limite de tempo de {s:g} s por pedido."),
    "truncated_note": ("The text is longer than the context: its first {k} tokens were dropped.",
                       "O texto é maior que o contexto: os primeiros {k} tokens foram descartados."),
    "prompt_empty": ("The prompt is empty, so the model starts from <|endoftext|> (the start of a document).",
                     "O prompt está vazio, então o modelo começa de <|endoftext|> (o início de um documento)."),
    "prompt_cut": ("The prompt is {n} tokens long; the first {k} were dropped to leave room for {new} new tokens "
                   "in the {context}-token context.",
                   "O prompt tem {n} tokens; os primeiros {k} foram descartados para caber {new} tokens novos no "
                   "contexto de {context} tokens."),
    "masked_one": ("1 word masked — lecture-safe mode", "1 palavra mascarada — modo seguro para aula"),
    "masked_many": ("{n} words masked — lecture-safe mode", "{n} palavras mascaradas — modo seguro para aula"),
    # ---- errors (toasts carry both languages: an error path has no page language) ----
    "busy": ("The model is busy: too many requests at once. Try again in a few seconds.",
             "O modelo está ocupado: pedidos demais ao mesmo tempo. Tente de novo em alguns segundos."),
    "out_of_memory": ("The model ran out of memory on {device} for this request: try a shorter prompt or fewer new "
                      "tokens. The server is still running.",
                      "O modelo ficou sem memória ({device}) neste pedido: tente um prompt menor ou menos tokens "
                      "novos. O servidor continua no ar."),
    "rate_limited": ("Too many requests: at most {requests} every {seconds:g} s per client; try again in {wait} s.",
                     "Muitos pedidos: no máximo {requests} a cada {seconds:g} s por cliente; tente de novo em "
                     "{wait} s."),
    # ---- the step table (Probabilities tab) ----
    "col_p_temp": ("after T", "após T"),
    "col_p_final": ("after top-k/top-p", "após top-k/top-p"),
    "col_cumulative": ("cumulative", "acumulada"),
    "chosen": ("chosen", "escolhido"),
    "others": ("all other tokens", "todos os outros tokens"),
    "entropy": ("entropy", "entropia"),
    "kept": ("tokens kept", "tokens mantidos"),
    "cut_top_k": ("cut by top-k", "cortado pelo top-k"),
    "cut_top_p": ("cut by top-p", "cortado pelo top-p"),
    "cut_greedy": ("greedy: only #1", "guloso: só o 1º"),
    "step": ("step", "passo"),
    "step_title": ("Step {n}", "Passo {n}"),
    "next": ("next token?", "próximo token?"),
    "how_sampled": ("sampled", "sorteado"),
    "how_greedy": ("greedy", "guloso"),
    "how_picked": ("picked by hand", "escolhido à mão"),
    "step_masked": ("{n} masked — lecture-safe mode (the probabilities are the model's own)",
                    "{n} mascarado(s) — modo seguro para aula (as probabilidades são as do modelo)"),
    # ---- the slide-ready CSV's header ----
    "csv_step": ("step", "passo"),
    "csv_context": ("context", "contexto"),
    "csv_chosen": ("chosen", "escolhido"),
    "csv_rank": ("#{n}", "{n}º"),
    "csv_others": ("others", "outros"),
    "csv_entropy": ("entropy (bits)", "entropia (bits)"),
    # ---- the Attention tab and its bertviz views ----
    "average": ("average", "média"),
    "heatmap_average": ("layer {layer} · average of heads", "camada {layer} · média das cabeças"),
    "heatmap_head": ("layer {layer} · head {head}", "camada {layer} · cabeça {head}"),
    "head_title": ("Head view · layer {layer}", "Visão por cabeça · camada {layer}"),
    "model_title": ("Model view · every layer and head", "Visão do modelo · todas as camadas e cabeças"),
    "head_help": ("Hover a token: lines show where it looks (one colour per head; click a colour to toggle a head, "
                  "double-click to show only it).",
                  "Passe o mouse num token: as linhas mostram para onde ele olha (uma cor por cabeça; clique numa cor "
                  "para ligar/desligar a cabeça, clique duplo para ver só ela)."),
    "legend_prompt": ("prompt", "prompt"),
    "legend_gen": ("generated", "gerado"),
    "shift": ("The row of a token is what the model looked at while reading it, to choose the next one: to see what "
              "it looked at when it wrote a word, hover the token before it.",
              "A linha de um token é o que o modelo olhou ao lê-lo, para escolher o próximo: para ver o que ele olhou "
              "ao escrever uma palavra, passe o mouse no token anterior."),
    "model_help": ("Click a thumbnail for the detail.", "Clique numa miniatura para ver o detalhe."),
    "heads_axis": ("Heads", "Cabeças"),
    "layers_axis": ("Layers", "Camadas"),
    "detail_heading": ("Layer {layer}, head {head}", "Camada {layer}, cabeça {head}"),
    "pooled": ("{n} tokens drawn as {m} blocks of about {k} tokens each (labels: token numbers).",
               "{n} tokens desenhados como {m} blocos de cerca de {k} tokens (rótulos: números dos tokens)."),
    "lazy": ("{n} tokens × {heads} heads = {lines:,} lines: too many to draw at once, so the lines of the token "
             "under the pointer are drawn.",
             "{n} tokens × {heads} cabeças = {lines:,} linhas: demais para desenhar de uma vez, então são desenhadas "
             "as linhas do token sob o mouse."),
    "too_long": ("{n} tokens: the bertviz views draw up to {max} tokens (GPT-2's context). The heatmap shows them all.",
                 "{n} tokens: as visões do bertviz desenham até {max} tokens (o contexto do GPT-2). O mapa de calor "
                 "mostra todos."),
    "no_stream": ("This browser cannot inflate the data (no DecompressionStream).",
                  "Este navegador não consegue descompactar os dados (sem DecompressionStream)."),
    "no_libs": ("d3 or jQuery did not load.", "O d3 ou o jQuery não carregou."),
}

TABLES: dict[str, dict[str, str]] = {lang: {key: pair[i] for key, pair in WORDS.items()}
                                     for i, lang in enumerate(LANGS)}


def lang_of(accept_language: str | None) -> str:
    """'pt' for Portuguese browsers (an Accept-Language starting with pt), else 'en'."""
    return "pt" if (accept_language or "").lower().lstrip().startswith("pt") else "en"


def text(key: str, lang: str = "en", **values) -> str:
    """The words for `key` in `lang` (English for an unknown language), with `values` filled in."""
    words = TABLES.get(lang, TABLES["en"])[key]
    return words.format(**values) if values else words


def both(key: str, **values) -> str:
    """"English / Português": for messages sent where the page's language is not known (error toasts)."""
    return " / ".join(text(key, lang, **values) for lang in LANGS)
