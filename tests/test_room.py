"""The room votes' core (greentext/present/room.py): one vote per phone per round, changeable until the reveal,
refusals with a reason, the room's choice and its tie rule, bounds, expiry, reconnects, and many threads."""

from __future__ import annotations

import random
import threading
import tracemalloc

import pytest

from greentext.config import Config
from greentext.language import i18n
from greentext.present.room import (CONTEXT_CHARS, FORGET_SECONDS, MAX_CANDIDATES, SEEN_SECONDS, TEXT_CHARS, Choice,
                                    Room, RoomError, Rooms, choice_of, panel_html)

PHONES = [f"phone-{i:04d}-abcdef" for i in range(400)]
A, B, C = 502, 198, 379  # token ids: " me", "\n", " at"
CANDS = [Choice(A, "·me", 0.5, 0.6), Choice(B, "↵", 0.3, 0.4), Choice(C, "·at", 0.1, 0.0)]


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def room(**kw) -> Room:
    r = Rooms(**kw).open()
    r.publish(0, "the lecture\n>be", CANDS)
    return r


def reason(fn, *args, **kwargs) -> str:
    with pytest.raises(RoomError) as err:
        fn(*args, **kwargs)
    return err.value.reason


def test_one_vote_per_phone_per_round_changeable_until_the_reveal():
    r = room()
    one, two, three = PHONES[:3]
    assert r.vote(one, 0, A).seq == 1 and r.vote(two, 0, A).seq == 2
    changed = r.vote(one, 0, B)
    assert changed.changed and changed.token == B and changed.seq == 3
    assert not r.vote(one, 0, B).changed  # the same vote again: still one
    r.vote(three, 0, C)
    t = r.tally()
    assert t.votes == {A: 1, B: 1, C: 1} and list(t.votes) == [A, B, C] and t.voters == 3 and t.phones == 3
    assert t.share(B) == pytest.approx(1 / 3) and t.seq == 5 and t.phase == "voting" and t.step == 0
    final = r.reveal()
    assert final.votes == {A: 1, B: 1, C: 1} and final.phase == "revealed"
    assert reason(r.vote, one, 0, A) == "room_revealed"  # refused after the reveal, nothing changes
    assert r.tally().votes == final.votes and r.tally().seq == 5


def test_refusals_say_why_in_both_languages():
    r = Rooms().open()
    assert reason(r.vote, PHONES[0], 0, A) == "room_not_voting"  # nothing published yet: phones wait
    r.publish(3, "ctx", CANDS)
    assert reason(r.vote, PHONES[0], 2, A) == "room_stale"  # an old step
    assert reason(r.vote, PHONES[0], 3, A, round=99) == "room_stale"  # the right step of another round
    assert reason(r.vote, PHONES[0], 3, 12345) == "room_bad_token"  # not a candidate
    for bad in ("short", "x" * 65, "has space 12345", "ümlaut-12345678", None, 12345678):
        assert reason(r.vote, bad, 3, A) == "room_bad_phone"
    with pytest.raises(RoomError) as err:
        r.vote(PHONES[0], 1, A)
    assert err.value.message("en") == "That vote was for step 2; the vote now is on step 4."
    assert err.value.message("pt") == "Esse voto era do passo 2; a votação agora é do passo 4."
    assert reason(Rooms().open, mode="maybe") == "room_bad_mode"
    assert r.tally().voters == 0 and r.seq == 0


def test_the_rooms_choice_and_its_tie_rule():
    r = room()
    assert r.choice() is None  # no votes: no choice
    r.vote(PHONES[0], 0, C)
    r.vote(PHONES[1], 0, B)
    assert r.choice() == B  # a tie (1–1) goes to the candidate listed first: the model's higher rank
    r.vote(PHONES[2], 0, C)
    assert r.choice() == C and r.tally().choice == C  # most votes wins, whatever the model says
    assert choice_of(CANDS, {A: 2, B: 2, C: 2}) == A and choice_of(CANDS, {}) is None


def test_a_slider_moved_keeps_the_round_a_new_step_opens_another():
    r = room()
    r.vote(PHONES[0], 0, A)
    r.vote(PHONES[1], 0, C)
    number, version = r.tally().round, r.version
    # the same step and context (temperature dragged): new probabilities, one candidate fewer
    assert r.publish(0, "the lecture\n>be", [Choice(A, "·me", 0.7, 0.8), Choice(B, "↵", 0.2, 0.2)]) == number
    assert r.tally().votes == {A: 1, B: 0} and r.tally().voters == 1  # C's vote went with C
    assert r.version == version + 1  # the phones' candidates changed
    r.publish(0, "the lecture\n>be", [Choice(A, "·me", 0.6, 0.9), Choice(B, "↵", 0.3, 0.1)])
    assert r.version == version + 1  # only hidden probabilities changed: phones see the same
    r.reveal()
    r.publish(0, "the lecture\n>be", [Choice(A, "·me", 0.6, 0.9), Choice(B, "↵", 0.3, 0.1)])
    assert r.phase == "revealed" and r.tally().voters == 1  # a revealed round stays revealed
    r.decide(A, by="model")
    assert r.publish(1, "the lecture\n>be me", CANDS) == number + 1  # the next step: a new round, no votes
    assert r.tally().voters == 0 and r.phase == "voting"
    assert r.publish(1, "another context", CANDS) == number + 2  # same index, other text (an undo): new round


def test_reveal_decide_and_the_last_round_as_each_phone_lived_it():
    r = room()
    right, wrong, silent = PHONES[:3]
    r.vote(right, 0, A)
    r.vote(wrong, 0, B)
    before = r.view(right)
    assert before["result"] is None and before["vote"] == A and before["phase"] == "voting"
    r.reveal()
    shown = r.view(right)
    assert shown["result"]["votes"] == {str(A): 1, str(B): 1, str(C): 0} and shown["result"]["choice"] == A
    assert shown["result"]["p"] == {str(A): 0.5, str(B): 0.3, str(C): 0.1} and shown["result"]["chosen"] is None
    r.decide(B, by="room")
    assert r.view(right)["result"]["chosen"] == B and r.view(right)["result"]["by"] == "room"
    r.publish(1, "the lecture\n>be\n", CANDS)
    assert r.view(right)["last"] == {"step": 0, "chosen": B, "text": "↵", "by": "room", "vote": A, "vote_text": "·me"}
    assert r.view(wrong)["last"]["vote"] == B and r.view(silent)["last"]["vote"] is None
    assert r.view(right)["vote"] is None and r.view(right)["result"] is None
    r.wait()  # an undo or a reset: no vote open
    assert r.view(right)["phase"] == "waiting" and reason(r.vote, right, 1, A) == "room_not_voting"


def test_a_phone_that_reconnects_keeps_its_place_and_its_vote():
    r = room(max_phones=2)
    r.vote(PHONES[0], 0, B)
    r.vote(PHONES[1], 0, A)
    tag = r.etag(PHONES[0])
    # the phone's page reloads (same id from localStorage), over another connection: its vote is there
    assert r.seen(PHONES[0]) and r.view(PHONES[0])["vote"] == B and r.etag(PHONES[0]) == tag
    assert reason(r.vote, PHONES[2], 0, A) == "room_full" and not r.seen(PHONES[2])
    assert r.vote(PHONES[0], 0, C).changed  # its place kept: it can still change its vote


def test_etags_change_with_what_the_phone_sees_only():
    r = room()
    one, two = PHONES[:2]
    tag_one, tag_two = r.etag(one), r.etag(two)
    r.vote(one, 0, A)
    assert r.etag(one) != tag_one and r.etag(two) == tag_two  # another phone's vote changes nothing for two
    assert r.tag_of(r.view(one)) == r.etag(one)
    r.reveal()
    assert r.etag(two) != tag_two


def test_phones_counted_are_those_seen_lately_and_a_full_room_forgets_the_gone():
    clock = Clock()
    r = Rooms(max_phones=3, clock=clock).open()
    r.publish(0, "ctx", CANDS)
    r.vote(PHONES[0], 0, A)
    r.seen(PHONES[1])
    r.seen(PHONES[2])
    assert r.tally().phones == 3
    clock.now += SEEN_SECONDS + 1
    r.seen(PHONES[2])
    assert r.tally().phones == 1  # phones 0 and 1 have not polled lately
    assert reason(r.vote, PHONES[3], 0, A) == "room_full"
    clock.now += FORGET_SECONDS
    r.seen(PHONES[2])
    # phone 1 is long gone and has no vote: its place goes to phone 3; phone 0 keeps its place (it voted)
    assert r.vote(PHONES[3], 0, B).token == B and r.tally().votes[A] == 1
    assert reason(r.vote, PHONES[4], 0, A) == "room_full"


def test_rooms_have_short_codes_a_bound_one_per_presenter_and_expire():
    clock = Clock()
    rooms = Rooms(max_rooms=3, idle_seconds=600, clock=clock)
    first = rooms.open(owner="session-a")
    assert len(first.code) == 4 and first.code.isdigit() and first.code[0] != "0" and len(first.key) >= 20
    again = rooms.open(owner="session-a")  # the same presenter opens again: the last room closes
    assert first.closed and reason(rooms.get, first.code) == "room_unknown" and rooms.get(again.code) is again
    rooms.open(owner="session-b"), rooms.open()
    assert len(rooms) == 3 and reason(rooms.open) == "rooms_full"
    assert reason(rooms.presenter, again.code, "wrong key") == "room_unknown"
    assert rooms.presenter(again.code, again.key) is again
    clock.now += 599
    again.tally()  # the presenter is there: the room stays
    clock.now += 2
    assert len(rooms) == 1 and rooms.get(again.code) is again  # the other two expired
    clock.now += 601
    assert reason(rooms.get, again.code) == "room_unknown"
    other = rooms.open()
    rooms.close(other.code, other.key)
    assert reason(rooms.get, other.code) == "room_unknown" and len(rooms) == 0


def test_codes_are_unique_among_open_rooms():
    rooms = Rooms(max_rooms=2000)
    codes = {rooms.open().code for _ in range(2000)}
    assert len(codes) == 2000 and all(1000 <= int(c) <= 9999 for c in codes)


def test_sizes_are_bounded():
    r = Rooms().open()
    long = [Choice(i, "x" * 500) for i in range(100)]
    r.publish(0, "y" * 50_000, long)
    view = r.view()
    assert len(view["candidates"]) == MAX_CANDIDATES and len(view["context"]) == CONTEXT_CHARS and view["cut"]
    assert all(len(c["text"]) == TEXT_CHARS and c["text"].endswith("…") for c in view["candidates"])
    with pytest.raises(ValueError):
        r.publish(1, "ctx", [])
    with pytest.raises(ValueError):
        r.publish(1, "ctx", [Choice(A, "a"), Choice(A, "b")])


def test_memory_of_full_rooms_is_bounded():
    """32 rooms × 500 phones, each phone with the longest id and a vote: a few MB (the defaults' worst case)."""
    tracemalloc.start()
    try:
        rooms = Rooms(max_rooms=32, max_phones=500)
        base = tracemalloc.get_traced_memory()[0]
        for n in range(32):
            r = rooms.open()
            r.publish(0, "c" * 1000, [Choice(i, "t" * 100, 0.1, 0.1) for i in range(30)])
            for i in range(510):  # 10 more than fit: refused
                phone = f"{n:02d}{i:04d}".ljust(64, "x")
                try:
                    r.vote(phone, 0, i % MAX_CANDIDATES)
                except RoomError as err:
                    assert err.reason == "room_full" and i >= 500
        used = tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()
    assert used < 12 * 2**20, used


def test_many_threads_lose_no_vote():
    """40 threads of phones voting and changing their votes at once, the presenter reading the tally meanwhile:
    the tally equals each phone's last accepted vote, and every accepted vote is counted in `seq`."""
    r = room()
    last: dict[str, int] = {}
    accepted = []
    lock = threading.Lock()
    start = threading.Barrier(41)

    def phones(k: int) -> None:
        rng = random.Random(k)
        mine = PHONES[k * 10:(k + 1) * 10]
        start.wait()
        for _ in range(300):
            phone, token = rng.choice(mine), rng.choice([A, B, C])
            voted = r.vote(phone, 0, token)
            with lock:
                last[phone] = voted.token
                accepted.append(voted.seq)

    threads = [threading.Thread(target=phones, args=(k,)) for k in range(40)]
    for t in threads:
        t.start()
    start.wait()
    while any(t.is_alive() for t in threads):
        t = r.tally()
        assert sum(t.votes.values()) == t.voters <= 400
    for t in threads:
        t.join()
    final = r.reveal()
    expected = {token: sum(1 for v in last.values() if v == token) for token in (A, B, C)}
    assert final.votes == expected and final.voters == len(last)
    assert sorted(accepted) == list(range(1, 12_001)) and final.seq == 12_000


def test_the_projector_panel_escapes_and_speaks_the_page_language():
    r = room()
    r.vote(PHONES[0], 0, A)
    html = panel_html(r.code, 'http://x/room/1234?"><script>', "data:image/svg+xml,<svg/>", r.tally(), "pt")
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "1 celulares · 1 votos" in html and f"sala {r.code}" in html


def test_settings_and_words():
    config = Config.from_env({"GREENTEXT_ROOMS": "4", "GREENTEXT_ROOM_PHONES": "50", "GREENTEXT_ROOM_IDLE": "60",
                              "GREENTEXT_ROOM_RATE": "off", "GREENTEXT_ROOM_RATE_CLIENT": "100/10"})
    assert (config.rooms, config.room_phones, config.room_idle) == (4, 50, 60.0)
    assert config.room_rate is None and config.room_rate_client == (100, 10.0)
    defaults = Config.from_env({})
    assert defaults.room_rate == (30, 60.0) and defaults.room_rate_client == (6000, 60.0) == Config().room_rate_client
    with pytest.raises(ValueError, match="GREENTEXT_ROOM_RATE"):
        Config.from_env({"GREENTEXT_ROOM_RATE": "fast"})
    with pytest.raises(ValueError, match="GREENTEXT_ROOMS"):
        Config.from_env({"GREENTEXT_ROOMS": "0"})
    for key in ("room_unknown", "room_full", "rooms_full", "room_stale", "room_revealed", "room_not_voting",
                "room_bad_token", "room_bad_phone", "room_bad_mode", "room_slow_down"):
        assert key in i18n.WORDS
