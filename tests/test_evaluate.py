"""Measuring a checkpoint: line starts, repeats, held-out loss, and the comparison table in a card."""

import math

import torch

from greentext.training import evaluate


def test_repeats_a_line():
    assert evaluate.repeats_a_line(">be me\n>eat\n>sleep\n>eat")
    assert not evaluate.repeats_a_line(">be me\n>eat\n>sleep\n>")  # a bare '>' at the end is not a line


def test_line_starts_measure_the_token_after_newline_gt(engine):
    docs = ["title\n>be me\n>walk\n>run", "no line starts here"]
    starts = evaluate.line_starts(engine.model, engine.tokenizer, docs)
    assert starts.positions == 3  # after each "\n>" of the first story
    ids = [engine.tokenizer.eos_token_id] + engine.tokenizer.encode(docs[0])
    with torch.no_grad():
        logits = engine.model(input_ids=torch.tensor([ids])).logits[0].float()
    at = [i for i in range(1, len(ids) - 1) if engine.tokenizer.decode(ids[i - 1:i + 1]) == "\n>"]
    probs = torch.softmax(logits[at], -1)
    entropy = -(probs * probs.log()).sum(-1) / math.log(2)
    assert math.isclose(starts.median_top1, float(probs.max(-1).values.median()), rel_tol=1e-5)
    assert math.isclose(starts.median_entropy_bits, float(entropy.median()), rel_tol=1e-5)


def test_held_out_equals_mean_loss_of_the_blocks(engine):
    from greentext.training.documents import encode_documents, make_blocks

    docs = ["a\n>be me\n>x", "b\n>be me\n>y"]
    blocks = make_blocks(encode_documents(engine.tokenizer, docs), 8, seed=None)
    assert math.isclose(evaluate.held_out(engine.model, engine.tokenizer, docs, block_size=8),
                        evaluate.mean_loss(engine.model, blocks), rel_tol=1e-6)


def test_cli_compares_models_and_writes_the_card_section_once(tmp_path, tiny_path, capsys):
    val = tmp_path / "val.jsonl"
    val.write_text('{"text": "t\\n>be me\\n>one\\n>two"}\n')
    card = tmp_path / "README.md"
    card.write_text("# Card\n\n## Measured\n\nx\n\n## Data\n\ny\n")
    tiny_card = tiny_path  # the tiny checkpoint itself stays untouched
    for _ in range(2):
        assert evaluate.main([f"mine={tiny_card}", "--val", str(val), "--samples", "1", "--card", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "| mine |" in out and "perplexity" in out
    text = card.read_text()
    assert text.count("## Compared") == 1 and text.index("## Compared") < text.index("## Data")
