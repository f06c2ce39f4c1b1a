"""GPT-2 Greentext Lab: a GPT-2 that writes greentexts, and shows how it chooses every token.

The core (everything here but `greentext.ui`) imports no gradio: loading, sampling, step records,
attention and training can be used and tested on their own.
"""

__version__ = "0.1.0"
