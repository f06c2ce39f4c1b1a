"""The display: what the audience sees, masked in lecture-safe mode, unchanged otherwise."""

from types import SimpleNamespace

from greentext.present.masking import Display
from greentext.decode.steps import Candidate, Step
from greentext.model.tokens import Token

PROMPT = SimpleNamespace(context="be me, sh")


def test_prompt_and_continuation_are_masked_together():
    shown = Display(safe_mode=True).story(PROMPT, "it happens")
    assert (shown.prompt, shown.text, shown.masked) == ("be me, ██", "██ happens", 1)  # "sh" + "it"
    assert shown.story == "be me, ████ happens"


def test_a_prompt_started_from_end_of_text_shows_as_empty(engine):
    assert engine.prepare("  ", 5).context == "" and engine.prepare(">be me", 5).context == ">be me"
    shown = Display(safe_mode=False).story(SimpleNamespace(context=""), " hello")
    assert (shown.prompt, shown.text, shown.masked) == ("", " hello", 0)


def test_off_is_a_no_op():
    display = Display(safe_mode=False)
    tokens = [Token(1, "·shit", " shit")]
    step = Step(0, "shit", 1, [Candidate(1, 1, "·shit", " shit", 1.0, 1.0, 1.0, 1.0, 1.0, True, None)], None,
                0.0, 0.0, 0.0, 0.0, 1)
    assert not display.safe_mode and display.tokens(tokens) is tokens and display.step(step) is step
    assert display.text("shit") == "shit" and display.story(PROMPT, "it").masked == 0


def test_on_masks_tokens_steps_and_text_but_not_ids():
    display = Display(safe_mode=True)
    assert display.tokens([Token(7, "·shit", " shit")]) == [Token(7, "·████", " ████")]
    step = Step(0, "be me", 1, [Candidate(1, 7, "·shit", " shit", 1.0, 0.9, 0.9, 0.9, 0.9, True, None)], None,
                0.1, 0.1, 0.5, 0.5, 1)
    masked = display.steps([step, None])
    assert masked[0].candidates[0].token == "·████" and masked[0].candidates[0].p_raw == 0.9 and masked[1] is None
    assert display.text("oh shit") == "oh ████"


def test_pieces_stay_masked_however_the_tokens_split_a_word():
    shown, pieces = Display(safe_mode=True).pieces(PROMPT, ["i", "t hap", "pens"])
    assert pieces == ["█", "█ hap", "pens"] and shown.story == "be me, ████ happens" and shown.masked == 1
    shown, pieces = Display(safe_mode=False).pieces(PROMPT, ["i", "t"])
    assert pieces == ["i", "t"] and shown.masked == 0


def test_a_lens_masks_token_text_not_ids_or_numbers():
    """The logit lens as shown: the text's tokens by whole words, the tracked token and each layer's top
    tokens as what comes after the text up to the lensed token (a word split across them is caught too)."""
    from greentext.probes.lens import Lens, LensLayer

    text = [Token(1, "be", "be"), Token(2, "·me,", " me,"), Token(3, "·sh", " sh"), Token(4, "·shit", " shit")]
    it, ok, shit = Token(5, "it", "it"), Token(6, "·ok", " ok"), Token(4, "·shit", " shit")
    lens = Lens(text, 2, it, False, [LensLayer(0, [ok, it], [0.5, 0.25], 2, 0.25),
                                     LensLayer(1, [it, shit], [0.75, 0.125], 1, 0.75)], truncated_tokens=3)
    shown, masked = Display(safe_mode=True).lens(lens)
    assert [t.token for t in shown.tokens] == ["be", "·me,", "·sh", "·████"]
    assert shown.tracked == Token(5, "██", "██")  # "sh" + "it", after the lensed token
    assert [[t.token for t in row.top] for row in shown.layers] == [["·ok", "██"], ["██", "·████"]]
    assert masked == 5  # token texts: 1 of the text, the tracked one, 3 in the layers
    assert [[t.id for t in row.top] for row in shown.layers] == [[6, 5], [5, 4]] and shown.tracked.id == 5
    assert [(row.layer, row.p, row.tracked_rank, row.tracked_p) for row in shown.layers] == \
        [(0, [0.5, 0.25], 2, 0.25), (1, [0.75, 0.125], 1, 0.75)]
    assert (shown.position, shown.tracked_is_next, shown.truncated_tokens) == (2, False, 3)
    assert [t.token for t in lens.tokens] == ["be", "·me,", "·sh", "·shit"]  # the model's lens is unchanged
    off = Display(safe_mode=False)
    assert off.lens(lens) == (lens, 0) and off.lens(lens)[0] is lens
