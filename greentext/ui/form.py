"""The prompt-and-settings form of the Generate, Probabilities and Compare tabs, by name.

    form = Form(prompt, temperature, top_k, top_p, max_new_tokens, seed)   # the components (top_n: Probabilities)
    button.click(handler, inputs_kwargs=form.named(), outputs=…)          # handler(prompt=…, temperature=…, …)
    form.values(inputs)            # Values(prompt=…, …) from a set-inputs event's {component: value}
    form.update({"prompt": "…"})   # {form.prompt: "…"}: a handler's return keyed by component

An event hands the form to its handler by parameter name (`inputs_kwargs`), never by position, and a
handler that fills a form returns its values keyed by component.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields

import gradio as gr
from gradio.components import Component

# What a link fills and a run's replay carries, in the order SamplingSettings takes the settings.
FIELDS = ("prompt", "temperature", "top_k", "top_p", "max_new_tokens", "seed")


@dataclass(frozen=True)
class Values:
    """A form's values by name."""

    prompt: str
    temperature: float
    top_k: int
    top_p: float
    max_new_tokens: int
    seed: str | int | None  # the seed box's text ("": a random seed) or a number
    top_n: int | None = None  # the Probabilities tab's candidates per step (None: a form without it)

    @property
    def settings(self) -> tuple:
        """(temperature, top_k, top_p, max_new_tokens, seed): `App.settings`' and SamplingSettings' order."""
        return self.temperature, self.top_k, self.top_p, self.max_new_tokens, self.seed

    def named(self) -> dict[str, object]:
        """{field: value}, top_n only where the form has it."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name in FIELDS or self.top_n is not None}


@dataclass(eq=False)
class Form:
    """A form's components by name (`top_n`: the Probabilities tab only)."""

    prompt: gr.Textbox
    temperature: gr.Slider
    top_k: gr.Slider
    top_p: gr.Slider
    max_new_tokens: gr.Slider
    seed: gr.Textbox
    top_n: gr.Slider | None = None

    def named(self) -> dict[str, Component]:
        """{parameter name: component}: an event's `inputs_kwargs`, each value to the handler's parameter of
        the same name."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}

    def components(self) -> list[Component]:
        return list(self.named().values())

    def fields(self) -> list[Component]:
        """The six components a link fills (FIELDS: not top_n)."""
        return [getattr(self, name) for name in FIELDS]

    def values(self, inputs: Mapping[Component, object]) -> Values:
        """The form's values from a set-inputs event's {component: value} (top_n: None unless among them)."""
        return Values(**{name: inputs[c] for name, c in self.named().items() if name in FIELDS or c in inputs})

    def update(self, values: Mapping[str, object] | Values) -> dict[Component, object]:
        """{component: value} of the fields named in `values` (a handler's return; the others stay as they are)."""
        named = values.named() if isinstance(values, Values) else values
        return {getattr(self, name): value for name, value in named.items()}
