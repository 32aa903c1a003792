"""The similarity score of the check while typing, on word stems, in [0, 1].

score = ½ · coverage + ½ · title overlap, where coverage is the share of the draft's words found
in the idea's title, problem, proposal or tags, and title overlap is the Jaccard index of the two
titles' words (or of the draft's words and the idea's title while the draft has no title yet).
Coverage rewards an idea that already says what the draft says; title overlap separates the idea
that is about it from one that merely mentions it.
"""

from ideaflow_shared.fulltext import terms

_SUFFIXES = ("ing", "ies", "es", "ed", "s")


def stem(word: str) -> str:
    """A crude English stem ("orders", "ordering", "ordered" → "order") for comparing word sets."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def stems(text: str) -> set[str]:
    return {stem(word) for word in terms(text, limit=10_000)}


def similarity(*, draft: set[str], draft_title: set[str], title: str, document: str) -> float:
    if not draft:
        return 0.0
    coverage = len(draft & stems(document)) / len(draft)
    mine = draft_title or draft
    theirs = stems(title)
    union = mine | theirs
    overlap = len(mine & theirs) / len(union) if union else 0.0
    return round((coverage + overlap) / 2, 4)
