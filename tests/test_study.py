"""The random search and the expected best of k runs (Lucic et al. 2018), against enumeration."""

import itertools
import math

import numpy as np
import pytest
import torch

from gan_edu.study import SearchSpace, expected_best, expected_best_band


@pytest.mark.parametrize("k", [1, 2, 3, 4])
def test_expected_best_equals_the_mean_over_every_k_tuple(k):
    scores = np.array([3.0, 1.0, 4.0, 1.5, 9.0, 2.6])
    brute_min = np.mean([min(t) for t in itertools.product(scores, repeat=k)])
    brute_max = np.mean([max(t) for t in itertools.product(scores, repeat=k)])
    assert expected_best(scores, k) == pytest.approx(brute_min, rel=1e-12)
    assert expected_best(scores, k, lower_is_better=False) == pytest.approx(brute_max, rel=1e-12)


def test_expected_best_with_ties_matches_a_monte_carlo():
    scores = np.array([2.0, 2.0, 5.0, 1.0, 5.0, 7.0, 3.0])
    rng = np.random.default_rng(0)
    draws = rng.choice(scores, size=(400_000, 5)).min(axis=1)
    assert expected_best(scores, 5) == pytest.approx(draws.mean(), abs=5e-3)


def test_expected_best_goes_from_the_mean_to_the_minimum():
    scores = np.array([10.0, 30.0, 20.0, 50.0])
    assert expected_best(scores, 1) == pytest.approx(27.5)
    assert expected_best(scores, 500) == pytest.approx(10.0, abs=1e-9)
    values = [expected_best(scores, k) for k in range(1, 20)]
    assert all(b < a for a, b in zip(values, values[1:]))  # strictly better with every extra run


def test_the_band_holds_the_estimate_and_narrows_for_a_tight_pool():
    gen = torch.Generator().manual_seed(0)
    wide = np.random.default_rng(1).normal(100, 30, 40)
    mean, lo, hi = expected_best_band(wide, [1, 5, 20], n_boot=500, generator=gen)
    assert np.all(lo <= mean) and np.all(mean <= hi)
    assert mean[0] == pytest.approx(wide.mean())
    tight_mean, tight_lo, tight_hi = expected_best_band(wide / 10, [1, 5, 20], n_boot=500,
                                                        generator=torch.Generator().manual_seed(0))
    np.testing.assert_allclose(tight_hi - tight_lo, (hi - lo) / 10, rtol=1e-9)  # the same resamples, scaled


def test_search_space_draws_inside_its_ranges_and_log_uniformly():
    space = SearchSpace(lr=(1e-4, 1e-2), beta1=(0.0, 0.9), n_critic=(1, 5), penalty=(0.1, 100.0))
    draws = space.sample(4000, torch.Generator().manual_seed(0))
    lr = np.array([d["lr"] for d in draws])
    assert lr.min() >= 1e-4 and lr.max() <= 1e-2
    # log-uniform: half of the draws below the geometric middle 1e-3 (binomial sd 0.008)
    assert np.mean(lr < 1e-3) == pytest.approx(0.5, abs=0.03)
    beta1 = np.array([d["beta1"] for d in draws])
    assert beta1.min() >= 0 and beta1.max() <= 0.9 and beta1.mean() == pytest.approx(0.45, abs=0.02)
    assert {d["n_critic"] for d in draws} == {1, 5}
    assert np.mean([d["n_critic"] == 5 for d in draws]) == pytest.approx(0.5, abs=0.03)
    penalty = np.array([d["penalty"] for d in draws])
    assert np.mean(np.log10(penalty)) == pytest.approx(0.5, abs=0.04)  # the middle of log10 [-1, 2]
    again = space.sample(4000, torch.Generator().manual_seed(0))
    assert again == draws  # one seeded generator: the same samples for every loss


@pytest.mark.parametrize("make, name", [
    (lambda: expected_best([], 2), "scores"),
    (lambda: expected_best([1.0, math.nan], 2), "scores"),
    (lambda: expected_best([[1.0, 2.0]], 2), "scores"),
    (lambda: expected_best([1.0, 2.0], 0), "k"),
    (lambda: expected_best([1.0, 2.0], 1, lower_is_better="yes"), "lower_is_better"),
    (lambda: expected_best_band([1.0, 2.0], [1], level=1.0), "level"),
    (lambda: expected_best_band([1.0, 2.0], [1], n_boot=0), "n_boot"),
    (lambda: SearchSpace(lr=(0.0, 1e-2)), "lr"),
    (lambda: SearchSpace(lr=(1e-2, 1e-3)), "lr"),
    (lambda: SearchSpace(beta1=(0.0, 1.0)), "beta1"),
    (lambda: SearchSpace(n_critic=()), "n_critic"),
    (lambda: SearchSpace(n_critic=(1, 0)), "n_critic"),
    (lambda: SearchSpace().sample(0), "n"),
    (lambda: SearchSpace().sample(3, generator=0), "generator"),
])
def test_bad_input_names_the_parameter(make, name):
    with pytest.raises(ValueError, match=name):
        make()


def test_recipe_for_maps_a_setting_onto_each_loss():
    from gan_edu.recipes import PLAIN
    from gan_edu.study import recipe_for

    setting = dict(lr=3e-4, beta1=0.2, n_critic=5, penalty=7.0)
    ns = recipe_for(PLAIN, "ns", setting)
    assert (ns.lr_d, ns.lr_g, ns.betas, ns.k, ns.loss, ns.gp_weight, ns.clip) == (3e-4, 3e-4, (0.2, 0.9), 5, "ns", 0, 0)
    gp = recipe_for(PLAIN, "wgan-gp", setting)
    assert (gp.loss, gp.gp_weight, gp.optimizer) == ("wgan", 7.0, "adam")
    clip = recipe_for(PLAIN, "wgan", setting)
    assert (clip.loss, clip.clip, clip.gp_weight, clip.optimizer) == ("wgan", 0.01, 0.0, "rmsprop")
    with pytest.raises(ValueError, match="loss"):
        recipe_for(PLAIN, "wgan-lp", setting)
    with pytest.raises(ValueError, match="penalty"):
        recipe_for(PLAIN, "ns", dict(lr=1e-3, beta1=0.5, n_critic=1))


def test_toy_study_runs_every_loss_setting_and_seed_against_one_floor():
    import dataclasses

    from gan_edu.distributions import toy
    from gan_edu.metrics import sliced_wasserstein
    from gan_edu.recipes import PLAIN
    from gan_edu.study import toy_study

    base = dataclasses.replace(PLAIN, width=8, steps=3, batch_size=16)
    settings = SearchSpace().sample(2, torch.Generator().manual_seed(0))
    runs, floor = toy_study("ring8", base, settings, losses=("ns", "hinge"), seeds=(0, 1), n_eval=300)
    assert [(r.loss, r.setting, r.seed) for r in runs] == [
        (loss, i, seed) for loss in ("ns", "hinge") for i in range(2) for seed in (0, 1)]
    p = toy("ring8")
    expected_floor = sliced_wasserstein(p.sample(300, torch.Generator().manual_seed(10_002)),
                                        p.sample(300, torch.Generator().manual_seed(10_001)))
    assert floor == pytest.approx(expected_floor, rel=1e-12)
    assert all(math.isfinite(r.score) and r.score > 1 and not r.failed for r in runs)  # 3 steps: far from the data


def test_miyato_settings_are_table_1_of_the_paper():
    from gan_edu.study import MIYATO_SETTINGS

    # Miyato et al. (2018), Table 1, typed from the paper: (alpha, beta1, beta2, n_dis).
    table = {"A": (1e-4, 0.5, 0.9, 5), "B": (1e-4, 0.5, 0.999, 1), "C": (2e-4, 0.5, 0.999, 1),
             "D": (1e-3, 0.5, 0.9, 5), "E": (1e-3, 0.5, 0.999, 5), "F": (1e-3, 0.9, 0.999, 5)}
    assert {k: (s["lr"], *s["betas"], s["n_dis"]) for k, s in MIYATO_SETTINGS.items()} == table


def test_with_setting_puts_the_setting_into_either_recipe_and_game():
    from gan_edu.recipes import DIGITS8, PLAIN, build_dcgan_trainer
    from gan_edu.study import with_setting

    ns = with_setting(DIGITS8, "F")
    assert (ns.lr_d, ns.lr_g, ns.betas, ns.k, ns.loss, ns.gp_weight) == (1e-3, 1e-3, (0.9, 0.999), 5, "ns", 0.0)
    assert (ns.resolution, ns.ngf, ns.steps) == (DIGITS8.resolution, DIGITS8.ngf, DIGITS8.steps)
    gp = with_setting(DIGITS8, "B", loss="wgan-gp")
    assert (gp.lr_g, gp.betas, gp.k, gp.loss, gp.gp_weight) == (1e-4, (0.5, 0.999), 1, "wgan", 10.0)
    toy_gp = with_setting(PLAIN, "D", loss="wgan-gp")  # the setting's lr and n_dis, not WGAN-GP's own
    assert (toy_gp.lr_d, toy_gp.k, toy_gp.betas, toy_gp.r1_gamma) == (1e-3, 5, (0.5, 0.9), 0.0)
    trainer = build_dcgan_trainer("digits", recipe=gp, device="cpu")
    assert [g["lr"] for g in trainer.opt_d.param_groups] == [1e-4] and trainer.opt_d.defaults["betas"] == (0.5, 0.999)
    for bad, name in ((dict(setting="G"), "setting"), (dict(setting="A", loss="wgan"), "loss")):
        with pytest.raises(ValueError, match=name):
            with_setting(DIGITS8, **bad)
