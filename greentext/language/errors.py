"""`UserError`: a problem a user caused or can act on, said in their language; every such error is one.

    raise UserError("busy")                      # a key of i18n.WORDS, and the values it names
    err.message("pt")                            # the page's language; str(err) is English (Python's, the API's)

The app turns a `UserError` into a message in the page's language, never a traceback, and goes on
serving (`ui.context.App.errors`); anything else is a bug and is raised.
"""

from __future__ import annotations


class UserError(Exception):
    """A message for the user: `key` of i18n.WORDS filled with `values`; subclasses may say it otherwise."""

    def __init__(self, key: str, **values):
        self.key, self.values = key, values
        super().__init__(self.message("en"))

    def message(self, lang: str = "en") -> str:
        from greentext.language import i18n

        return i18n.text(self.key, lang, **self.values)


class BothLanguages(UserError):
    """A message sent where the page's language is not known (a toast of the queue): "English / Português"."""

    def message(self, lang: str = "en") -> str:
        from greentext.language import i18n

        return i18n.both(self.key, **self.values)
