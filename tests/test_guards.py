"""The guards as functions of what they read: no trainer, hand-built losses and histories."""

import math

import pytest
import torch

from gan_edu.guards import PINNED, CollapseError, DivergenceError, check_collapse, check_loss
from gan_edu.history import History


def test_check_loss_returns_the_value_of_a_finite_loss():
    assert check_loss("D", torch.tensor(0.25), step=3) == 0.25


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_check_loss_names_step_and_player(bad):
    with pytest.raises(DivergenceError, match=rf"non-finite g_loss = {bad} at step 7 \(player G\)"):
        check_loss("G", torch.tensor(bad), step=7, x_real=torch.zeros(4, 2))


def test_check_loss_blames_the_data_when_x_real_holds_nan():
    x_real = (torch.tensor([[0.0], [math.nan]]), torch.tensor([1, 2]))  # (x, labels): integer labels are skipped
    with pytest.raises(DivergenceError, match=r"bad data at step 2 \(player D\): the batch of x_real holds NaN"):
        check_loss("D", torch.tensor(math.nan), step=2, x_real=x_real)


def _history(d_loss, g_loss, d_grad, g_grad):
    steps = [10 * (i + 1) for i in range(len(d_loss))]
    return History(step=steps, d_loss=d_loss, g_loss=g_loss, grad_norm_d=d_grad, grad_norm_g=g_grad)


def test_check_collapse_fires_when_one_player_is_pinned_for_patience_rows():
    tiny = PINNED / 2
    h = _history(d_loss=[0.7, tiny, tiny, tiny], g_loss=[0.7, 20.0, 21.0, 22.0],
                 d_grad=[1.0, 0.0, tiny, 0.0], g_grad=[1.0, 0.5, 0.4, 0.3])
    with pytest.raises(CollapseError, match=r"collapse at step 40 \(player D\): in the last 3 log rows "
                                            r"\(steps 20-40\).*g_loss was 22.*; lower it"):
        check_collapse(h, ["D", "G"], patience=3, advice="lower it")
    check_collapse(h, ["D", "G"], patience=4)  # the first row was not pinned: no collapse yet
    check_collapse(h, ["D", "G"], patience=0)  # 0 turns the check off


def test_check_collapse_spares_a_loss_just_above_the_threshold_and_a_shared_rest():
    above = 2 * PINNED
    h = _history(d_loss=[above] * 3, g_loss=[5.0] * 3, d_grad=[0.0] * 3, g_grad=[1.0] * 3)
    check_collapse(h, ["D", "G"], patience=3)
    both = _history(d_loss=[0.0] * 3, g_loss=[0.0] * 3, d_grad=[0.0] * 3, g_grad=[0.0] * 3)
    check_collapse(both, ["D", "G"], patience=3)  # every player at 0: an equilibrium, not a collapse
