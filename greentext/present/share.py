"""The audience link: settings ↔ URL query, the address the audience can reach, and its QR code (no gradio).

    url = link("http://127.0.0.1:7860/", "the lecture\\n>be me", SamplingSettings(seed=42), "probabilities")
    shared = parse({"temperature": "9", "tab": "attention"}, "pt")   # tab kept, temperature refused:
    shared.messages                     # ("O temperature=9 do link não foi usado: …",)
    audience_url("http://localhost:7860/?tab=generate", bind_host="0.0.0.0")   # the LAN address, with a note
    qr_svg_uri(url)                     # "data:image/svg+xml,…", the code to project

The query parameters are named as everywhere else (`prompt`, `temperature`, `top_k`, `top_p`,
`max_new_tokens`, `seed`, `tab`) and checked by `SamplingSettings`, so a link meets the same limits as
the form and the API. A bad or missing one is left out (the page keeps its default), never a failure.
`walk` carries the Probabilities tab's steps (`walk_link.py` writes and reads it; here it travels as text).
`lesson` and `slide` open a lesson at a slide (`?lesson=next-token&slide=3`, 1-based, checked by `lessons.at`
against the bundled lessons): an unknown lesson is left out, a slide out of range opens slide 1; messages name
the allowed values.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import segno

from greentext.language.i18n import text
from greentext.language.numbers import whole
from greentext.decode.settings import (MAX_NEW_TOKENS_MAX, PROMPT_MAX_CHARS, SEED_MAX, TEMPERATURE_MAX, TEMPERATURE_MIN_SAMPLING,
                       TOP_K_MAX, _CONTROL, InvalidSetting, SamplingSettings, check_prompt)

TABS = ("generate", "probabilities", "compare", "attention")
SETTINGS = ("temperature", "top_k", "top_p", "max_new_tokens", "seed")
PARAMS = ("prompt", *SETTINGS, "tab", "walk", "lesson", "slide")
ALL_INTERFACES = {"0.0.0.0", "::", "[::]", ""}  # a server bound to these is reachable from the network
# Past this QR version (61 × 61 modules) the code gets dense enough that the back rows may need to come
# closer; the presenter is told (a shorter prompt gives a coarser code).
DENSE_VERSION = 11


def allowed(name: str, lang: str = "en") -> str:
    """The allowed values of a link parameter, in words, from the same constants as SamplingSettings."""
    values = {"temperature": dict(lo=TEMPERATURE_MIN_SAMPLING, hi=f"{TEMPERATURE_MAX:g}"), "top_k": dict(hi=TOP_K_MAX),
              "top_p": {}, "max_new_tokens": dict(hi=MAX_NEW_TOKENS_MAX), "seed": dict(hi=SEED_MAX),
              "tab": dict(tabs=", ".join(TABS[:-1]), last=TABS[-1]), "prompt": {}}[name]
    return text(f"allowed_{name}", lang, **values)


def refused(name: str, value: str, lang: str = "en", allowed_words: str | None = None) -> str:
    """'The link's top_k=500 was not used: top_k must be … The default is kept.' (in `lang`)."""
    shown = value if len(value) <= 40 else value[:40] + "…"
    return text("link_refused", lang, name=name, value=shown, allowed=allowed_words or allowed(name, lang))


@dataclass(frozen=True)
class Shared:
    """What a link asks for: each field None when the link leaves it out (or it was refused); messages say why."""

    prompt: str | None = None
    temperature: float | None = None
    top_k: int | None = None
    top_p: float | None = None
    max_new_tokens: int | None = None
    seed: int | None = None  # None: not given, or given empty (random): see `has_seed`
    has_seed: bool = False
    tab: str | None = None
    walk: str | None = None  # the Probabilities tab's steps as the link writes them (walk_link.decode reads them)
    lesson: str | None = None  # a bundled lesson's name (lessons.bundled())
    slide: int | None = None  # its slide, 1-based (given with `lesson` only)
    messages: tuple[str, ...] = field(default=())

    @property
    def empty(self) -> bool:
        return not self.messages and all(getattr(self, name) is None
                                         for name in ("prompt", *SETTINGS, "tab", "walk", "lesson")) \
            and not self.has_seed


def parse(query: Mapping[str, str], lang: str = "en") -> Shared:
    """The page's query parameters as a `Shared`: each checked on its own, so one bad value leaves the others
    in use. Messages (in `lang`) name the parameter, its value and the allowed range. Unknown names are
    ignored (gradio's own, such as `__theme`)."""
    found: dict = {}
    messages: list[str] = []
    for name in SETTINGS:
        if name not in query:
            continue
        raw = query[name]
        try:
            found[name] = getattr(SamplingSettings(**{name: raw}), name)
        except InvalidSetting:
            messages.append(refused(name, str(raw), lang))
            continue
        if name == "seed":
            found["has_seed"] = True
    if "prompt" in query:
        prompt = query["prompt"]
        if len(prompt) > PROMPT_MAX_CHARS:
            messages.append(text("link_prompt_cut", lang, n=whole(len(prompt), lang),
                                 max=whole(PROMPT_MAX_CHARS, lang)))
            prompt = prompt[:PROMPT_MAX_CHARS]
        try:
            found["prompt"] = check_prompt(prompt)
        except InvalidSetting:
            bad = _CONTROL.search(prompt)  # check_prompt's one other refusal: the character and where it is
            messages.append(text("link_prompt_refused", lang, code=f"U+{ord(bad.group()):04X}", at=bad.start() + 1,
                                 allowed=allowed("prompt", lang)))
    if "tab" in query:
        tab = query["tab"].strip().lower()
        if tab in TABS:
            found["tab"] = tab
        else:
            messages.append(refused("tab", query["tab"], lang))
    if query.get("walk", "").strip():
        found["walk"] = query["walk"].strip()
    if query.get("lesson", "").strip():
        found.update(lesson_of(query["lesson"], query.get("slide"), lang, messages))
    return Shared(**found, messages=tuple(messages))


def lesson_of(name: str, slide: str | None, lang: str, messages: list[str]) -> dict:
    """A link's `lesson=` and `slide=` checked against the bundled lessons: {"lesson", "slide"} (slide 1-based),
    {} for an unknown lesson; a refused value adds its message (the allowed names, or the slide range)."""
    from greentext.present import lessons  # the lesson files are read once, only for a link that names one

    wanted = name.strip().lower()
    try:
        lesson, _ = lessons.at(wanted, 1)
    except InvalidSetting as err:
        shown = name if len(name) <= 40 else name[:40] + "…"
        messages.append(text("link_lesson_refused", lang, value=shown, choices=err.values["choices"]))
        return {}
    if slide is None or not str(slide).strip():
        return {"lesson": lesson.name, "slide": 1}
    try:
        _, index = lessons.at(lesson.name, str(slide).strip())
    except InvalidSetting:
        shown = slide if len(slide) <= 40 else slide[:40] + "…"
        messages.append(text("link_slide_refused", lang, value=shown, n=len(lesson), lesson=lesson.name))
        return {"lesson": lesson.name, "slide": 1}
    return {"lesson": lesson.name, "slide": index + 1}


def plain(value: float) -> str:
    """A number as a link shows it: 1 not 1.0, 0.85 not 0.8500000000000001 (repr: exact round trip)."""
    value = float(value)
    return str(int(value)) if value.is_integer() else repr(value)


def with_seed_of(last: dict | None, prompt: str, settings: SamplingSettings) -> SamplingSettings:
    """`settings`, with the seed a random-seed run drew when the form has none: `last` is the tab's last run
    as plain data (prompt, temperature, top_k, top_p, max_new_tokens, seed); when it ran this prompt with
    these settings, its seed goes into the link, so the audience gets the story on the screen."""
    if settings.seed is not None or not last or last.get("seed") is None or last.get("prompt") != prompt:
        return settings
    same = all(last.get(name) == getattr(settings, name) for name in ("temperature", "top_k", "top_p", "max_new_tokens"))
    return dataclasses.replace(settings, seed=int(last["seed"])) if same else settings


def query(prompt: str | None, settings: SamplingSettings | None, tab: str, walk: str | None = None,
          lesson: tuple[str, int] | None = None) -> dict[str, str]:
    """The link's parameters: the prompt and settings (None: left out), the tab, the walk (`walk_link.encode`'s,
    None: left out) and the lesson open (its name and slide, 1-based; None: left out); an empty seed is left out
    (random)."""
    params: dict[str, str] = {}
    if prompt is not None:
        params["prompt"] = prompt
    if settings is not None:
        params.update(temperature=plain(settings.temperature), top_k=str(settings.top_k),
                      top_p=plain(settings.top_p), max_new_tokens=str(settings.max_new_tokens))
        if settings.seed is not None:
            params["seed"] = str(settings.seed)
    params["tab"] = tab if tab in TABS else TABS[0]
    if walk:
        params["walk"] = walk
    if lesson:
        params["lesson"], params["slide"] = lesson[0], str(int(lesson[1]))
    return params


def link(page_url: str, prompt: str | None, settings: SamplingSettings | None, tab: str,
         walk: str | None = None, lesson: tuple[str, int] | None = None) -> str:
    """`page_url` (scheme, host, path and any other query parameters kept; the fragment dropped) with this
    prompt, settings, tab, walk and lesson (name, slide 1-based) (None: none, and the page's own is dropped).
    Newlines and any text survive: the values are percent-encoded."""
    parts = urlsplit(page_url)
    others = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in PARAMS]
    params = query(prompt, settings, tab, walk, lesson)
    return urlunsplit(parts._replace(query=urlencode(others + list(params.items())), fragment=""))


def query_of(url: str) -> dict[str, str]:
    """A link's query parameters (the last of each name), as the page reads them."""
    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))


# ---- the address the audience can reach ------------------------------------------------------------------
def is_loopback(host: str | None) -> bool:
    host = (host or "").strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def lan_address() -> str | None:
    """This machine's address on its local network, found without sending anything: `connect` on a UDP
    socket only asks the routing table which interface would be used. Else the host name's address;
    None when neither gives an address other machines could use."""
    candidates = []
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("10.254.254.254", 1))  # any private address: UDP connect sends no packet
            candidates.append(s.getsockname()[0])
    except OSError:
        pass
    try:
        candidates.append(socket.gethostbyname(socket.gethostname()))
    except OSError:
        pass
    for ip in candidates:
        address = ipaddress.ip_address(ip)
        if not (address.is_loopback or address.is_unspecified or address.is_link_local):
            return ip
    return None


@dataclass(frozen=True)
class Audience:
    """The link to show the audience and what to tell the presenter about it (an i18n key, or None)."""

    url: str
    note: str | None = None  # "share_local_only", "share_no_lan", "share_lan" or None (a public address)
    reachable: bool = True  # False: the audience cannot open `url` (the server listens on this computer only)


def audience_url(page_url: str, bind_host: str | None, share_url: str | None = None,
                 lan: Callable[[], str | None] | None = None) -> Audience:
    """`page_url` as the audience can reach it.

    A page opened on this computer (localhost, 127.0.0.1, ::1) names an address no other machine can use:
    with a public gradio share link it becomes that link; with the server listening on every interface
    (`--host 0.0.0.0`) it becomes this machine's LAN address; listening on loopback only, it stays and the
    note says why the audience cannot open it. Any other address (a Space, a share link, a real host name,
    a LAN address) is used as is."""
    parts = urlsplit(page_url)
    host = parts.hostname
    if not is_loopback(host):
        return Audience(page_url, "share_lan" if is_private(host) else None)
    if share_url:
        public = urlsplit(share_url)
        return Audience(urlunsplit(parts._replace(scheme=public.scheme, netloc=public.netloc)))
    bind = (bind_host or "127.0.0.1").strip()
    if bind in ALL_INTERFACES:
        ip = (lan or lan_address)()
        if ip is None:
            return Audience(page_url, "share_no_lan", reachable=False)
        return Audience(with_host(parts, ip), "share_lan")
    if is_loopback(bind):
        return Audience(page_url, "share_local_only", reachable=False)
    return Audience(with_host(parts, bind), "share_lan" if is_private(bind) else None)  # one named interface


def with_host(parts, host: str) -> str:
    host = host.strip("[]")
    netloc = f"[{host}]" if ":" in host else host
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit(parts._replace(netloc=netloc))


def is_private(host: str | None) -> bool:
    try:
        return ipaddress.ip_address((host or "").strip("[]")).is_private
    except ValueError:
        return False


# ---- the QR code -------------------------------------------------------------------------------------------
class TooLongForQR(ValueError):
    """The link holds more than a QR code can (about 2,900 characters after encoding)."""


@dataclass(frozen=True)
class QR:
    uri: str  # data:image/svg+xml,… (vector: sharp at any size)
    version: int  # 1 (21 × 21 modules) … 40 (177 × 177)
    modules: int  # modules per side, without the quiet zone

    @property
    def dense(self) -> bool:
        return self.version >= DENSE_VERSION


def qr(url: str) -> QR:
    """The QR code of `url`, as an SVG data URI, black on white with the standard 4-module quiet zone.
    Error correction L (the highest segno can add without a bigger code is used): a projected code is
    clean, and fewer, larger modules scan from farther away."""
    try:
        code = segno.make_qr(url, error="l", boost_error=True)
    except segno.DataOverflowError:
        raise TooLongForQR(len(url)) from None
    # xmldecl off and no size: the page sizes it with CSS; crisp edges keep modules square when scaled.
    uri = code.svg_data_uri(scale=1, border=4, dark="#000", light="#fff", xmldecl=False, svgns=True,
                            nl=False, omitsize=True)
    return QR(uri, int(code.version), code.symbol_size(scale=1, border=0)[0])
