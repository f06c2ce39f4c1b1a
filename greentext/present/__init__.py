"""Floor 4: everything the audience sees, as plain data, HTML, charts and files (no gradio).

    safety.py          the lecture-safe word lists and how a word is masked
    masking.py         `Display`: masking applied to steps, tokens and the lens
    html.py            HTML of the tabs' tables, story and slides (every user text escaped)
    lens_html.py       HTML of the logit lens
    attention_html.py  bertviz's head and model views, offline and sandboxed
    bertviz_patch.py   bertviz's JS as those views run it: the patched copies in static/bertviz/, made and checked
    charts.py          Plotly figures of a step
    export.py          steps as CSV and JSON rows
    spreadsheet.py     cells a spreadsheet opens as text, never as a formula
    share.py           the audience link: settings in a URL query, the QR code
    downloads.py       files a user downloads, in a bounded folder
"""
