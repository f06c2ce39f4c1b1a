"""The named sampling presets and their buttons' labels."""

from greentext.decode.presets import PRESETS, labels
from greentext.decode.settings import SamplingSettings


def test_every_preset_is_valid_settings():
    for t, k, p in PRESETS.values():
        SamplingSettings(t, k, p)


def test_labels_name_the_values_in_each_language():
    assert labels("en") == {
        "preset_greedy": "Greedy · T 0",
        "preset_balanced": "Balanced · T 0.8 · top-k 50 · top-p 0.95",
        "preset_creative": "Creative · T 1.1 · top-k off · top-p 0.95",
        "preset_chaos": "Chaos · T 1.8 · top-k off · top-p off"}
    assert labels("pt")["preset_balanced"] == "Equilibrado · T 0,8 · top-k 50 · top-p 0,95"
    assert labels("pt")["preset_chaos"] == "Caos · T 1,8 · top-k desligado · top-p desligado"
