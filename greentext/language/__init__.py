"""Floor 0: the words and numbers the audience reads, and the one error type users see (no torch, no gradio).

    i18n.py     every word of the interface in English and Brazilian Portuguese (`text(key, lang)`)
    numbers.py  the one number formatter: separators by language
    errors.py   `UserError`: a problem a user caused, said in their language (`message(lang)`)
"""
