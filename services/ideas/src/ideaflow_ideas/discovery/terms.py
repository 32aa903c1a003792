"""Words of a query or an idea, as both search engines and the similarity score see them."""

import re

# fmt: off
_STOPWORDS = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "from", "has", "have", "i", "if", "in",
    "into", "is", "it", "its", "not", "of", "on", "or", "our", "so", "that", "the", "their", "them", "then",
    "there", "these", "they", "this", "to", "was", "we", "were", "what", "when", "which", "who", "will",
    "with", "would", "you", "your",
})
# fmt: on
MAX_TERMS = 16
_SUFFIXES = ("ing", "ies", "es", "ed", "s")


def terms(text: str, *, limit: int = MAX_TERMS) -> list[str]:
    """The significant words of `text`, lower-cased, in order, without duplicates or stop words.

    Only letters and digits survive, so no user text ever reaches either engine's query syntax.
    """
    words = [word for word in re.findall(r"[^\W_]+", text.lower()) if len(word) > 1 and word not in _STOPWORDS]
    return list(dict.fromkeys(words))[:limit]


def stem(word: str) -> str:
    """A crude English stem ("orders", "ordering", "ordered" → "order") for comparing word sets."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word
