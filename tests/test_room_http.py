"""The room votes over HTTP, on a launched app (the routes `cli.launch_kwargs` gives gradio's app): the phone
page (small, local, in the browser's language, compressed once), the state polled with its ETag (304 while
nothing changed), votes and their refusals, the rate limits, lecture-safe masking, and the presenter's calls
(`greentext/ui/room.py`)."""

from __future__ import annotations

import re
import urllib.parse

import pytest

from greentext.config import Config
from greentext.decode.settings import SamplingSettings
from greentext.decode.walk import Walk
from greentext.ui import room

httpx = pytest.importorskip("httpx")

PHONE, OTHER = "phone-aaaaaaaaaaaa", "phone-bbbbbbbbbbbb"
PT = {"accept-language": "pt-BR,pt;q=0.9"}


@pytest.fixture(scope="module")
def served_room(engine):
    from conftest import launch

    # low vote limits, to meet them: 4 votes per phone, 12 per address and room (per minute)
    demo = launch(engine, config=Config(room_rate=(4, 60.0), room_rate_client=(12, 60.0)))
    with httpx.Client(base_url=demo.local_url, timeout=30) as http:
        yield demo, http
    demo.close()


def opened(demo, choices=((502, " me", 0.5, 0.6), (198, "\n", 0.3, 0.4), (379, " at", 0.1, 0.0))):
    app = demo.greentext
    new = room.open_room(app, demo.local_url, demo=demo)
    room.publish_choices(app, new.handle, 0, "the lecture\n>be", choices)
    return app, new


def vote(http, code, phone, token, step=0, headers=None, **extra):
    return http.post(f"room/{code}/vote", json={"phone": phone, "step": step, "token": token, **extra},
                     headers=headers or {})


def test_the_phone_page_is_small_local_and_in_the_browsers_language(served_room):
    demo, http = served_room
    en = http.get("room/1234", headers={"accept-encoding": "br"})
    assert en.status_code == 200 and en.headers["content-encoding"] == "br" and en.num_bytes_downloaded < 6000
    assert '<html lang="en">' in en.text and "What will the model pick?" in en.text
    pt = http.get("room/1234", headers={**PT, "accept-encoding": "gzip"})
    assert pt.headers["content-encoding"] == "gzip" and '<html lang="pt-BR">' in pt.text
    assert "O que o modelo vai escolher?" in pt.text and pt.num_bytes_downloaded < 7000
    # nothing from elsewhere: no address in the page at all, no external script, style or font
    assert not re.search(r"https?://|\bsrc=|\bhref=(?!\"data:,\")|@import|url\(", pt.text, re.I)
    again = http.get("room/1234", headers={"if-none-match": en.headers["etag"], "accept-encoding": "br"})
    assert again.status_code == 304 and not again.content  # a reload costs nothing
    assert http.get("room").status_code == 200  # the page asking for a code
    assert http.get("room/abc").status_code == 404 and "room-data" in http.get("room/abc").text
    assert http.get("/").status_code == 200 and http.get("gradio_api/info").status_code == 200  # gradio's own


def test_polls_cost_a_304_until_the_phones_view_changes_and_votes_count(served_room):
    demo, http = served_room
    app, new = opened(demo)
    first = http.get(f"room/{new.code}/state", params={"phone": PHONE})
    state = first.json()
    assert state["phase"] == "voting" and state["step"] == 0 and state["vote"] is None and state["result"] is None
    # whitespace visible, as the table; alphabetical while the room guesses (the model's order would tell)
    assert [c["text"] for c in state["candidates"]] == ["·at", "·me", "↵"]
    assert "p" not in str(state["candidates"])  # the model's probabilities wait for the reveal
    tag = first.headers["etag"]
    unchanged = http.get(f"room/{new.code}/state", params={"phone": PHONE}, headers={"if-none-match": tag})
    assert unchanged.status_code == 304 and not unchanged.content
    other_tag = http.get(f"room/{new.code}/state", params={"phone": OTHER}).headers["etag"]

    accepted = vote(http, new.code, PHONE, 198, round=state["round"])
    assert accepted.status_code == 200 and accepted.json() == {"vote": 198, "changed": False, "seq": 1}
    mine = http.get(f"room/{new.code}/state", params={"phone": PHONE}, headers={"if-none-match": tag})
    assert mine.status_code == 200 and mine.json()["vote"] == 198  # its own vote changed its view
    assert http.get(f"room/{new.code}/state", params={"phone": OTHER},
                    headers={"if-none-match": other_tag}).status_code == 304  # not the other phone's
    assert vote(http, new.code, PHONE, 502).json()["changed"]
    vote(http, new.code, OTHER, 502)
    counts = room.tally(app, new.handle)
    assert counts.votes == {502: 2, 198: 0, 379: 0} and counts.voters == 2 and counts.phones == 2
    assert room.choice(app, new.handle) == 502

    room.reveal(app, new.handle)
    late = vote(http, new.code, OTHER, 198, headers=PT)
    assert late.status_code == 409 and late.json() == {
        "error": "room_revealed", "message": "A votação está encerrada: o apresentador já revelou o resultado."}
    result = http.get(f"room/{new.code}/state", params={"phone": PHONE}).json()["result"]
    assert result["votes"] == {"502": 2, "198": 0, "379": 0} and result["p"]["502"] == 0.5
    room.decide(app, new.handle, 502, "room")
    room.publish_choices(app, new.handle, 1, "the lecture\n>be me", [(198, "\n"), (11, ",")])
    nxt = http.get(f"room/{new.code}/state", params={"phone": PHONE}).json()
    assert nxt["step"] == 1 and nxt["vote"] is None and nxt["last"]["text"] == "·me" and nxt["last"]["by"] == "room"
    room.close(app, new.handle)
    gone = http.get(f"room/{new.code}/state", params={"phone": PHONE}, headers=PT)
    assert gone.status_code == 404 and gone.json()["error"] == "room_unknown" and "expirou" in gone.json()["message"]


def test_refusals_are_clear_and_bounded(served_room):
    demo, http = served_room
    app, new = opened(demo)
    code = new.code
    assert vote(http, "9999" if code != "9999" else "1111", PHONE, 502).status_code == 404
    assert http.post(f"room/{code}/vote", content=b'{"phone": "x"}',
                     headers={"content-type": "text/plain"}).status_code == 415  # no cross-site form posts
    assert http.post(f"room/{code}/vote", content=b"{" + b" " * 5000 + b"}",
                     headers={"content-type": "application/json"}).status_code == 413
    assert http.post(f"room/{code}/vote", content=b"not json",
                     headers={"content-type": "application/json"}).status_code == 400
    bad_phone = vote(http, code, "short", 502)
    assert bad_phone.status_code == 400 and bad_phone.json()["error"] == "room_bad_phone"
    assert vote(http, code, "phone-refusals-1", 12345).json()["error"] == "room_bad_token"
    stale = vote(http, code, "phone-refusals-2", 502, step=5)
    assert stale.status_code == 409 and stale.json()["message"] == "That vote was for step 6; the vote now is on step 1."
    assert room.tally(app, new.handle).voters == 0
    assert http.get(f"room/{code}/state", params={"phone": "<script>"}).status_code == 200  # a bad id: just a view


def test_votes_are_rate_limited_per_phone_and_per_address(served_room):
    demo, http = served_room
    app, new = opened(demo)
    for token in (502, 198, 502, 198):  # 4 per phone per minute
        assert vote(http, new.code, "phone-limit-one", token).status_code == 200
    over = vote(http, new.code, "phone-limit-one", 502, headers=PT)
    assert over.status_code == 429 and int(over.headers["retry-after"]) >= 1
    assert over.json()["error"] == "room_slow_down" and over.json()["message"].startswith("Toques demais")
    assert room.tally(app, new.handle).votes[198] == 1  # the refused vote changed nothing
    # 12 per address and room: 4 counted so far (a phone over its own limit spends none of its hall's);
    # 8 more phones get in, then none
    codes = [vote(http, new.code, f"phone-limit-{i:03d}", 379).status_code for i in range(10)]
    assert codes == [200] * 8 + [429] * 2
    other = opened(demo)[1]  # another room's count is its own
    assert vote(http, other.code, "phone-limit-one", 502).status_code == 200


def test_lecture_safe_masking_applies_to_what_phones_see(served_room):
    demo, http = served_room
    app, new = opened(demo, choices=((7510, " shit", 0.9), (198, "\n", 0.1)))
    room.publish_choices(app, new.handle, 0, ">be me\n>shit happens", [(7510, " shit", 0.9), (198, "\n", 0.1)])
    state = http.get(f"room/{new.code}/state").json()
    assert "shit" not in str(state) and state["candidates"][0]["text"] == "·████"
    assert state["context"].endswith(">████ happens")


def test_the_presenter_opens_a_room_with_its_link_and_qr_and_publishes_a_step(served_room, engine):
    demo, http = served_room
    app = demo.greentext
    new = room.open_room(app, demo.local_url + "?tab=probabilities", demo=demo)
    assert new.url == f"{demo.local_url}room/{new.code}"  # listening on 127.0.0.1: this computer's, with why
    assert new.note == "share_local_only" and not new.reachable and new.qr.startswith("data:image/svg+xml")
    assert room.room_link("http://192.168.1.23:7860/app/?tab=x#y", "4827") == "http://192.168.1.23:7860/app/room/4827"
    assert room.room_link("https://me.hf.space", "4827") == "https://me.hf.space/room/4827"
    html = room.panel_html(new, room.tally(app, new.handle), "pt")
    assert new.code in html and "0 celulares · 0 votos" in html
    assert room.panel_html(new.handle, room.tally(app, new.handle), "pt") == html  # from the session's state
    svg = urllib.parse.unquote(new.qr.split(",", 1)[1])
    assert svg.startswith("<svg") and "<script" not in svg

    walk = Walk.start(engine, "the lecture\n>be me", SamplingSettings(seed=3), top_n=10)
    step = walk.candidates()
    number = room.publish(app, new.handle, step, top_n=5)
    state = http.get(f"room/{new.code}/state").json()
    assert state["round"] == number and state["step"] == step.index
    assert sorted(c["id"] for c in state["candidates"]) == sorted(c.id for c in step.candidates[:5])
    assert [c["text"] for c in state["candidates"]] == sorted((c.token for c in step.candidates[:5]), key=str.casefold)
    room.reveal(app, new.handle)
    shown = http.get(f"room/{new.code}/state").json()["result"]["p"]
    assert shown == {str(c.id): pytest.approx(c.p_raw) for c in step.candidates[:5]}
    # the presenter of another session cannot drive this room
    with pytest.raises(room.RoomError):
        room.reveal(app, {"code": new.code, "key": "not the key"})
