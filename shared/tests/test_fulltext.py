"""The full-text helpers both searching services share: words, match expressions, page tokens."""

import uuid

import pytest

from ideaflow_shared import fulltext
from ideaflow_shared.problems import BadRequest


def test_terms_keep_significant_words_once_in_order_and_nothing_of_any_query_syntax() -> None:
    assert fulltext.terms('The "Repeat" ORDER, re-order & order_form* (NEAR) -x') == [
        "repeat",
        "order",
        "re",
        "form",
        "near",
    ]
    assert fulltext.terms("the and of a") == []
    assert fulltext.terms(" ".join(f"word{n}" for n in range(40))) == [f"word{n}" for n in range(fulltext.MAX_TERMS)]
    assert fulltext.terms("Café naïve", limit=1) == ["café"]


def test_match_expressions_of_both_engines() -> None:
    words = ["repeat", "order"]
    assert fulltext.match_expression(words, any_word=False, dialect="postgresql") == "repeat & order"
    assert fulltext.match_expression(words, any_word=True, dialect="postgresql") == "repeat | order"
    assert fulltext.match_expression(words, any_word=False, dialect="sqlite") == '"repeat" "order"'
    assert fulltext.match_expression(words, any_word=True, dialect="sqlite") == '"repeat" OR "order"'


def test_a_page_token_round_trips_for_its_own_search_only() -> None:
    last = uuid.uuid4()
    token = fulltext.encode_token("search:coupon", 0.0607927, last)

    assert fulltext.decode_token(token, "search:coupon") == (0.0607927, last)
    for ordering, bad in (("search:other", token), ("search:coupon", "not-a-token"), ("search:coupon", "e30")):
        with pytest.raises(BadRequest):
            fulltext.decode_token(bad, ordering)
