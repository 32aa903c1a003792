"""What is computed from the text on arrival: sentiment (VADER) and a suggested kind (rules).

The kind is suggested by a small ordered rule set, not a trained classifier: a bug report's
vocabulary, then a request's, then a question's shape, then the sentiment decides complaint or
praise. It is predictable, explainable and tested; the sender's own kind always wins.
"""

import re
from dataclasses import dataclass

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from ideaflow_feedback.feedback.models import FeedbackKind, SentimentLabel

# VADER's own recommended thresholds on the compound score.
_POSITIVE_AT = 0.05
_NEGATIVE_AT = -0.05
_COMPLAINT_AT = -0.3
_PRAISE_AT = 0.5

_analyzer = SentimentIntensityAnalyzer()

_RULES: list[tuple[FeedbackKind, re.Pattern[str]]] = [
    (
        FeedbackKind.BUG,
        re.compile(
            r"\b(bug|crash(es|ed|ing)?|error|exception|broken|doesn'?t work|does not work|not working|"
            r"fails?|failed|freez(es|ing)|stack ?trace|500)\b",
            re.IGNORECASE,
        ),
    ),
    (
        FeedbackKind.REQUEST,
        re.compile(
            r"\b(please (add|let|make|allow|support)|would (be|love) (great|nice|to)|wish|could you|"
            r"feature request|it would be nice|should be able|support for|add (a|an|the)?\s?\w+ (option|button|"
            r"feature)|let me|allow(ing)? (us|me)|we need|i need|missing)\b",
            re.IGNORECASE,
        ),
    ),
    (
        FeedbackKind.QUESTION,
        re.compile(
            r"(\?\s*$|^\s*(how|what|why|when|where|which|who|can i|can we|is there|are there|does|do you|is it)\b)",
            re.IGNORECASE,
        ),
    ),
]


@dataclass(frozen=True, slots=True)
class Sentiment:
    score: float
    label: SentimentLabel


def sentiment_of(text: str) -> Sentiment:
    """VADER's compound score in [-1, 1] and its conventional label."""
    score = round(float(_analyzer.polarity_scores(text)["compound"]), 4)
    if score >= _POSITIVE_AT:
        return Sentiment(score, SentimentLabel.POSITIVE)
    if score <= _NEGATIVE_AT:
        return Sentiment(score, SentimentLabel.NEGATIVE)
    return Sentiment(score, SentimentLabel.NEUTRAL)


def suggest_kind(text: str, sentiment: Sentiment) -> FeedbackKind:
    """The first matching rule's kind; else complaint or praise by a clear sentiment; else other."""
    for kind, pattern in _RULES:
        if pattern.search(text):
            return kind
    if sentiment.score <= _COMPLAINT_AT:
        return FeedbackKind.COMPLAINT
    if sentiment.score >= _PRAISE_AT:
        return FeedbackKind.PRAISE
    return FeedbackKind.OTHER
