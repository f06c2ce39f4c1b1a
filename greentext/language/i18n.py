"""Every word the app shows, in English and Brazilian Portuguese side by side (no gradio here).

    text("generate_tab", "pt")              # "Gerar"
    text("masked_many", "en", n=3)          # "3 words masked — lecture-safe mode"
    lang_of("pt-BR,pt;q=0.9")               # "pt"

`WORDS` maps a key to (English, Portuguese); a test checks that both are there and take the same
`{placeholders}`. The UI builds gradio's `gr.I18n` for its labels from `TABLES`; the HTML views, charts,
CSV headers and notes call `text()` with the page's language.
"""

from __future__ import annotations

from greentext.language.numbers import localized

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
    "download_ready": ("⬇ {name} · {n} steps", "⬇ {name} · {n} passos"),
    "no_steps_yet": ("Nothing to download yet: take a step first (Next step, Greedy step or Run N steps).",
                     "Nada para baixar ainda: dê um passo antes (Próximo passo, Passo guloso ou Rodar N passos)."),
    "tokenization": ("The prompt as tokens (id under each)", "O prompt em tokens (id embaixo de cada)"),
    "text": ("Text", "Texto"),
    "layer": ("Layer", "Camada"),
    "head": ("Head", "Cabeça"),
    "show_attention": ("Show attention", "Mostrar atenção"),
    "model": ("Model", "Modelo"),
    "present": ("Presentation mode", "Modo apresentação"),
    "explain": ("Explain this generation, step by step →", "Explicar esta geração, passo a passo →"),
    "explain_first": ("Generate a story first: then it can be explained step by step.",
                      "Gere uma história primeiro: depois ela pode ser explicada passo a passo."),
    "stopped": ("⏹ stopped", "⏹ parado"),
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
    "bundled_name": ("greentext-tiny (bundled)", "greentext-tiny (incluído no app)"),
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
    # ---- bad input: "{name} must be {allowed} (got {got})" ----
    "invalid": ("{name} must be {allowed} (got {got})", "{name} deve ser {allowed} (recebido: {got})"),
    "param_temperature": ("temperature", "temperatura"),
    "param_seed": ("seed", "semente"),
    "param_max_new_tokens": ("max_new_tokens", "máximo de tokens novos"),
    "param_steps": ("steps", "passos"),
    "param_rank": ("rank", "posição do candidato"),
    "param_layer": ("layer", "camada"),
    "param_top_n": ("top_n", "candidatos mostrados"),
    "allowed_int": ("a whole number from {lo} to {hi}", "um número inteiro de {lo} a {hi}"),
    # ---- the audience link (Share panel) and links that open the app ----
    "share": ("Share", "Compartilhar"),
    "share_close": ("Close", "Fechar"),
    "share_link": ("Link for the audience (copy)", "Link para o público (copiar)"),
    "share_help": ("Scan the code or open the link: the app opens with this prompt, these settings, the seed and "
                   "the {tab} tab.",
                   "Aponte a câmera para o código ou abra o link: o app abre com este prompt, estas configurações, "
                   "a semente e a aba {tab}."),
    "share_qr_alt": ("QR code of the link to this app", "Código QR do link para este app"),
    "share_local_only": ("The audience cannot open this link: the server listens on this computer only. Restart "
                         "with `--host 0.0.0.0` (same network) or `--share` (a public link).",
                         "O público não consegue abrir este link: o servidor só atende neste computador. Reinicie "
                         "com `--host 0.0.0.0` (mesma rede) ou `--share` (um link público)."),
    "share_no_lan": ("This computer's network address was not found (no network?), so this link works on this "
                     "computer only. Connect to the network, or restart with `--share` (a public link).",
                     "O endereço deste computador na rede não foi encontrado (sem rede?), então este link só "
                     "funciona neste computador. Conecte-se à rede, ou reinicie com `--share` (um link público)."),
    "share_lan": ("A local network address: phones must be on the same network (Wi-Fi) as this computer.",
                  "Um endereço da rede local: os celulares precisam estar na mesma rede (Wi-Fi) deste computador."),
    "share_dense": ("The long prompt makes a dense code ({n} × {n} squares): from the back of the room a shorter "
                    "prompt scans more easily.",
                    "O prompt longo gera um código denso ({n} × {n} quadrados): do fundo da sala, um prompt mais "
                    "curto é lido com mais facilidade."),
    "share_too_long": ("The link has {n} characters, more than a QR code holds (about 2,900): copy the link, or "
                       "shorten the prompt.",
                       "O link tem {n} caracteres, mais do que cabe num código QR (cerca de 2.900): copie o link, ou "
                       "encurte o prompt."),
    "link_title": ("This link", "Este link"),
    "link_refused": ("The link's {name}={value} was not used: {name} must be {allowed}. The default is kept.",
                     "O {name}={value} do link não foi usado: {name} deve ser {allowed}. O valor padrão foi "
                     "mantido."),
    "link_prompt_refused": ("The link's prompt was not used: it has a control character ({code}) at character {at}; "
                            "a prompt must be {allowed}. The default is kept.",
                            "O prompt do link não foi usado: ele tem um caractere de controle ({code}) na posição "
                            "{at}; um prompt deve ser {allowed}. O valor padrão foi mantido."),
    "link_prompt_cut": ("The link's prompt has {n} characters: only its first {max} are used (the app's limit).",
                        "O prompt do link tem {n} caracteres: só os primeiros {max} são usados (o limite do app)."),
    "allowed_prompt": ("text without control characters (tabs and newlines are fine)",
                       "texto sem caracteres de controle (tabulações e quebras de linha podem)"),
    "allowed_temperature": ("0 (greedy) or a number from {lo} to {hi}", "0 (guloso) ou um número de {lo} a {hi}"),
    "allowed_top_k": ("a whole number from 0 (off) to {hi}", "um número inteiro de 0 (desligado) a {hi}"),
    "allowed_top_p": ("a number greater than 0 and at most 1 (1 = off)",
                      "um número maior que 0 e no máximo 1 (1 = desligado)"),
    "allowed_seed": ("empty (random) or a whole number from 0 to {hi}",
                     "vazia (aleatória) ou um número inteiro de 0 a {hi}"),
    "allowed_context": ("a whole number from 1 to {hi} for this model (context {context})",
                        "um número inteiro de 1 a {hi} para este modelo (contexto de {context})"),
    "allowed_text": ("text", "texto"),
    "allowed_prompt_length": ("at most {n:,} characters (of a longer text the model reads only the last tokens its "
                              "context holds: 512 for the bundled model)",
                              "no máximo {n:,} caracteres (de um texto mais longo o modelo lê só os últimos tokens que "
                              "cabem no seu contexto: 512 no modelo incluído)"),
    "allowed_control": ("valid text without control characters (tabs and newlines are fine)",
                        "texto válido sem caracteres de controle (tabulações e quebras de linha podem)"),
    "allowed_pick": ("exactly one of token_id or rank", "exatamente um de token_id ou rank"),
    "walk_finished_eos": ("The story is finished: the model wrote <|endoftext|> after {n} tokens. Undo or reset to "
                          "go on.",
                          "A história terminou: o modelo escreveu <|endoftext|> depois de {n} tokens. Desfaça ou "
                          "recomece para continuar."),
    "walk_finished_length": ("The story is finished: it reached its {n} new tokens (Max new tokens). Undo or reset "
                             "to go on.",
                             "A história terminou: chegou aos {n} tokens novos (Máximo de tokens novos). Desfaça ou "
                             "recomece para continuar."),
    "allowed_top_p_slider": ("a number from {lo} to {hi} (this page's slider)",
                             "um número de {lo} a {hi} (o controle desta página)"),
    "allowed_max_new_tokens": ("a whole number from 1 to {hi}", "um número inteiro de 1 a {hi}"),
    "allowed_seed": ("empty (random) or a whole number from 0 to {hi}",
                     "vazia (aleatória) ou um número inteiro de 0 a {hi}"),
    "allowed_tab": ("{tabs} or {last}", "{tabs} ou {last}"),
    # ---- a link that replays the Probabilities tab's steps (walk=, present/walk_link.py) ----
    "share_walk": ("The link also replays the {n} steps on the screen (picks and changes of settings included): "
                   "phones open at the same step, with every step's table.",
                   "O link também refaz os {n} passos da tela (escolhas e mudanças de configuração incluídas): os "
                   "celulares abrem no mesmo passo, com a tabela de cada passo."),
    "share_walk_too_long": ("The {n} steps are not in the link: with them it would have {chars:,} characters, and a QR "
                            "code that scans from the back of the room holds {max:,}. The link has the prompt, "
                            "settings and seed: phones start at the first step. Fewer steps, picks or changes of "
                            "settings, or a shorter prompt, make the steps fit.",
                            "Os {n} passos não estão no link: com eles, ele teria {chars:,} caracteres, e um código QR "
                            "que se lê do fundo da sala comporta {max:,}. O link tem o prompt, as configurações e a "
                            "semente: os celulares começam no primeiro passo. Menos passos, escolhas ou mudanças de "
                            "configuração, ou um prompt mais curto, fazem os passos caberem."),
    "link_walk_refused": ("The link's steps (walk) were not used: {why} The rest of the link is: the Probabilities "
                          "tab starts at the prompt.",
                          "Os passos do link (walk) não foram usados: {why} O resto do link foi usado: a aba "
                          "Probabilidades começa no prompt."),
    "walk_link_version": ("they were written by another version of this app ({version}; this one reads {known}).",
                          "foram escritos por outra versão deste app ({version}; esta lê {known})."),
    "walk_link_format": ("they cannot be read from character {at} of walk on (the link may have been cut or "
                         "mistyped).",
                         "não dá para lê-los a partir do caractere {at} de walk (o link pode ter sido cortado ou "
                         "digitado errado)."),
    "walk_link_long": ("walk has {n:,} characters, more than the {max:,} a link's steps can have.",
                       "walk tem {n:,} caracteres, mais do que os {max:,} que os passos de um link podem ter."),
    "walk_link_value": ("{name}={value} before step {step} is not allowed: {name} must be {allowed}.",
                        "{name}={value} antes do passo {step} não é permitido: {name} deve ser {allowed}."),
    "walk_link_pick": ("step {step} picks token {id}, and this model's tokens go from 0 to {hi}.",
                       "o passo {step} escolhe o token {id}, e os tokens deste modelo vão de 0 a {hi}."),
    "walk_link_steps": ("they are {n} steps, more than the link's max_new_tokens ({max}).",
                        "são {n} passos, mais do que o max_new_tokens do link ({max})."),
    "walk_link_needs": ("they need the link's {names} (missing or not used).",
                        "eles precisam de {names} do link (ausentes ou não usados)."),
    "walk_link_replay": ("this server's model writes other tokens for them: it is not the model the link was made "
                         "with.",
                         "o modelo deste servidor escreve outros tokens para eles: não é o modelo com que o link foi "
                         "feito."),
    "walk_link_ended": ("the story ends after {n} tokens, before their last step: this server's model is not the "
                        "model the link was made with.",
                        "a história termina depois de {n} tokens, antes do último passo deles: o modelo deste "
                        "servidor não é o modelo com que o link foi feito."),
    # ---- the story coloured by rank (Generate tab) ----
    "colour_by_rank": ("Colour each token by its rank", "Colorir cada token pela posição no ranking"),
    "colour_info": ("How likely each token was when the model chose it, as in GLTR: tap or hover one for its numbers",
                    "O quanto cada token era provável quando o modelo o escolheu, como no GLTR: toque ou passe o "
                    "mouse num token para ver os números"),
    "rank_legend": ("Rank of each token among the model's options when it was chosen:",
                    "Posição de cada token entre as opções do modelo quando foi escolhido:"),
    "rank_bin_1": ("#1 (its top choice)", "1º (a opção favorita)"),
    "rank_bin_2": ("#2–10", "2º–10º"),
    "rank_bin_3": ("#11–100", "11º–100º"),
    "rank_bin_4": ("beyond #100", "além do 100º"),
    "rank_hint": ("Temperature 0: every token is #1; the higher it is, the more come from further down. p = the "
                  "model's probability (T = 1), then the one it was drawn with (after T, top-k, top-p).",
                  "Temperatura 0: todo token é o 1º; quanto mais alta, mais tokens vêm de baixo na lista. p = a "
                  "probabilidade do modelo (T = 1), depois aquela com que foi sorteado (após T, top-k, top-p)."),
    "rank_numbers": ("Each token's rank and p: hover or tap it, or Tab into the story and move with ← → (a screen "
                     "reader says each token's rank after it).",
                     "O lugar no ranking e o p de cada token: passe o mouse ou toque nele, ou use Tab até a "
                     "história e mova com ← → (um leitor de tela diz o lugar de cada token depois dele)."),
    "rank_sr": ("rank {rank}", "{rank}º"),
    "rank_tip": ("rank {rank} · p = {p} · after T, top-k, top-p: {p_final}",
                 "posição {rank} · p = {p} · após T, top-k, top-p: {p_final}"),
    # ---- the step table (Probabilities tab) ----
    "col_p": ("p (T=1)", "p (T=1)"),
    "col_p_help": ("the model's own probability", "a probabilidade do próprio modelo"),
    "col_t": ("T={t}", "T={t}"),
    "col_t_help": ("after temperature {t}", "após a temperatura {t}"),
    "col_greedy": ("T=0", "T=0"),
    "col_greedy_help": ("greedy: all on #1", "guloso: tudo no 1º"),
    "col_k": ("top-k {k}", "top-k {k}"),
    "col_k_help": ("after T and top-k, renormalised over the {k} kept", "após T e top-k, renormalizada entre os {k} mantidos"),
    "col_final": ("sampled from", "no sorteio"),
    "col_final_help": ("after top-k and top-p, renormalised over the tokens kept: what the draw uses",
                       "após top-k e top-p, renormalizada entre os tokens mantidos: o que o sorteio usa"),
    "col_sum": ("Σ", "Σ"),
    "col_sum_help_k": ("running total of the top-k column: top-p keeps tokens until it reaches {p}",
                       "soma acumulada da coluna top-k: o top-p mantém tokens até chegar a {p}"),
    "col_sum_help": ("running total of the T column: top-p keeps tokens until it reaches {p}",
                     "soma acumulada da coluna T: o top-p mantém tokens até chegar a {p}"),
    "step_caption": ("Step {n}: the candidates for the next token", "Passo {n}: os candidatos para o próximo token"),
    "col_rank": ("rank", "posição"),
    "col_reason": ("chosen or cut", "escolhido ou fora"),
    "rows_skipped": ("ranks in between not listed", "posições intermediárias não listadas"),
    "live_chosen": ("Step {n} drew “{token}” ({how}, rank {rank}, p {p}).",
                    "O passo {n} tirou “{token}” ({how}, posição {rank}, p {p})."),
    "live_next": ("Step {n}: most likely “{token}”, p {p}.", "Passo {n}: o mais provável é “{token}”, p {p}."),
    "live_end": ("The story is complete.", "A história está completa."),
    "chosen": ("chosen", "escolhido"),
    "others": ("all other tokens", "todos os outros tokens"),
    "entropy": ("entropy", "entropia"),
    "kept": ("tokens kept", "tokens mantidos"),
    "cut_top_k": ("cut (top-k)", "fora (top-k)"),
    "cut_top_p": ("cut (top-p)", "fora (top-p)"),
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
    "csv_chosen": ("chosen (p, T=1)", "escolhido (p, T=1)"),
    "csv_rank": ("#{n} (p, T=1)", "{n}º (p, T=1)"),
    "csv_others": ("others (p, T=1)", "outros (p, T=1)"),
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
    "window_earlier": ("⋯ {n} earlier", "⋯ {n} anteriores"),
    "window_note": ("Tokens {a}–{b} of {n}: a window of the text, so its lines fit one screen (the slider under "
                    "it moves it). The heatmap shows the whole text.",
                    "Tokens {a}–{b} de {n}: uma janela do texto, para as linhas caberem numa tela (o controle logo abaixo "
                    "dela a move). O mapa de calor mostra o texto inteiro."),
    "window_before": ("\u201c⋯ {n} earlier\u201d receives what these tokens give to all the tokens before the window.",
                      "\u201c⋯ {n} anteriores\u201d recebe o que estes tokens dão a todos os tokens antes da janela."),
    "window": ("Head view: first token of the window", "Visão por cabeça: primeiro token da janela"),
    "too_long": ("{n} tokens: the bertviz views draw up to {max} tokens (GPT-2's context). The heatmap shows them all.",
                 "{n} tokens: as visões do bertviz desenham até {max} tokens (o contexto do GPT-2). O mapa de calor "
                 "mostra todos."),
    "no_stream": ("This browser cannot inflate the data (no DecompressionStream).",
                  "Este navegador não consegue descompactar os dados (sem DecompressionStream)."),
    "no_libs": ("d3 or jQuery did not load.", "O d3 ou o jQuery não carregou."),
    # ---- the logit lens (Probabilities tab, /logit_lens) ----
    "lens_title": ("Logit lens: what each layer would predict", "Lente de logits: o que cada camada preveria"),
    "lens_help": ("If the model stopped after a layer, what would it say next? Each row reads that layer's output "
                  "through the model's last two steps (the final layer norm and the output layer), at T = 1. The last "
                  "row is the model's own prediction: the **p (T=1)** column above. The slider picks any token of "
                  "the text; it follows the step.",
                  "Se o modelo parasse depois de uma camada, o que ele diria em seguida? Cada linha lê a saída daquela "
                  "camada pelos dois últimos passos do modelo (a normalização final e a camada de saída), com T = 1. A "
                  "última linha é a previsão do próprio modelo: a coluna **p (T=1)** acima. O controle escolhe "
                  "qualquer token do texto; ele acompanha o passo."),
    "lens_position": ("Token of the text (its row predicts the one after it)",
                      "Token do texto (a linha prevê o que vem depois dele)"),
    "lens_top": ("Tokens per layer", "Tokens por camada"),
    "lens_after": ("After token {i} of {n}", "Depois do token {i} de {n}"),
    "lens_next_text": ("next in the text", "o seguinte no texto"),
    "lens_next_model": ("the text ends here: the model's first choice", "o texto acaba aqui: a primeira escolha do modelo"),
    "lens_layer": ("layer", "camada"),
    "lens_output": ("output", "saída"),
    "lens_rank": ("rank · p", "posição · p"),
    "lens_legend": ("Layer 0 is the first block. Each row's tokens are its most likely next tokens; the tracked token "
                    "is framed where it appears.",
                    "A camada 0 é o primeiro bloco. Os tokens de cada linha são os próximos tokens mais prováveis dela; "
                    "o token acompanhado aparece com moldura."),
    "lens_unsupported": ("The logit lens needs the model's final norm and output layer, as found for GPT-2, "
                         "GPT-Neo/J/NeoX, Llama, Qwen, Mistral, Gemma and Phi; this model ('{model}') has none "
                         "that gives its own predictions.",
                         "A lente de logits precisa da normalização final e da camada de saída do modelo, como "
                         "nos modelos GPT-2, GPT-Neo/J/NeoX, Llama, Qwen, Mistral, Gemma e Phi; este modelo "
                         "('{model}') não tem nenhuma que dê as próprias previsões dele."),
    "param_position": ("position", "posição"),
    # ---- the Compare tab: two checkpoints side by side ----
    "compare_tab": ("Compare", "Comparar"),
    "model_a": ("Model A", "Modelo A"),
    "model_b": ("Model B", "Modelo B"),
    "compare_generate": ("Generate with both", "Gerar com os dois"),
    "compare_intro": ("The same prompt, settings and seed through two checkpoints: each story is exactly what that "
                      "model writes alone. Below, every token's probability under both.",
                      "O mesmo prompt, as mesmas configurações e a mesma semente em dois checkpoints: cada história é "
                      "exatamente o que aquele modelo escreve sozinho. Abaixo, a probabilidade de cada token nos dois."),
    "compare_status": ("seed **{seed}** · A: {n_a} tokens · B: {n_b} tokens · {device} ({dtype})",
                       "semente **{seed}** · A: {n_a} tokens · B: {n_b} tokens · {device} ({dtype})"),
    "compare_text": ("Text to score (a story above, or type one)", "Texto para avaliar (uma história acima, ou digite um)"),
    "compare_use_a": ("Score A's story", "Avaliar a história do A"),
    "compare_use_b": ("Score B's story", "Avaliar a história do B"),
    "compare_score": ("Score this text", "Avaliar este texto"),
    "compare_first": ("Generate with both first: then each story can be scored.",
                      "Gere com os dois primeiro: depois cada história pode ser avaliada."),
    "compare_help": ("Each token's probability under both models, given the text before it (the first token given "
                     "<|endoftext|>, the start of a document).",
                     "A probabilidade de cada token nos dois modelos, dado o texto antes dele (o primeiro dado "
                     "<|endoftext|>, o início de um documento)."),
    "compare_differ": ("Where they differ most", "Onde eles mais diferem"),
    "compare_after": ("after", "depois de"),
    "compare_start": ("at the start", "no início"),
    "compare_legend": ("green: more likely under B · orange: more likely under A",
                       "verde: mais provável no B · laranja: mais provável no A"),
    "compare_empty": ("Type a text, or generate and score a story, to see each token's probability under both "
                      "models.",
                      "Digite um texto, ou gere e avalie uma história, para ver a probabilidade de cada token nos "
                      "dois modelos."),
    "compare_chart": ("Each token's probability under A and B", "Probabilidade de cada token no A e no B"),
    "compare_diff": ("B − A", "B − A"),
    "name_base": ("base", "base"),
    "name_tuned": ("fine-tuned", "ajustado"),
    "compare_facts": ("{layers} layers · {heads} heads · {hidden} wide · context {context}",
                      "{layers} camadas · {heads} cabeças · largura {hidden} · contexto {context}"),
    "compare_panel": ("**Compare tab**: A = `{a}` ({a_facts}), B = `{b}` ({b_facts}). A second model loads on first "
                      "use, once, for everyone; at most {keep} stay loaded besides this one.",
                      "**Aba Comparar**: A = `{a}` ({a_facts}), B = `{b}` ({b_facts}). Um segundo modelo é carregado "
                      "no primeiro uso, uma vez, para todos; no máximo {keep} ficam carregados além deste."),
    "compare_unknown": ("{name} is not one of the checkpoints this app offers (those under assets/ and runs/ and "
                        "those named with --compare): choose one from the list.",
                        "{name} não é um dos checkpoints que este app oferece (os de assets/ e runs/ e os indicados "
                        "com --compare): escolha um da lista."),
    "compare_load": ("Checkpoint {name} could not be loaded: {error}",
                     "O checkpoint {name} não pôde ser carregado: {error}"),
    "compare_missing": ("Checkpoint {name} was not found: no such directory.",
                        "O checkpoint {name} não foi encontrado: a pasta não existe."),
    "compare_not_checkpoint": ("{name} is not a checkpoint: a checkpoint folder holds config.json, the weights "
                               "(model.safetensors) and the tokenizer, as `python -m greentext.training.train` writes them.",
                               "{name} não é um checkpoint: a pasta de um checkpoint tem config.json, os pesos "
                               "(model.safetensors) e o tokenizador, como `python -m greentext.training.train` os grava."),
}



# The preset buttons' names; decode/presets.py adds each one's values ("Balanced · T 0.8 · top-k 50 · top-p 0.95").
WORDS.update({"preset_name_greedy": ("Greedy", "Guloso"), "preset_name_balanced": ("Balanced", "Equilibrado"),
              "preset_name_creative": ("Creative", "Criativo"), "preset_name_chaos": ("Chaos", "Caos"),
              "preset_off": ("off", "desligado")})

# The Compare tab across two tokenizers (greentext/probes/compare.py's span_probabilities, ui/compare.py): one block.
WORDS.update({
    "compare_spans_note": ("Different tokenizers: {a} reads this text as {n_a} tokens, {b} as {n_b}. They are compared "
                           "per stretch of text where both models' tokens line up ({n} stretches); each p is the "
                           "model's probability of that stretch (the product of its tokens' probabilities), given "
                           "the text before it.",
                           "Tokenizadores diferentes: {a} lê este texto como {n_a} tokens, {b} como {n_b}. Eles são "
                           "comparados por trecho de texto em que os tokens dos dois modelos se alinham ({n} "
                           "trechos); cada p é a probabilidade daquele trecho no modelo (o produto das "
                           "probabilidades dos seus tokens), dado o texto antes dele."),
    "compare_spans_truncated": ("The text is longer than a model's context: its first {k} characters are read as "
                                "context only, not compared.",
                                "O texto é maior que o contexto de um modelo: os primeiros {k} caracteres são lidos "
                                "só como contexto, não comparados."),
    "compare_spans_none": ("No stretch of this text lines up between the two models' tokens within their contexts.",
                           "Nenhum trecho deste texto se alinha entre os tokens dos dois modelos dentro dos seus "
                           "contextos."),
    "compare_spans_chart": ("Each stretch's probability under A and B", "Probabilidade de cada trecho no A e no B"),
    "compare_spans_tip": ("{side} reads it as {tokens}", "{side} o lê como {tokens}"),
    "compare_unaligned": ("A model's tokenizer gives no character offsets and its tokens do not spell this text "
                          "back, so they cannot be lined up with the other model's tokens.",
                          "O tokenizador de um dos modelos não dá as posições dos caracteres e seus tokens não "
                          "reescrevem este texto, então eles não podem ser alinhados com os tokens do outro modelo."),
})

# A chat model's template around the prompt (ui/chat.py, model/chat.py).
WORDS.update({
    "chat_template": ("Chat template", "Modelo de chat"),
    "chat_template_info": ("Wrap the prompt in this model's chat template (the user's turn, then the answer's "
                           "start): the table shows exactly the tokens the model reads",
                           "Envolver o prompt no modelo de chat deste modelo (a vez do usuário, depois o início da "
                           "resposta): a tabela mostra exatamente os tokens que o modelo lê"),
})

# Choosing a model in the app (greentext/model/catalog.py, the model panel in ui/layout.py): one block.
WORDS.update({
    "catalog_title": ("Models on this computer", "Modelos neste computador"),
    "catalog_head": ("| | Model | What | Size |\n|---|---|---|---|",
                     "| | Modelo | O que é | Tamanho |\n|---|---|---|---|"),
    "catalog_kind_bundled": ("bundled", "incluído no app"),
    "catalog_kind_local": ("local checkpoint", "checkpoint local"),
    "catalog_kind_hub": ("hub cache", "cache do hub"),
    "catalog_in_use": ("in use", "em uso"),
    "catalog_parameters": ("{n} parameters", "{n} parâmetros"),
    "catalog_empty": ("No other model was found (assets/, runs/ or the Hugging Face hub cache).",
                      "Nenhum outro modelo foi encontrado (assets/, runs/ ou o cache do Hugging Face hub)."),
    "catalog_off": ("Switching models is off. To switch from here, start the app with `--allow-model-switch` (or "
                    "`GREENTEXT_MODEL_SWITCH=1`) and open it on the computer that runs it.",
                    "A troca de modelo está desligada. Para trocar por aqui, inicie o app com `--allow-model-switch` "
                    "(ou `GREENTEXT_MODEL_SWITCH=1`) e abra-o no computador que o executa."),
    "catalog_on": ("Only the presenter switches, from the computer that runs the app: every tab and every user then "
                   "uses the new model.",
                   "Só quem apresenta troca, no computador que executa o app: todas as abas e todos os usuários "
                   "passam a usar o novo modelo."),
    "catalog_choice": ("Model to load", "Modelo a carregar"),
    "catalog_load": ("Load this model", "Carregar este modelo"),
    "catalog_refresh": ("Look again", "Procurar de novo"),
    "switch_not_presenter": ("Only the presenter can switch the model, from the computer that runs the app. Nothing "
                             "was changed.",
                             "Só quem apresenta pode trocar o modelo, no computador que executa o app. Nada foi "
                             "alterado."),
    "switch_off": ("Switching models is off: start the app with --allow-model-switch.",
                   "A troca de modelo está desligada: inicie o app com --allow-model-switch."),
    "switch_unknown": ("“{name}” is not in the list: look again.", "“{name}” não está na lista: procure de novo."),
    "switch_same": ("{name} is the model in use already.", "{name} já é o modelo em uso."),
    "switch_busy": ("A model is loading already ({name}): wait until it is ready.",
                    "Um modelo já está carregando ({name}): espere ele ficar pronto."),
    "switch_too_large": ("{name} was not loaded: it needs about {need} of memory ({dtype} on {device}, with a margin), "
                         "and only {free} is free. The current model keeps serving.",
                         "{name} não foi carregado: ele precisa de cerca de {need} de memória ({dtype} em {device}, "
                         "com margem), e só há {free} livres. O modelo atual continua servindo."),
    "switch_loading": ("⏳ Loading **{name}** (about {need} of memory)… the current model keeps serving until it is "
                       "ready.",
                       "⏳ Carregando **{name}** (cerca de {need} de memória)… o modelo atual continua servindo até ele "
                       "ficar pronto."),
    "switch_done": ("✅ Now serving **{name}** (loaded in {seconds} s): every tab and every user uses it.",
                    "✅ Agora servindo **{name}** (carregado em {seconds} s): todas as abas e todos os usuários o "
                    "usam."),
    "switch_failed": ("❌ {name} could not be loaded; {current} keeps serving. {error}",
                      "❌ Não foi possível carregar {name}; {current} continua servindo. {error}"),
    "switch_walk_fresh": ("The app's model changed to {name}: this walk starts again from the prompt on it.",
                          "O modelo do app mudou para {name}: este passo a passo recomeça do prompt com ele."),
})

# The room votes (greentext/present/room.py, ui/room.py, the phone page static/room.*): one block.
WORDS.update({
    # refusals, each a RoomError's reason (the phone page shows them; the presenter's toasts too)
    "room_unknown": ("No room with this code: it was closed or has expired. Check the code on the screen.",
                     "Não há sala com este código: ela foi fechada ou expirou. Confira o código na tela."),
    "room_full": ("This room is full ({n} phones).", "Esta sala está cheia ({n} celulares)."),
    "rooms_full": ("{n} rooms are open, the most this server keeps: close one, or wait for one to expire.",
                   "Há {n} salas abertas, o máximo deste servidor: feche uma ou espere uma expirar."),
    "room_stale": ("That vote was for step {step}; the vote now is on step {now}.",
                   "Esse voto era do passo {step}; a votação agora é do passo {now}."),
    "room_revealed": ("The votes are closed: the presenter has revealed the result.",
                      "A votação está encerrada: o apresentador já revelou o resultado."),
    "room_not_voting": ("No vote is open: wait for the next step.", "Não há votação aberta: espere o próximo passo."),
    "room_bad_token": ("That token is not one of this step's candidates.",
                       "Esse token não é um dos candidatos deste passo."),
    "room_bad_phone": ("This page's id is not valid: reload the page.", "O id desta página não é válido: recarregue a página."),
    "room_bad_mode": ("A room's question is will or should (got {mode}).",
                      "A pergunta de uma sala é will ou should (veio {mode})."),
    "room_slow_down": ("Too many taps: try again in {wait} s.", "Toques demais: tente de novo em {wait} s."),
    # the phone page
    "room_title": ("Room {code}", "Sala {code}"),
    "room_will": ("What will the model pick?", "O que o modelo vai escolher?"),
    "room_should": ("What should the model pick?", "O que o modelo deveria escolher?"),
    "room_tap": ("Tap a token. You can change your vote until the presenter reveals.",
                 "Toque num token. Dá para mudar o voto até o apresentador revelar."),
    "room_step": ("Step {n}", "Passo {n}"),
    "room_waiting": ("Waiting for the next step…", "Esperando o próximo passo…"),
    "room_your_vote": ("your vote", "seu voto"),
    "room_sending": ("sending…", "enviando…"),
    "room_closed_votes": ("Votes closed: the room's result", "Votação encerrada: o resultado da sala"),
    "room_votes_one": ("1 vote", "1 voto"),
    "room_votes_many": ("{n} votes", "{n} votos"),
    "room_model_p": ("model {p}", "modelo {p}"),
    "room_draw_p": ("in the draw {p}", "no sorteio {p}"),
    "room_choice": ("the room's choice", "escolha da sala"),
    "room_picked_model": ("The model picked {token}", "O modelo escolheu {token}"),
    "room_picked_room": ("The presenter took the room's choice: {token}", "O apresentador usou a escolha da sala: {token}"),
    "room_picked_presenter": ("The presenter picked {token}", "O apresentador escolheu {token}"),
    "room_by_model": ("the model's draw", "sorteio do modelo"),
    "room_by_room": ("the room's choice", "escolha da sala"),
    "room_by_presenter": ("the presenter's pick", "escolha do apresentador"),
    "room_last_right": ("Last step: {token}. You got it!", "Último passo: {token}. Você acertou!"),
    "room_last_wrong": ("Last step: {token} (your vote: {vote})", "Último passo: {token} (seu voto: {vote})"),
    "room_last": ("Last step: {token}", "Último passo: {token}"),
    "room_offline": ("No connection: trying again…", "Sem conexão: tentando de novo…"),
    "room_code": ("Room code", "Código da sala"),
    "room_join": ("Enter", "Entrar"),
    "room_join_help": ("Type the room code shown on the screen.", "Digite o código da sala que aparece na tela."),
    # the projector (the Probabilities tab)
    "room_open": ("Open a room (phones vote)", "Abrir uma sala (celulares votam)"),
    "room_close": ("Close the room", "Fechar a sala"),
    "room_reveal": ("Reveal the votes", "Revelar os votos"),
    "room_take": ("Take the room's choice", "Usar a escolha da sala"),
    "room_column": ("the room", "a sala"),
    "room_column_help": ("The share of the room's votes on each candidate, and their number",
                         "A parcela dos votos da sala em cada candidato, e quantos"),
    "room_voters": ("{n} voted", "{n} votaram"),
    "room_vote_caption": ("The room's votes on step {n}", "Os votos da sala no passo {n}"),
    "room_hidden": ("(the model's numbers after the reveal)", "(os números do modelo depois da revelação)"),
    "room_should_mode": ("Ask “what should it pick?” (the model's numbers stay on screen)",
                         "Perguntar “o que deveria escolher?” (os números do modelo ficam na tela)"),
    "room_no_votes": ("No votes yet: the room's choice needs at least one vote.",
                      "Ainda não há votos: a escolha da sala precisa de pelo menos um voto."),
    "room_gone": ("The room {code} has closed (it expired or was closed): open a new one.",
                  "A sala {code} foi fechada (expirou ou foi fechada): abra uma nova."),
    "room_keys": ("Room: **V** reveal the votes · **C** take the room's choice",
                  "Sala: **V** revela os votos · **C** usa a escolha da sala"),
    "room_counts": ("{phones} phones · {voters} votes", "{phones} celulares · {voters} votos"),
    "room_scan": ("Scan the code or open the link, then tap a token: room {code}",
                  "Leia o código ou abra o link e toque num token: sala {code}"),
    "room_qr_alt": ("QR code of the room's link", "Código QR do link da sala"),
})

# Lessons: a presenter's deck of slides checked against the model (greentext/present/lessons.py): one block.
WORDS.update({
    "lesson": ("Lesson", "Aula"),
    "lesson_slide": ("Slide {n} of {total}", "Slide {n} de {total}"),
    "param_lesson": ("lesson", "aula"),
    "param_slide": ("slide", "slide"),
    # a lesson file that cannot be used: "{name}" is the field's path, e.g. slides[3].settings.temperature
    "lesson_missing": ("{name} is missing", "{name} está faltando"),
    "lesson_unknown": ("{name} is not a field here (the fields: {known})",
                       "{name} não é um campo aqui (os campos: {known})"),
    "lesson_empty": ("{name} is empty", "{name} está vazio"),
    "lesson_too_long": ("{name} has {n:,} characters; at most {max:,} are allowed",
                        "{name} tem {n:,} caracteres; o máximo permitido é {max:,}"),
    "lesson_placeholder": ("{name}: {field} is not a placeholder (the placeholders: {known})",
                           "{name}: {field} não é um marcador (os marcadores: {known})"),
    "lesson_syntax": ("{name} cannot be read: {error}", "{name} não pode ser lido: {error}"),
    "lesson_file_size": ("{name} has {n:,} bytes; a lesson file has at most {max:,}",
                         "{name} tem {n:,} bytes; um arquivo de aula tem no máximo {max:,}"),
    "lesson_duplicate": ("Two lessons are named {name}: {a} and {b}.", "Duas aulas se chamam {name}: {a} e {b}."),
    "lesson_an_object": ("an object with named fields", "um objeto com campos nomeados"),
    "lesson_a_list": ("a list of {lo} to {hi} items", "uma lista de {lo} a {hi} itens"),
    "lesson_a_number": ("a number", "um número"),
    "lesson_a_flag": ("true or false", "true ou false"),
    "lesson_range": ("a number from {lo} to {hi}", "um número de {lo} a {hi}"),
    "lesson_one_of": ("one of: {choices}", "um destes: {choices}"),
    "lesson_name": ("lower-case letters, digits and hyphens (e.g. next-token)",
                    "letras minúsculas, dígitos e hífens (por exemplo proximo-token)"),
    "lesson_move": ('"sample", "greedy" or "pick:N" (N from 1 to {hi}: the candidate\'s rank)',
                    '"sample", "greedy" ou "pick:N" (N de 1 a {hi}: a posição do candidato)'),
    "lesson_more_than": ("more than its {n} moves", "maior que os seus {n} movimentos"),
    "lesson_plain": ("{text}", "{text}"),
    # a lesson that no longer holds for the model (its claims, checked on the slide's upcoming step)
    "lesson_claim_failed": ("{path} = {expected} no longer holds: the model gives {measured}",
                            "{path} = {expected} não vale mais: o modelo dá {measured}"),
    "lesson_unreachable": ("{path}: its moves do not reach its step: {error}",
                           "{path}: os movimentos não chegam ao passo do slide: {error}"),
    "lesson_yes": ("yes", "sim"),
    "lesson_no": ("no", "não"),
})

# The lesson bar on the Probabilities tab (ui/lesson_panel.py) and a link's lesson=/slide= (present/share.py):
# one block, with "keys" (the tab's key hint: the lesson's keys are clicker keys too).
WORDS.update({
    "keys": ("Keys: **→**/**PageDown** next step · **G** greedy · **←**/**PageUp** undo · **R** reset · in a lesson "
             "**PageDown**/**PageUp** (**N**/**P**) change slides",
             "Teclas: **→**/**PageDown** próximo passo · **G** guloso · **←**/**PageUp** desfazer · **R** recomeçar · "
             "numa aula **PageDown**/**PageUp** (**N**/**P**) trocam o slide"),
    "lesson_choice": ("{title} · {stories}", "{title} · {stories}"),
    "lesson_stories_en": ("English stories", "histórias em inglês"),
    "lesson_stories_pt": ("Portuguese stories", "histórias em português"),
    "lesson_prev": ("◀ Previous slide", "◀ Slide anterior"),
    "lesson_next": ("Next slide ▶", "Próximo slide ▶"),
    "lesson_leave": ("✕ Leave the lesson", "✕ Sair da aula"),
    "lesson_first": ("This is the lesson's first slide.", "Este é o primeiro slide da aula."),
    "lesson_last": ("This is the lesson's last slide ({n} of {n}). ✕ Leave the lesson to go on freely.",
                    "Este é o último slide da aula ({n} de {n}). ✕ Sair da aula para continuar livremente."),
    "lesson_none_open": ("No lesson is open: choose one under Lesson.",
                         "Nenhuma aula está aberta: escolha uma em Aula."),
    "link_lesson_refused": ("The link's lesson={value} was not used: lesson must be one of: {choices}. The page opens "
                            "without a lesson.",
                            "O lesson={value} do link não foi usado: lesson deve ser um destes: {choices}. A página "
                            "abre sem aula."),
    "link_slide_refused": ("The link's slide={value} was not used: slide must be a whole number from 1 to {n} "
                           "(the lesson {lesson} has {n} slides). The lesson opens at slide 1.",
                           "O slide={value} do link não foi usado: slide deve ser um número inteiro de 1 a {n} (a "
                           "aula {lesson} tem {n} slides). A aula abre no slide 1."),
    "share_lesson": ("The link opens the lesson “{title}” at slide {n} of {total}: phones see the same slide, with "
                     "its note.",
                     "O link abre a aula “{title}” no slide {n} de {total}: os celulares veem o mesmo slide, com a "
                     "sua nota."),
})

TABLES: dict[str, dict[str, str]] = {lang: {key: pair[i] for key, pair in WORDS.items()}
                                     for i, lang in enumerate(LANGS)}


def lang_of(accept_language: str | None) -> str:
    """'pt' for Portuguese browsers (an Accept-Language starting with pt), else 'en'."""
    return "pt" if (accept_language or "").lower().lstrip().startswith("pt") else "en"


def text(key: str, lang: str = "en", **values) -> str:
    """The words for `key` in `lang` (English for an unknown language), with `values` filled in."""
    words = TABLES.get(lang, TABLES["en"])[key]
    return words.format(**localized(values, lang)) if values else words


def both(key: str, **values) -> str:
    """"English / Português": for messages sent where the page's language is not known (error toasts)."""
    return " / ".join(text(key, lang, **values) for lang in LANGS)
