"""InfoGAN's bound on a discrete table (gan_edu.theory.information) against closed forms and a
hand-written sum."""

import math

import numpy as np
import pytest

from gan_edu.theory import information_bound, mutual_information, posterior


def binary_entropy(eps: float) -> float:
    return -eps * math.log(eps) - (1 - eps) * math.log(1 - eps)


@pytest.mark.parametrize("eps", [0.01, 0.1, 0.3, 0.5])
def test_binary_symmetric_channel(eps):
    # c uniform on {0, 1}, x = c flipped with probability eps: I = ln 2 - H_b(eps).
    joint = 0.5 * np.array([[1 - eps, eps], [eps, 1 - eps]])
    expected = math.log(2) - binary_entropy(eps)
    assert mutual_information(joint) == pytest.approx(expected, abs=1e-12)
    # The true posterior attains the bound; here it is the channel itself.
    assert information_bound(joint, posterior(joint)) == pytest.approx(expected, abs=1e-12)


def test_independent_code_carries_nothing():
    joint = np.outer([0.2, 0.3, 0.5], [0.1, 0.6, 0.3])
    assert mutual_information(joint) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("k", [2, 5, 10])
def test_code_read_off_a_permutation(k):
    # x is c relabelled by a permutation: I = H(c) = ln K; a uniform Q gets H(c) - ln K = 0.
    perm = np.random.default_rng(k).permutation(k)
    joint = np.zeros((k, k))
    joint[np.arange(k), perm] = 1.0 / k
    assert mutual_information(joint) == pytest.approx(math.log(k), abs=1e-12)
    assert information_bound(joint, posterior(joint)) == pytest.approx(math.log(k), abs=1e-12)
    assert information_bound(joint, np.full((k, k), 1.0 / k)) == pytest.approx(0.0, abs=1e-12)


def test_gap_is_the_expected_kl_to_the_posterior():
    rng = np.random.default_rng(0)
    joint = rng.random((4, 6))
    joint /= joint.sum()
    q = rng.random((4, 6))
    q /= q.sum(0, keepdims=True)
    # A hand-written sum: I - sum_m p(m) KL(p(.|m) || q(.|m)).
    p_c, p_x = joint.sum(1), joint.sum(0)
    info = sum(joint[k, m] * math.log(joint[k, m] / (p_c[k] * p_x[m])) for k in range(4) for m in range(6))
    gap = sum(p_x[m] * sum((joint[k, m] / p_x[m]) * math.log(joint[k, m] / p_x[m] / q[k, m]) for k in range(4))
              for m in range(6))
    assert mutual_information(joint) == pytest.approx(info, abs=1e-12)
    bound = information_bound(joint, q)
    assert bound == pytest.approx(info - gap, abs=1e-12)
    assert bound < info


def test_posterior_leaves_unseen_outputs_uniform_and_zero_q_gives_minus_inf():
    joint = np.array([[0.5, 0.0], [0.5, 0.0]])
    assert np.allclose(posterior(joint), 0.5)
    q = np.array([[1.0, 0.5], [0.0, 0.5]])  # Q says c = 0 for sure where c = 1 also occurs
    assert information_bound(joint, q) == -math.inf


@pytest.mark.parametrize("joint, match", [
    (np.full((2, 2), 0.3), "joint must sum to 1"),
    (np.array([[1.2, -0.2]]), "finite probabilities >= 0"),
    (np.array([0.5, 0.5]), "2-D array"),
    (np.array([[np.nan, 1.0]]), "finite probabilities"),
    ("table", "2-D array of probabilities"),
])
def test_bad_joint(joint, match):
    with pytest.raises(ValueError, match=match):
        mutual_information(joint)


def test_bad_q():
    joint = np.full((2, 3), 1 / 6)
    with pytest.raises(ValueError, match="q must have the shape of joint"):
        information_bound(joint, np.full((3, 2), 0.5))
    with pytest.raises(ValueError, match="each column of q must sum to 1"):
        information_bound(joint, np.full((2, 3), 0.4))
