"""Hierarchical model notation, enumeration and designs."""

from __future__ import annotations

import numpy as np
import pytest

from uncounted.core.errors import UncountedError
from uncounted.estimate.models import (
    HierarchicalModel,
    all_hierarchical_models,
    design_matrix,
    two_list_terms,
)


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("[123,14,34]", "[123,14,34]"),
        ("[23,1]", "[1,23]"),
        ("[12,1,2,3]", "[12,3]"),
        ("[12,123]", "[123]"),
        ("[]", "[1,2,3]"),
    ],
)
def test_parse_and_print_round_trip(text: str, canonical: str) -> None:
    n_lists = 4 if "4" in text else 3
    model = HierarchicalModel.parse(text, n_lists)
    assert str(model) == canonical.replace("[1,2,3]", "[1,2,3]")
    assert HierarchicalModel.parse(str(model), n_lists) == model


def test_terms_are_the_down_closure_in_design_order() -> None:
    model = HierarchicalModel.parse("[123,14,34]", 4)
    # main effects 1..4, then pairs 12,13,14,23,34, then 123; bit j = list j+1
    assert model.terms == (1, 2, 4, 8, 3, 5, 9, 6, 12, 7)
    assert model.n_parameters == 11
    assert model.order == 3


def test_design_columns_mark_cells_on_every_list_of_the_term() -> None:
    model = HierarchicalModel.parse("[12,3]", 3)
    x = design_matrix(model)
    assert x.shape == (7, 5)
    # row for cell 0b011 (lists 1 and 2): intercept, list1, list2, not list3, 1·2
    np.testing.assert_array_equal(x[3 - 1], [1, 1, 1, 0, 1])
    np.testing.assert_array_equal(x[4 - 1], [1, 0, 0, 1, 0])


@pytest.mark.parametrize(("n_lists", "count"), [(2, 1), (3, 8), (4, 113), (5, 6893)])
def test_enumeration_matches_rcapture_closedpms(n_lists: int, count: int) -> None:
    models = all_hierarchical_models(n_lists)
    assert len(models) == count
    assert len(set(models)) == count
    assert all(m.order < n_lists or n_lists == 1 for m in models)


def test_enumeration_up_to_pairs_is_every_graph() -> None:
    assert len(all_hierarchical_models(4, max_order=2)) == 2**6
    assert len(all_hierarchical_models(5, max_order=2)) == 2**10


def test_every_enumerated_model_is_hierarchical() -> None:
    for model in all_hierarchical_models(4):
        terms = set(model.terms)
        for term in terms:
            for j in range(4):
                sub = term & ~(1 << j)
                if sub:
                    assert sub in terms


def test_two_list_terms_in_sparsemse_order() -> None:
    assert two_list_terms(3) == [0b011, 0b101, 0b110]


@pytest.mark.parametrize("bad", ["12,3", "[14]", "[1,,2]", "[11]", "[a]"])
def test_bad_notation_is_rejected(bad: str) -> None:
    with pytest.raises(UncountedError):
        HierarchicalModel.parse(bad, 3)


def test_more_than_nine_lists_use_dotted_terms() -> None:
    model = HierarchicalModel.parse("[1.10,2]", 10)
    assert str(model).startswith("[1.10,2,")
