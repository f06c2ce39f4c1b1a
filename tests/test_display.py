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
