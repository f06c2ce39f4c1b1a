"""Writing briefs: what each batch of new training text must be about, and the checks a batch must pass.

    python -m greentext.training.briefs story 17          # batch 17's brief: a topic, then per story a narrator,
                                                 # a place, three everyday words and an ending kind
    python -m greentext.training.briefs prose 5           # prose batch 5's brief (plain stories and dialogues)
    python -m greentext.training.briefs check FILE …      # rules, required words, variety, near-duplicates
    python -m greentext.training.briefs report            # the variety of every batch written so far
    python -m greentext.training.briefs freeze            # every greentext batch that passes: into training + validation
    python -m greentext.training.briefs summary           # stories and prose written, by language, in GPT-2 tokens

The recipe is TinyStories' (Eldan & Li, 2023): many short, simple stories whose content is forced to
vary by drawing, for every story, its ingredients from lists, so no two batches read alike. A brief is
a seeded draw (batch N always gets the same brief); 3 batches in 10 are in Brazilian Portuguese, about
Brazilian everyday life (`language_of`).

Batches are written into `assets/corpus/batches/` (greentexts, `s0017.jsonl`) and
`assets/corpus/prose/` (plain prose, `p0005.jsonl`); `python -m greentext.training.greentexts freeze` moves
greentext batches into the training and frozen validation files.
"""

from __future__ import annotations

import json
import random
import re
import sys
import unicodedata
from dataclasses import asdict, dataclass
from pathlib import Path
from greentext.paths import PROSE_BATCHES, ROOT, STORY_BATCHES
from greentext.training.languages import is_portuguese
STORIES_PER_BATCH = 40
PROSE_PER_BATCH = 12
ENDINGS = ("twist", "wholesome", "deadpan")

TOPICS_EN = [
    "school", "university", "exams", "lectures", "programming", "computers", "internet", "ai", "cooking",
    "food", "family", "pets", "work", "commuting", "errands", "home", "games", "sports", "hobbies", "travel",
    "science", "nature", "holidays", "objects", "weather", "music", "shopping", "neighbours", "gardening",
    "birthdays", "doctors and dentists", "moving house", "friends", "libraries", "museums", "the beach",
    "trains", "phones", "first jobs", "grandparents", "siblings", "the gym", "cinema", "camping", "art class",
]
TOPICS_PT = [
    "escola", "faculdade", "vestibular", "família", "aniversário", "futebol", "padaria", "ônibus",
    "trabalho", "feira", "praia", "festa junina", "churrasco", "almoço de domingo", "condomínio",
    "vizinhos", "supermercado", "cachorro", "gato", "avós", "primos", "férias", "chuva", "metrô",
    "celular", "grupo da família", "mercadinho", "carnaval na escola", "academia", "banco",
]
NARRATORS_EN = [
    "me", "me, 12 years old", "me, 8", "me, a student", "me, a new teacher", "me, a bus driver", "me, a baker",
    "me, a nurse", "me, a programmer", "me, a librarian", "me, a grandma", "me, a grandpa", "me, a dad",
    "me, a mum", "me, the oldest sibling", "me, the youngest sibling", "me, a cat", "me, a dog",
    "me, a toaster", "me, a houseplant", "me, a robot vacuum", "me, an intern", "me, a waiter",
    "me, a tourist", "me, a lifeguard", "me, a gardener", "me, a chess player", "me, a goalkeeper",
    "me, a night-shift guard", "me, a new neighbour", "me, a museum guide", "me, a delivery rider",
    "me, a chef", "me, a science teacher", "me, a mail carrier", "me, a retired engineer", "me, 16",
    "me, a first-year student", "me, a tired parent", "me, a shop cashier", "me, a pigeon", "me, a calculator",
]
NARRATORS_PT = [
    "eu", "eu, 10 anos", "eu, 15 anos", "eu, estudante", "eu, professor novo", "eu, motorista de ônibus",
    "eu, padeiro", "eu, enfermeira", "eu, programador", "eu, vovó", "eu, vovô", "eu, pai", "eu, mãe",
    "eu, irmão mais velho", "eu, irmã caçula", "eu, gato", "eu, cachorro", "eu, liquidificador",
    "eu, estagiário", "eu, garçom", "eu, goleiro", "eu, porteiro", "eu, vizinho novo", "eu, feirante",
    "eu, caixa do mercado", "eu, entregador", "eu, calouro", "eu, tia do grupo da família", "eu, síndico",
    "eu, papagaio", "eu, sanfoneiro", "eu, torcedor",
]
PLACES_EN = [
    "a kitchen", "a classroom", "a lecture hall", "a library", "a bus", "a train", "an office", "a supermarket",
    "a bakery", "a park", "a beach", "a garden", "a football pitch", "a gym", "a hospital waiting room",
    "a dentist's chair", "an airport", "a hotel", "a campsite", "a museum", "a cinema", "a laundrette",
    "a post office", "a lift", "a bathroom", "a living room", "a bedroom", "a garage", "a rooftop",
    "a school canteen", "a science lab", "a computer lab", "a bike lane", "a farm", "a zoo", "a pet shop",
    "a bank queue", "a car", "a ferry", "a mountain trail", "a swimming pool", "a corner shop",
    "a train station", "a birthday party", "a wedding reception", "a family dinner", "a video call",
    "a group chat", "a hardware store", "a bookshop",
]
PLACES_PT = [
    "a cozinha", "a sala de aula", "o ônibus", "o metrô", "a padaria", "a feira", "o supermercado", "a praia",
    "o campinho", "a quadra da escola", "o estádio", "a casa da vó", "o churrasco", "a festa junina",
    "o quintal", "a varanda", "o elevador do prédio", "a portaria", "o posto de saúde", "o dentista",
    "a fila do banco", "a lotérica", "o shopping", "a rodoviária", "a sala de estar", "o quarto",
    "a biblioteca", "o escritório", "a reunião online", "o grupo da família", "a pracinha", "o sítio",
    "a lanchonete", "o salão de festas", "a escola", "a faculdade", "o cursinho", "a loja de R$ 1,99",
]
WORDS_EN = """
umbrella spoon sock kettle ladder pencil stapler blanket pillow sandwich banana toast cereal jam honey
carrot potato onion tomato lemon orange cookie cake muffin pancake noodles soup rice pizza sausage egg
cheese butter milk juice tea coffee water bottle cup plate fork knife bowl pan oven fridge microwave
toaster blender sink tap mop bucket broom towel soap shampoo toothbrush mirror door window key lock
chair table sofa lamp clock calendar notebook eraser ruler backpack laptop keyboard mouse printer
charger cable battery phone headphones speaker remote television radio camera ticket wallet coin receipt
envelope stamp letter parcel box tape glue scissors string rope bicycle helmet scooter skateboard
ball kite balloon candle button zipper jacket scarf hat glove boot sandal shirt trousers pyjamas
umbrella raincoat puddle cloud thunder snow wind sun rainbow leaf tree flower seed cactus grass
mushroom pebble shell sand wave boat bridge tunnel elevator staircase escalator bench fountain statue
pigeon duck goose frog snail ant bee spider goldfish hamster parrot rabbit turtle horse cow sheep
chicken owl fox squirrel map compass tent torch sleeping bag marshmallow guitar piano drum violin
trumpet song playlist podcast puzzle chess dice cards trophy medal whistle referee goal penalty
homework exam quiz essay deadline teacher principal janitor lunchbox recess timetable spreadsheet
meeting email password printer elevator badge coffee machine sticky note calculator graph robot
satellite telescope magnet battery volcano dinosaur fossil rocket planet moon comet microscope
recipe grandma grandpa cousin uncle aunt neighbour baby twins birthday present wrapping paper
invitation party hat confetti photo album postcard souvenir suitcase passport queue
""".split()
WORDS_PT = """
guarda-chuva colher meia chaleira escada lápis grampeador cobertor travesseiro sanduíche banana
pão de queijo brigadeiro coxinha pastel açaí tapioca farofa feijão arroz mandioca caldo de cana
guaraná suco café leite biscoito bolo pudim paçoca pipoca sorvete picolé melancia manga goiaba
laranja limão abacaxi panela geladeira fogão micro-ondas liquidificador pia torneira vassoura
rodo balde toalha sabonete xampu escova de dente espelho porta janela chave cadeado cadeira mesa
sofá abajur relógio calendário caderno borracha régua mochila notebook teclado impressora
carregador fone controle remoto televisão rádio câmera bilhete carteira moeda troco nota fiscal
envelope carta encomenda caixa fita durex cola tesoura barbante bicicleta capacete patinete bola
pipa balão vela botão jaqueta boné chinelo camiseta bermuda pijama capa de chuva poça nuvem trovão
vento sol arco-íris folha árvore flor semente cacto grama pedrinha concha areia onda barco ponte
elevador escada rolante banco praça estátua pombo pato sapo caramujo formiga abelha aranha peixinho
hamster papagaio coelho tartaruga cavalo vaca galinha coruja mapa barraca lanterna violão pandeiro
cavaquinho tambor música playlist quebra-cabeça xadrez dominó baralho troféu medalha apito juiz
gol pênalti escanteio dever de casa prova redação recreio lancheira uniforme professora diretora
merendeira planilha reunião senha crachá boleto fila senha do wi-fi figurinha álbum de figurinhas
camisa do time churrasqueira picanha linguiça vinagrete parabéns vela de aniversário língua de sogra
salgadinho docinho convite chapéu de festa foto porta-retratos cartão-postal lembrancinha mala
passaporte guarda-sol cadeira de praia protetor solar milho quentão pé de moleque bandeirinha
quadrilha fogueira cuscuz requeijão marmita vale-transporte catraca cobrador ponto de ônibus
""".split("\n")


def _PT_ITEMS(line: str) -> list[str]:
    """Items of a Portuguese word line: single words, and the multi-word names listed in MULTI_PT."""
    text = f" {line.strip()} "
    items = []
    for multi in MULTI_PT:
        if f" {multi} " in text:
            items.append(multi)
            text = text.replace(f" {multi} ", " ")
    return items + text.split()


MULTI_PT = [
    "pão de queijo", "caldo de cana", "escova de dente", "controle remoto", "nota fiscal", "capa de chuva",
    "escada rolante", "dever de casa", "senha do wi-fi", "álbum de figurinhas", "camisa do time",
    "vela de aniversário", "língua de sogra", "chapéu de festa", "cadeira de praia", "protetor solar",
    "pé de moleque", "ponto de ônibus",
]
PT_WORDS = sorted({w for line in WORDS_PT for w in _PT_ITEMS(line) if w})
EN_WORDS = sorted(set(WORDS_EN) | {"sleeping bag", "coffee machine", "sticky note", "photo album",
                                   "wrapping paper", "party hat"})

PROSE_KINDS = ("story", "dialogue")
NAMES_EN = ["Ana", "Ben", "Chloe", "Dev", "Ella", "Finn", "Grace", "Hugo", "Isla", "Jack", "Kai", "Lena",
            "Maya", "Noah", "Omar", "Priya", "Quinn", "Rosa", "Sam", "Tom", "Uma", "Vic", "Will", "Zoe",
            "Mr Patel", "Mrs Green", "Grandpa Joe", "Aunt Lily"]
NAMES_PT = ["Ana", "Bruno", "Camila", "Davi", "Eduarda", "Felipe", "Gabi", "Heitor", "Isabela", "João",
            "Larissa", "Lucas", "Mariana", "Nicolas", "Otávio", "Paula", "Rafael", "Sofia", "Thiago",
            "Vitória", "dona Cida", "seu Zé", "vó Neide", "tio Beto"]


def language_of(batch: int) -> str:
    """3 batches in 10 are in Brazilian Portuguese (batches 3, 6, 9 of every ten, counting from 0)."""
    return "pt-BR" if batch % 10 in (3, 6, 9) else "en"


@dataclass(frozen=True)
class StoryBrief:
    narrator: str
    place: str
    words: tuple[str, str, str]
    ending: str


@dataclass(frozen=True)
class Brief:
    kind: str  # "story" (greentexts) or "prose"
    batch: int
    language: str
    topic: str
    items: tuple  # StoryBrief per greentext; for prose also the kind (story / dialogue) and two names

    @property
    def path(self) -> Path:
        folder, prefix = (STORY_BATCHES, "s") if self.kind == "story" else (PROSE_BATCHES, "p")
        return folder / f"{prefix}{self.batch:04d}.jsonl"

    def id(self, i: int) -> str:
        return f"{'s' if self.kind == 'story' else 'p'}{self.batch:04d}-{i + 1:02d}"


@dataclass(frozen=True)
class ProseBrief:
    form: str  # story or dialogue
    names: tuple[str, str]
    place: str
    words: tuple[str, str, str]
    ending: str


def story_brief(batch: int) -> Brief:
    """Greentext batch `batch`: one topic; per story a narrator, a place, three words, an ending kind."""
    rng = random.Random(f"story-{batch}")
    pt = language_of(batch) == "pt-BR"
    topic = rng.choice(TOPICS_PT if pt else TOPICS_EN)
    narrators, places, words = (NARRATORS_PT, PLACES_PT, PT_WORDS) if pt else (NARRATORS_EN, PLACES_EN, EN_WORDS)
    items = tuple(StoryBrief(rng.choice(narrators), rng.choice(places), tuple(rng.sample(words, 3)),
                             ENDINGS[(batch + i) % 3]) for i in range(STORIES_PER_BATCH))
    return Brief("story", batch, language_of(batch), topic, items)


def prose_brief(batch: int) -> Brief:
    """Prose batch `batch`: plain everyday stories and dialogues (not greentext), 250–450 words each."""
    rng = random.Random(f"prose-{batch}")
    pt = language_of(batch) == "pt-BR"
    topic = rng.choice(TOPICS_PT if pt else TOPICS_EN)
    names, places, words = (NAMES_PT, PLACES_PT, PT_WORDS) if pt else (NAMES_EN, PLACES_EN, EN_WORDS)
    items = tuple(ProseBrief(PROSE_KINDS[i % 2], tuple(rng.sample(names, 2)), rng.choice(places),
                             tuple(rng.sample(words, 3)), ENDINGS[(batch + i) % 3])
                  for i in range(PROSE_PER_BATCH))
    return Brief("prose", batch, language_of(batch), topic, items)


def show(brief: Brief) -> str:
    """The brief as a writer reads it."""
    lang = "Brazilian Portuguese" if brief.language == "pt-BR" else "English"
    if brief.kind == "story":
        head = [f"Greentext batch {brief.batch}: {STORIES_PER_BATCH} stories in {lang}, topic '{brief.topic}'.",
                f"Write them to {brief.path.relative_to(ROOT)}, one JSON object per line: "
                f'{{"id": "{brief.id(0)}", "topic": "{brief.topic}", "text": "title\\n>be me\\n>…"}}',
                "Each story: a title line, then 5–14 lines starting with '>'; the narrator line first "
                f"('>{'ser eu' if brief.language == 'pt-BR' else 'be me'}…', with the narrator below); it must use the "
                "three words (any form) and end the way its ending kind says.", ""]
        rows = [f"{brief.id(i)}  narrator: {s.narrator} | place: {s.place} | words: {', '.join(s.words)} | "
                f"ending: {s.ending}" for i, s in enumerate(brief.items)]
    else:
        head = [f"Prose batch {brief.batch}: {PROSE_PER_BATCH} pieces in {lang}, topic '{brief.topic}'.",
                f"Write them to {brief.path.relative_to(ROOT)}, one JSON object per line: "
                f'{{"id": "{brief.id(0)}", "lang": "{brief.language}", "form": "story", "text": "…"}}',
                "Each piece: 250–450 words of plain, simple prose (not greentext), paragraphs separated by a "
                "blank line; a dialogue is mostly quoted speech between the two people.", ""]
        rows = [f"{brief.id(i)}  form: {p.form} | people: {' and '.join(p.names)} | place: {p.place} | "
                f"words: {', '.join(p.words)} | ending: {p.ending}" for i, p in enumerate(brief.items)]
    return "\n".join(head + rows)


# --- checks -------------------------------------------------------------------------------------
def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def uses_word(text: str, word: str) -> bool:
    """True when `text` uses `word` in some form: each of its words' stem (all but the last two letters of
    a long word) appears, ignoring case and accents ("pães" does not count for "pão"; "umbrellas" does)."""
    folded = _fold(text)
    parts = _fold(word).replace("-", " ").split()
    return all((p if len(p) <= 4 else p[: max(4, len(p) - 2)]) in folded for p in parts)


_WORDS = re.compile(r"[^\W\d_]+(?:['-][^\W\d_]+)*")


def opening(line: str) -> str:
    """A line's opening: its first two words, folded ("" for the narrator line)."""
    words = _WORDS.findall(_fold(line.lstrip(">")))
    return " ".join(words[:2])


@dataclass(frozen=True)
class Variety:
    stories: int
    openings: float  # distinct line openings (first two words) / lines, narrator lines left out
    words: float  # distinct words / words (type-token ratio over the batch)
    distinct_words: int

    def problems(self, floor: "Variety") -> list[str]:
        found = []
        if self.openings < floor.openings:
            found.append(f"lines start too alike: {self.openings:.2f} distinct openings per line "
                         f"(at least {floor.openings:.2f}); vary how lines begin")
        if self.words < floor.words:
            found.append(f"too few distinct words: {self.words:.3f} per word (at least {floor.words:.3f}); "
                         f"vary the vocabulary")
        return found


def variety(texts: list[str]) -> Variety:
    lines = [line for t in texts for line in t.split("\n")[2:] if line.startswith(">")]  # after title + narrator
    words = [w for t in texts for w in _WORDS.findall(_fold(t))]
    return Variety(len(texts), len({opening(line) for line in lines}) / max(1, len(lines)),
                   len(set(words)) / max(1, len(words)), len(set(words)))


# The floor a batch of 40 greentexts must reach: the 5th percentile of 200 random 40-story samples,
# each within one topic, of the 3,453 stories written before (measured by `python -m greentext.training.briefs floor`; see assets/corpus/README.md).
FLOOR = Variety(STORIES_PER_BATCH, openings=0.845, words=0.335, distinct_words=0)


def measure_floor(samples: int = 200, seed: int = 0) -> Variety:
    from greentext.training.greentexts import TRAIN, VAL, read

    by_topic: dict[str, list[str]] = {}
    for s in read(TRAIN) + read(VAL):
        by_topic.setdefault(s["topic"], []).append(s["text"])
    topics = sorted(t for t, texts in by_topic.items() if len(texts) >= STORIES_PER_BATCH)
    rng = random.Random(seed)  # a batch has one topic, so the floor is measured within one topic too
    found = [variety(rng.sample(by_topic[rng.choice(topics)], STORIES_PER_BATCH)) for _ in range(samples)]
    pick = lambda xs: sorted(xs)[len(xs) // 20]  # noqa: E731 — the 5th percentile
    return Variety(STORIES_PER_BATCH, round(pick([v.openings for v in found]), 3),
                   round(pick([v.words for v in found]), 3), 0)


def batch_of(path: Path) -> int:
    match = re.fullmatch(r"[sp](\d{4})\.jsonl", path.name)
    if not match:
        raise ValueError(f"{path.name}: a batch file is named sNNNN.jsonl (greentexts) or pNNNN.jsonl (prose)")
    return int(match.group(1))


def _read_batch(path: Path, size: int, noun: str, items: list[dict] | None = None) -> tuple[list[dict] | None, list[str]]:
    """(the batch's items — `items` when the caller already read them — or None when the file is not JSON
    lines; the problems found so far)."""
    from greentext.training.greentexts import read

    if items is None:
        try:
            items = read(path)
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            return None, [f"{path.name}: not JSON lines ({err})"]
    return items, [] if len(items) == size else [f"{path.name}: {len(items)} {noun} (a batch has {size})"]


def _text_problems(brief, i: int, text: str, words, must_read_portuguese: bool = True) -> list[str]:
    """What the briefs ask of every text, story or prose: lecture-safe, the item's words used, the language."""
    found = []
    if words.spans(text):
        found.append("has a word on the lecture-safe lists")
    if i < len(brief.items):
        missing = [w for w in brief.items[i].words if not uses_word(text, w)]
        if missing:
            found.append(f"does not use {', '.join(missing)}")
    if brief.language == "pt-BR" and must_read_portuguese and not is_portuguese(text):
        found.append("does not read as Portuguese (the batch is in pt-BR)")
    return found


def check_story_batch(path: Path, near_duplicates: bool = True, stories: list[dict] | None = None) -> list[str]:
    """Everything wrong with a greentext batch file (empty when it can be frozen); `stories`: the file, already read."""
    from greentext.present.safety import WordFilter
    from greentext.training.dedup import NearDuplicates
    from greentext.training.greentexts import format_problems

    brief = story_brief(batch_of(path))
    stories, found = _read_batch(path, STORIES_PER_BATCH, "stories", stories)
    if stories is None:
        return found
    words = WordFilter.default()
    for i, s in enumerate(stories):
        sid = s.get("id", f"line {i + 1}")
        found += [f"{sid}: {p}" for p in format_problems(s)]
        if s.get("id") != brief.id(i):
            found.append(f"{sid}: id should be {brief.id(i)}")
        if s.get("topic") != brief.topic:
            found.append(f"{sid}: topic should be {brief.topic!r}")
        text = s.get("text", "")
        found += [f"{sid}: {p}" for p in _text_problems(brief, i, text, words, must_read_portuguese="\n" in text)]
    found += [f"{path.name}: {p}" for p in variety([s.get("text", "") for s in stories]).problems(FLOOR)]
    if near_duplicates:
        found += [f"{a} and {b}: near-duplicates ({why})"
                  for a, b, why in NearDuplicates.default(exclude=path).check(stories)]
    return found


def check_prose_batch(path: Path) -> list[str]:
    """Everything wrong with a prose batch file (empty when it is done)."""
    from greentext.present.safety import WordFilter
    from greentext.training.dedup import NearDuplicates

    brief = prose_brief(batch_of(path))
    pieces, found = _read_batch(path, PROSE_PER_BATCH, "pieces")
    if pieces is None:
        return found
    words = WordFilter.default()
    for i, p in enumerate(pieces):
        pid = p.get("id", f"line {i + 1}")
        if set(p) != {"id", "lang", "form", "text"}:
            found.append(f"{pid}: keys must be id, lang, form, text (got {sorted(p)})")
            continue
        if p["id"] != brief.id(i) or p["lang"] != brief.language:
            found.append(f"{pid}: id should be {brief.id(i)} and lang {brief.language}")
        text = p["text"]
        n = len(_WORDS.findall(text))
        if not 200 <= n <= 550:
            found.append(f"{pid}: {n} words (write 250–450)")
        if text.lstrip().startswith(">") or "\n>" in text:
            found.append(f"{pid}: prose, not greentext: no lines starting with '>'")
        found += [f"{pid}: {problem}" for problem in _text_problems(brief, i, text, words)]
    v = variety([p.get("text", "") for p in pieces])
    if v.words < 0.25:
        found.append(f"{path.name}: too few distinct words ({v.words:.3f} per word, at least 0.25)")
    found += [f"{a} and {b}: near-duplicates ({why})"
              for a, b, why in NearDuplicates.for_prose(exclude=path).check(pieces)]
    return found


def check(path: Path) -> list[str]:
    return check_story_batch(path) if path.name.startswith("s") else check_prose_batch(path)


def report() -> list[dict]:
    rows = []
    for path in sorted(STORY_BATCHES.glob("s*.jsonl")) + sorted(PROSE_BATCHES.glob("p*.jsonl")):
        from greentext.training.greentexts import read

        texts = [s["text"] for s in read(path)]
        v = variety(texts)
        rows.append(dict(file=path.name, items=len(texts), openings=round(v.openings, 3),
                         words=round(v.words, 3), distinct_words=v.distinct_words))
    return rows


def summary() -> dict:
    """What the briefs produced: stories and prose by language, GPT-2 tokens, and the batches' variety."""
    from statistics import median

    from greentext.training.greentexts import TRAIN, VAL, read
    from greentext.model.tokens import gpt2_tokenizer

    tok = gpt2_tokenizer()
    count = lambda texts: sum(len(ids) + 1 for ids in tok(texts)["input_ids"]) if texts else 0  # noqa: E731 (+ eos)
    train, val = read(TRAIN), read(VAL)
    new = [s for s in train + val if re.fullmatch(r"s\d{4}-\d{2}", s["id"])]
    new_ids = {s["id"] for s in new}
    stories = [s["text"] for s in new]
    pt_stories = [t for t in stories if is_portuguese(t)]
    prose = [r for path in sorted(PROSE_BATCHES.glob("p*.jsonl")) for r in read(path)]
    pt_prose = [r["text"] for r in prose if r.get("lang") == "pt-BR"]
    rows = report()
    story_rows = [r for r in rows if r["file"].startswith("s")]
    return {
        "story_batches": len(story_rows), "new_stories": len(new),
        "new_train": sum(1 for s in train if s["id"] in new_ids), "new_val": sum(1 for s in val if s["id"] in new_ids),
        "new_stories_pt": len(pt_stories), "new_story_tokens": count(stories), "new_story_tokens_pt": count(pt_stories),
        "prose_batches": len(rows) - len(story_rows), "prose_pieces": len(prose), "prose_pieces_pt": len(pt_prose),
        "prose_tokens": count([r["text"] for r in prose]), "prose_tokens_pt": count(pt_prose),
        "openings_median": median(r["openings"] for r in story_rows) if story_rows else None,
        "openings_min": min((r["openings"] for r in story_rows), default=None),
        "words_median": median(r["words"] for r in story_rows) if story_rows else None,
        "words_min": min((r["words"] for r in story_rows), default=None),
    }


def freeze_batches() -> tuple[list[str], int, int]:
    """Freeze every greentext batch file that passes its check and is not frozen yet (its stories go to
    the training file, a seeded 10% per topic to the frozen validation file; see stories.freeze).
    Return (the batches frozen, stories added to training, to validation)."""
    from greentext.training.dedup import NearDuplicates
    from greentext.training.greentexts import TRAIN, VAL, freeze, read

    taken = {s["id"] for path in (TRAIN, VAL) if path.exists() for s in read(path)}
    index = NearDuplicates()
    index.add_files([TRAIN, VAL])
    frozen, new = [], []
    for path in sorted(STORY_BATCHES.glob("s*.jsonl")):
        stories = read(path)
        if not stories or {s.get("id") for s in stories} <= taken or \
                check_story_batch(path, near_duplicates=False, stories=stories):
            continue
        # two batches written at the same time may hold near-duplicates of each other: the later one is left out
        close = {b for _, b, _ in index.check(stories)}
        kept = [s for s in stories if s["id"] not in close]
        index.add([s["id"] for s in kept], [s["text"] for s in kept])
        frozen.append(path.name)
        new += kept
    added = freeze(new) if new else (0, 0)
    return frozen, *added


def main(argv=None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in ("-h", "--help"):
        print(__doc__.split("\n\n")[1])
        return 0 if args else 2
    command, rest = args[0], args[1:]
    if command in ("story", "prose") and len(rest) == 1 and rest[0].isdigit():
        print(show((story_brief if command == "story" else prose_brief)(int(rest[0]))))
        return 0
    if command == "check" and rest:
        bad = 0
        for name in rest:
            found = check(Path(name))
            for line in found:
                print(line)
            print(f"{name}: {'OK' if not found else f'{len(found)} problems'}")
            bad += bool(found)
        return 1 if bad else 0
    if command == "report":
        for row in report():
            print(json.dumps(row, ensure_ascii=False))
        return 0
    if command == "freeze":
        frozen, train, val = freeze_batches()
        print(f"froze {len(frozen)} batches: {train} training and {val} validation stories added")
        return 0
    if command == "summary":
        print(json.dumps(summary(), indent=1))
        return 0
    if command == "floor":
        print(asdict(measure_floor()))
        return 0
    print(__doc__.split("\n\n")[1], file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
