"""The losses registry: the single source of loss names, codes and the tasks they suit."""
import pytest

from fastnn import _spec as S
from fastnn import losses


def test_codes_names_and_aliases_come_from_the_registry():
    assert [loss.code for loss in losses.BY_CODE] == list(range(len(losses.REGISTRY)))
    assert S.LOSSES == {name: loss.code for name, loss in losses.NAMES.items()}
    assert S.CLASSIFICATION_LOSSES == (S.BCE, S.SOFTMAX_CE, S.HINGE)
    assert losses.get("BCE") is losses.get("binary_cross_entropy")
    assert all(loss.description and loss.formula and loss.targets for loss in losses.REGISTRY)


def test_defaults_and_choices_per_task():
    assert losses.default_for("regression").name == "mse"
    assert [loss.name for loss in losses.for_task("multiclass")] == ["softmax_cross_entropy", "mse"]
    assert losses.for_task("binary")[0].name == "binary_cross_entropy"
    assert {loss.name for loss in losses.for_task("binary")} == {
        "binary_cross_entropy", "softmax_cross_entropy", "hinge", "mse"}


def test_unknown_names_are_listed():
    with pytest.raises(ValueError, match=r"unknown loss 'msee'; expected one of \['bce', "):
        losses.get("msee")
    with pytest.raises(ValueError, match=r"task must be one of \['binary', 'multiclass', "
                                         r"'regression'\], got 'ranking'"):
        losses.for_task("ranking")
