"""core.iterables.chunked: what every destination uses to fill its calls up to the API's limit."""

from __future__ import annotations

import pytest

from tapestry.core.iterables import chunked


def test_chunks_keep_order_and_fill_all_but_the_last() -> None:
    assert list(chunked(iter(range(7)), 3)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(chunked(range(6), 3)) == [[0, 1, 2], [3, 4, 5]]


def test_no_items_make_no_chunks() -> None:
    assert list(chunked([], 500)) == []


def test_a_chunk_size_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        list(chunked([1], 0))
