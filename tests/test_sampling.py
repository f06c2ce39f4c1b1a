"""temperature → top-k → top-p on tiny hand-made logits, checked against transformers' own warpers."""

import pytest
import torch
from transformers.generation.logits_process import TemperatureLogitsWarper, TopKLogitsWarper, TopPLogitsWarper

from greentext.decode import sampling
from greentext.decode.settings import SamplingSettings

LOGITS = torch.tensor([[2.0, 1.0, 0.5, 0.5, -1.0, 3.0, 0.0, -2.0, 1.5, 0.2]])


def test_steps_do_not_change_their_input():
    before = LOGITS.clone()
    sampling.apply_temperature(LOGITS, 0.5)
    sampling.apply_top_k(LOGITS, 3)
    sampling.apply_top_p(LOGITS, 0.5)
    assert torch.equal(LOGITS, before)


@pytest.mark.parametrize("t", [0.3, 1.0, 1.7])
def test_temperature_matches_transformers(t):
    assert torch.equal(sampling.apply_temperature(LOGITS, t), TemperatureLogitsWarper(t)(None, LOGITS))


@pytest.mark.parametrize("k", [1, 2, 3, 4, 10, 50])
def test_top_k_matches_transformers(k):
    assert torch.equal(sampling.apply_top_k(LOGITS, k), TopKLogitsWarper(k)(None, LOGITS))


@pytest.mark.parametrize("p", [0.01, 0.3, 0.5, 0.9, 0.99])
def test_top_p_matches_transformers(p):
    assert torch.equal(sampling.apply_top_p(LOGITS, p), TopPLogitsWarper(p)(None, LOGITS))


def test_top_k_keeps_ties_with_the_kth():
    kept = torch.isfinite(sampling.apply_top_k(LOGITS, 4)[0])
    assert kept.sum() == 4  # 3.0, 2.0, 1.5, 1.0: no tie with the 4th
    kept = torch.isfinite(sampling.apply_top_k(LOGITS, 5)[0])
    assert kept.sum() == 6  # both 0.5s stay


def test_zero_top_k_and_unit_top_p_are_off():
    assert torch.equal(sampling.apply_top_k(LOGITS, 0), LOGITS)
    assert torch.equal(sampling.apply_top_p(LOGITS, 1.0), LOGITS)


def test_top_p_keeps_smallest_set_reaching_p():
    probs = LOGITS.softmax(-1)[0]
    order = probs.argsort(descending=True)
    for p in (0.2, 0.5, 0.8, 0.95):
        kept = torch.isfinite(sampling.apply_top_p(LOGITS, p)[0])
        n = int(kept.sum())
        assert set(order[:n].tolist()) == set(kept.nonzero().flatten().tolist())
        assert probs[order[:n]].sum() >= p - 1e-6
        assert n == 1 or probs[order[: n - 1]].sum() < p


def test_greedy_process_and_choose_take_the_argmax():
    stages = sampling.process(LOGITS, SamplingSettings(temperature=0))
    assert int(sampling.choose(stages.final, True, None)) == 5


def test_top_k_1_and_tiny_top_p_always_choose_the_best():
    g = torch.Generator().manual_seed(0)
    for settings in (SamplingSettings(temperature=1.5, top_k=1, top_p=1.0),
                     SamplingSettings(temperature=1.5, top_k=0, top_p=1e-6)):
        stages = sampling.process(LOGITS, settings)
        assert all(int(sampling.choose(stages.final, False, g)) == 5 for _ in range(50))


def test_temperature_sharpens_and_flattens():
    def top_prob(t):
        return sampling.apply_temperature(LOGITS, t).softmax(-1).max().item()

    assert top_prob(0.5) > top_prob(1.0) > top_prob(2.0)


def test_sampling_follows_the_final_distribution():
    settings = SamplingSettings(temperature=1.0, top_k=3, top_p=1.0)
    stages = sampling.process(LOGITS, settings)
    g = torch.Generator().manual_seed(0)
    draws = torch.stack([sampling.choose(stages.final, False, g) for _ in range(4000)]).flatten()
    freq = torch.bincount(draws, minlength=10).double() / len(draws)
    expected = stages.final.softmax(-1)[0].double()
    assert set(draws.unique().tolist()) == {0, 5, 8}  # the top 3 only
    assert torch.allclose(freq, expected, atol=0.03)
