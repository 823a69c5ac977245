"""Every bad input gets a clear error: one table of bad calls across the library, one of the command line.

Library cases: each is a call, the exception it must raise (``ValueError``, the library's
one error for a bad argument, wrong types included, see :mod:`gan_edu.validation`;
``TypeError`` where the trainer is handed something that is not a game, a data source or a
config), and a regex that the message must match: the argument's name, then the value
received (its ``repr``, or for an array what is wrong with it: its shape, the offending entry).

Command-line cases: each runs ``python -m gan_edu`` in-process on a copy of one short
trained run, possibly after damaging one of its files, and asserts the exit status 2, one
error line that names the flag or the file (and, for a file, what to do), no traceback, and
every file of the run directory byte-identical before and after.
"""

from __future__ import annotations

import functools
import json
import os
import pickle
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pytest
import torch
from torch import nn

from gan_edu import features, theory
from gan_edu.checkpoint import CheckpointError
from gan_edu.cli import main
from gan_edu.config import TrainConfig
from gan_edu.data import (Digits, ImageDataset, Labelled, StackedDigits, Unpaired, draw_indices, fetch,
                          load_cifar10, load_mnist, read_cifar_batches, read_idx, stacked_modes, verify_file)
from gan_edu.device import autocast, resolve_device, to_device
from gan_edu.distributions import Categorical, GaussianMixture, as_points, toy
from gan_edu.files import atomic_write, remove_stale_temporaries
from gan_edu.games import GAN, CycleGAN, InfoGAN, UnrolledGAN
from gan_edu.games.cyclegan import ImagePool
from gan_edu.history import History
from gan_edu.images import image_grid, save_image_grid
from gan_edu.losses import GradientPenalty, OrthogonalRegularization, R1Penalty, WeightClipping, get_loss
from gan_edu.metrics import (fid_from_features, frechet_distance, gaussian_statistics, mode_coverage, mode_spread,
                             nearest_mode, precision_recall)
from gan_edu.models import (MLP, DCGANConfig, DCGANDiscriminator, DCGANGenerator, Discriminator, Generator,
                            LinearCritic, PointMass)
from gan_edu.models.dcgan import init_dcgan_weights
from gan_edu.notebook import glue
from gan_edu.priors import NoPrior, Normal, WithCodes, WithLabels
from gan_edu.study import with_setting
from gan_edu.recipes import (DCGANRecipe, break_rule, with_mitigation, Scaled, ToyRecipe, build_dcgan_trainer, build_toy_trainer, generate,
                             image_channels, load_image_dataset, rejection_sample)
from gan_edu.schedules import get_schedule
from gan_edu.train import DivergenceError, Trainer
from gan_edu.validation import choice, integer, number

# ------------------------------------------------------------------------------------------
# Shared pieces, built once and never changed by a case (every case fails on entry)
# ------------------------------------------------------------------------------------------

# Files the cases read (damaged checkpoints, say): made on first use, removed after the module.
SCRATCH = Path(tempfile.gettempdir()) / f"gan_edu_bad_inputs_{os.getpid()}"


@pytest.fixture(scope="module", autouse=True)
def _scratch_folder():
    SCRATCH.mkdir(exist_ok=True)
    yield
    shutil.rmtree(SCRATCH, ignore_errors=True)
    scratch.cache_clear()


class Opaque:
    """An object a safe ``torch.load`` refuses to unpickle."""


class Fixed(nn.Module):
    """A discriminator without weights: one logit 0 per sample."""

    def forward(self, x):
        return torch.zeros(len(x))


@functools.lru_cache(maxsize=None)
def scratch(name: str) -> str:
    """A file (or directory) of the scratch folder, made on first use: a damaged or foreign checkpoint."""
    path = SCRATCH / name
    if name == "empty.pt":
        path.write_bytes(b"")
    elif name == "garbage.pt":
        path.write_bytes(b"not a checkpoint at all " * 8)
    elif name == "foreign.pt":
        torch.save({"weights": torch.zeros(3)}, path)
    elif name == "unsafe.pt":
        torch.save({"model": Opaque()}, path)
    elif name == "pickle.pt":
        path.write_bytes(pickle.dumps({"step": 1}))
    elif name == "folder.pt":
        path.mkdir()
    elif name == "truncated.pt":
        trainer().save_checkpoint(path)
        path.write_bytes(path.read_bytes()[:500])
    elif name == "parts.pt":
        torch.save({"format": "gan_edu.train/2", "step": 0}, path)
    elif name == "wrong-step.pt":
        trainer().save_checkpoint(path)
        state = torch.load(path, weights_only=True)
        state["step"] = "ten"
        torch.save(state, path)
    elif name == "other-config.pt":
        other = Trainer(GAN(Generator(2, 2, 8, 1), Discriminator(2, 8, 1)), toy("ring8"),
                        TrainConfig(steps=2, batch_size=16, device="cpu", log_every=1))
        other.save_checkpoint(path)
    return str(path)


CONFIG = TrainConfig(steps=2, batch_size=8, device="cpu", log_every=1)


@functools.lru_cache(maxsize=None)
def trainer() -> Trainer:
    torch.manual_seed(0)
    return Trainer(GAN(Generator(2, 2, 8, 1), Discriminator(2, 8, 1)), toy("ring8"), CONFIG)


def nets() -> tuple[nn.Module, nn.Module]:
    torch.manual_seed(0)
    return Generator(2, 2, 8, 1), Discriminator(2, 8, 1)


RING8 = toy("ring8")
GAUSS = toy("gauss1d")
IMAGES = torch.zeros(4, 1, 4, 4)


# ------------------------------------------------------------------------------------------
# Library cases
# ------------------------------------------------------------------------------------------

_MISSING = object()


def bad(id: str, call: Callable[[], object], name: str, value=_MISSING, *, shows: str | None = None,
        error: type[Exception] = ValueError):
    """A case: ``call()`` raises ``error`` whose message names ``name`` and then shows ``shows``
    (default: the repr of ``value``)."""
    if shows is None:
        shows = repr(value)
    pattern = rf"(?s)(?<![\w-]){re.escape(name)}(?![\w-]).*{re.escape(shows)}"
    return pytest.param(call, error, pattern, id=id)


VALIDATION = [
    bad("integer-bool", lambda: integer("width", True), "width", True),
    bad("integer-float", lambda: integer("depth", 2.0, minimum=0), "depth", 2.0),
    bad("number-nan", lambda: number("lr", float("nan"), minimum=0), "lr", float("nan")),
    bad("number-string", lambda: number("gamma", "1"), "gamma", "1"),
    bad("choice-bool-for-int", lambda: choice("channels", True, (1, 3)), "channels", True),
]

DISTRIBUTIONS = [
    bad("GaussianMixture-stds-bool", lambda: GaussianMixture([0.0, 1.0], stds=True), "stds", True),
    bad("GaussianMixture-stds-zero", lambda: GaussianMixture([0.0, 1.0], stds=0.0), "stds", [0.0, 0.0]),
    bad("GaussianMixture-stds-negative", lambda: GaussianMixture([0.0, 1.0], stds=[1.0, -1.0]), "stds", [1.0, -1.0]),
    bad("GaussianMixture-stds-shape", lambda: GaussianMixture([0.0, 1.0], stds=[1.0, 1.0, 1.0]), "stds", (3,)),
    bad("GaussianMixture-stds-nan", lambda: GaussianMixture([0.0, 1.0], stds=float("nan")), "stds", float("nan")),
    bad("GaussianMixture-stds-string", lambda: GaussianMixture([0.0], stds="1"), "stds", "1"),
    bad("GaussianMixture-means-string", lambda: GaussianMixture("abc", 1.0), "means", "abc"),
    bad("GaussianMixture-means-empty", lambda: GaussianMixture([], 1.0), "means", (0,)),
    bad("GaussianMixture-means-3d", lambda: GaussianMixture([[[0.0]]], 1.0), "means", (1, 1, 1)),
    bad("GaussianMixture-means-bools", lambda: GaussianMixture([True, False], 1.0), "means", [True, False]),
    bad("GaussianMixture-means-inf", lambda: GaussianMixture([0.0, float("inf")], 1.0), "means", float("inf")),
    bad("GaussianMixture-weights-sum", lambda: GaussianMixture([0.0, 1.0], 1.0, [0.5, 0.6]), "weights", shows="1.1"),
    bad("GaussianMixture-weights-negative", lambda: GaussianMixture([0.0, 1.0], 1.0, [1.5, -0.5]), "weights",
        [1.5, -0.5]),
    bad("GaussianMixture-weights-shape", lambda: GaussianMixture([0.0, 1.0], 1.0, [1.0]), "weights", (1,)),
    bad("GaussianMixture-weights-bools", lambda: GaussianMixture([0.0, 1.0], 1.0, [True, False]), "weights",
        [True, False]),
    bad("GaussianMixture.sample-negative", lambda: GAUSS.sample(-1), "n", -1),
    bad("GaussianMixture.sample-float", lambda: GAUSS.sample(2.5), "n", 2.5),
    bad("GaussianMixture.sample-bool", lambda: GAUSS.sample(True), "n", True),
    bad("GaussianMixture.bounds-zero", lambda: GAUSS.bounds(width=0), "width", 0),
    bad("GaussianMixture.bounds-string", lambda: GAUSS.bounds(width="4"), "width", "4"),
    bad("GaussianMixture.log_prob-shape", lambda: GAUSS.log_prob(np.zeros((3, 2))), "x", (3, 2)),
    bad("GaussianMixture.log_prob-nan", lambda: GAUSS.log_prob([float("nan")]), "x", float("nan")),
    bad("GaussianMixture.pdf-2d-shape", lambda: RING8.pdf(np.zeros(3)), "x", (3,)),
    bad("Categorical-sum", lambda: Categorical([0.5, 0.6]), "probs", shows="1.1"),
    bad("Categorical-negative", lambda: Categorical([-0.5, 1.5]), "probs", [-0.5, 1.5]),
    bad("Categorical-empty", lambda: Categorical([]), "probs", (0,)),
    bad("Categorical-2d", lambda: Categorical([[0.5, 0.5]]), "probs", (1, 2)),
    bad("Categorical.log_prob-outside", lambda: Categorical([0.5, 0.5]).log_prob([2]), "x", 2.0),
    bad("Categorical.pdf-fraction", lambda: Categorical([0.5, 0.5]).pdf([0.5]), "x", 0.5),
    bad("Categorical.sample-none", lambda: Categorical([0.5, 0.5]).sample(None), "n", None),
    bad("toy-unknown", lambda: toy("ring9"), "name", "ring9"),
    bad("toy-int", lambda: toy(8), "name", 8),
    bad("as_points-dim", lambda: as_points(np.zeros(3), dim=0), "dim", 0),
    bad("as_points-shape", lambda: as_points(np.zeros((2, 3)), 2, "points"), "points", (2, 3)),
]

METRICS = [
    bad("mode_coverage-rank3", lambda: mode_coverage(np.zeros((2, 2, 2)), RING8), "samples", (2, 2, 2)),
    bad("mode_coverage-scalar", lambda: mode_coverage(np.float64(1.0), RING8), "samples", ()),
    bad("mode_coverage-dim", lambda: mode_coverage(np.zeros((5, 3)), RING8), "samples", (5, 3)),
    bad("mode_coverage-empty", lambda: mode_coverage(np.zeros((0, 2)), RING8), "samples", (0, 2)),
    bad("mode_coverage-string", lambda: mode_coverage("abc", RING8), "samples", shows="str"),
    bad("mode_coverage-tensor-rank3", lambda: mode_coverage(torch.zeros(4, 2, 1), RING8), "samples", (4, 2, 1)),
    bad("mode_coverage-threshold-zero", lambda: mode_coverage(np.zeros((5, 2)), RING8, threshold=0), "threshold", 0),
    bad("mode_coverage-threshold-bool", lambda: mode_coverage(np.zeros((5, 2)), RING8, threshold=True),
        "threshold", True),
    bad("mode_coverage-threshold-nan", lambda: mode_coverage(np.zeros((5, 2)), RING8, threshold=float("nan")),
        "threshold", float("nan")),
    bad("mode_coverage-mixture", lambda: mode_coverage(np.zeros((5, 2)), "ring8"), "mixture", "ring8"),
    bad("mode_spread-within", lambda: mode_spread(np.zeros((5, 2)), RING8, within=-1), "within", -1),
    bad("mode_spread-rank3", lambda: mode_spread(np.zeros((5, 2, 1)), RING8), "samples", (5, 2, 1)),
    bad("nearest_mode-empty-means", lambda: nearest_mode(np.zeros((5, 2)), np.zeros((0, 2))), "means", (0, 2)),
    bad("nearest_mode-string-means", lambda: nearest_mode(np.zeros((5, 2)), "abc"), "means", shows="str"),
    bad("frechet-negative-definite", lambda: frechet_distance(np.zeros(2), -np.eye(2), np.zeros(2), np.eye(2)),
        "sigma1", shows="-1"),
    bad("frechet-indefinite", lambda: frechet_distance(np.zeros(2), np.array([[1.0, 2.0], [2.0, 1.0]]),
                                                       np.zeros(2), np.eye(2)), "sigma1", shows="-1"),
    bad("frechet-asymmetric", lambda: frechet_distance(np.zeros(2), np.eye(2), np.zeros(2),
                                                       np.array([[1.0, 2.0], [0.0, 1.0]])), "sigma2", shows="= 2"),
    bad("frechet-both-negative-is-not-0", lambda: frechet_distance(np.zeros(2), -np.eye(2), np.zeros(2), -np.eye(2)),
        "sigma1", shows="-1"),
    bad("frechet-sigma-shape", lambda: frechet_distance(np.zeros(3), np.eye(2), np.zeros(3), np.eye(3)),
        "sigma1", (2, 2)),
    bad("frechet-mu-rank", lambda: frechet_distance(np.zeros((2, 2)), np.eye(2), np.zeros(2), np.eye(2)),
        "mu1", (2, 2)),
    bad("frechet-mu2-shape", lambda: frechet_distance(np.zeros(2), np.eye(2), np.zeros(3), np.eye(2)), "mu2", (3,)),
    bad("frechet-nan", lambda: frechet_distance([float("nan"), 0.0], np.eye(2), np.zeros(2), np.eye(2)),
        "mu1", float("nan")),
    bad("frechet-string", lambda: frechet_distance("ab", np.eye(2), np.zeros(2), np.eye(2)), "mu1", shows="str"),
    bad("gaussian_statistics-one-row", lambda: gaussian_statistics(np.zeros((1, 3))), "features", (1, 3)),
    bad("gaussian_statistics-1d", lambda: gaussian_statistics(np.zeros(5)), "features", (5,)),
    bad("fid_from_features-dims", lambda: fid_from_features(np.zeros((5, 2)), np.zeros((5, 3))), "feats_b",
        shows="3"),
    bad("precision_recall-k-zero", lambda: precision_recall(np.zeros((5, 2)), np.zeros((5, 2)), k=0), "k", 0),
    bad("precision_recall-k-too-big", lambda: precision_recall(np.zeros((5, 2)), np.zeros((5, 2)), k=5), "k", 5),
    bad("precision_recall-chunk", lambda: precision_recall(np.zeros((5, 2)), np.zeros((5, 2)), chunk=0), "chunk", 0),
    bad("precision_recall-empty", lambda: precision_recall(np.zeros((0, 2)), np.zeros((5, 2))), "real_features",
        (0, 2)),
    bad("precision_recall-dims", lambda: precision_recall(np.zeros((5, 2)), np.zeros((5, 3))), "fake_features",
        shows="3"),
    bad("precision_recall-inf", lambda: precision_recall(np.full((5, 2), np.inf), np.zeros((5, 2))),
        "real_features", float("inf")),
]

DATA = [
    bad("ImageDataset-nan", lambda: ImageDataset(torch.full((2, 1, 2, 2), float("nan"))), "images", shows="NaN"),
    bad("ImageDataset-0..255", lambda: ImageDataset(torch.full((2, 1, 2, 2), 255.0)), "images", shows="255"),
    bad("ImageDataset-uint8", lambda: ImageDataset(torch.zeros(2, 1, 2, 2, dtype=torch.uint8)), "images",
        shows="torch.uint8"),
    bad("ImageDataset-rank2", lambda: ImageDataset(torch.zeros(2, 2)), "images", (2, 2)),
    bad("ImageDataset-numpy", lambda: ImageDataset(np.zeros((2, 1, 2, 2))), "images", shows="ndarray"),
    bad("ImageDataset-labels-fraction", lambda: ImageDataset(IMAGES, labels=[0.5, 1, 2, 3]), "labels",
        shows="non-integer"),
    bad("ImageDataset-labels-shape", lambda: ImageDataset(IMAGES, labels=[0]), "labels", (1,)),
    bad("ImageDataset-labels-bools", lambda: ImageDataset(IMAGES, labels=[True, False, True, False]), "labels",
        shows="torch.bool"),
    bad("ImageDataset-labels-string", lambda: ImageDataset(IMAGES, labels="ab"), "labels", shows="str"),
    bad("ImageDataset.sample-negative", lambda: ImageDataset(IMAGES).sample(-1), "n", -1),
    bad("ImageDataset.sample_labelled-none", lambda: ImageDataset(IMAGES).sample_labelled(2), "labels", shows="none"),
    bad("draw_indices-negative-size", lambda: draw_indices(-1, 2, None), "size", -1),
    bad("draw_indices-empty", lambda: draw_indices(0, 2, None), "size", 0),
    bad("Digits-size", lambda: Digits(size=12), "size", 12),
    bad("Digits-split", lambda: Digits(split="validation"), "split", "validation"),
    bad("Digits-test_fraction", lambda: Digits(test_fraction=1.0), "test_fraction", 1.0),
    bad("Digits-seed", lambda: Digits(seed=1.5), "seed", 1.5),
    bad("StackedDigits-digits-type", lambda: StackedDigits(digits="digits"), "digits", shows="str"),
    bad("StackedDigits-both", lambda: StackedDigits(Digits(), size=16), "digits", shows="['size']"),
    bad("stacked_modes-shape", lambda: stacked_modes(torch.zeros(3, 2, dtype=torch.long)), "digit_labels", (3, 2)),
    bad("stacked_modes-range", lambda: stacked_modes(torch.full((1, 3), 10)), "digit_labels", shows="10"),
    bad("Labelled-no-sample_labelled", lambda: Labelled(torch.zeros(3)), "dataset", shows="Tensor"),
    bad("Labelled-no-labels", lambda: Labelled(ImageDataset(IMAGES)), "dataset", shows="no labels"),
    bad("Unpaired-b", lambda: Unpaired(RING8, 3), "b", shows="int"),
    bad("read_idx-magic", lambda: read_idx(scratch("garbage.pt"), magic=True), "magic", True),
    bad("read_cifar_batches-names", lambda: read_cifar_batches(scratch("garbage.pt"), "test_batch"), "names",
        "test_batch"),
    bad("fetch-name", lambda: fetch("mnist/unknown.gz", SCRATCH), "name", "mnist/unknown.gz"),
    bad("fetch-root", lambda: fetch("mnist/train-images-idx3-ubyte.gz", root=123), "root", 123),
    bad("fetch-download", lambda: fetch("mnist/train-images-idx3-ubyte.gz", SCRATCH / "cache", download="yes"),
        "download", "yes"),
    bad("verify_file-name", lambda: verify_file(scratch("garbage.pt"), "bogus"), "name", "bogus"),
    bad("load_mnist-split", lambda: load_mnist(SCRATCH, split="valid"), "split", "valid"),
    bad("load_mnist-download", lambda: load_mnist(SCRATCH, download=1), "download", 1),
    bad("load_cifar10-split", lambda: load_cifar10(SCRATCH, split=3), "split", 3),
]

LOSSES_AND_MODELS = [
    bad("get_loss-unknown", lambda: get_loss("bogus"), "loss", "bogus"),
    bad("get_loss-bool", lambda: get_loss(True), "loss", True),
    bad("R1Penalty-gamma", lambda: R1Penalty(gamma=-1.0), "gamma", -1.0),
    bad("R1Penalty-every", lambda: R1Penalty(every=0), "every", 0),
    bad("GradientPenalty-weight-nan", lambda: GradientPenalty(weight=float("nan")), "weight", float("nan")),
    bad("GradientPenalty-weight-bool", lambda: GradientPenalty(weight=True), "weight", True),
    bad("WeightClipping-zero", lambda: WeightClipping(c=0), "c", 0),
    bad("WeightClipping-negative", lambda: WeightClipping(c=-0.1), "c", -0.1),
    bad("OrthogonalRegularization-beta", lambda: OrthogonalRegularization(beta=-1.0), "beta", -1.0),
    bad("OrthogonalRegularization-string", lambda: OrthogonalRegularization(beta="1"), "beta", "1"),
    bad("MLP-width-bool", lambda: MLP(2, 1, width=True), "width", True),
    bad("MLP-in_dim", lambda: MLP(0, 1), "in_dim", 0),
    bad("MLP-depth", lambda: MLP(2, 1, depth=-1), "depth", -1),
    bad("MLP-activation", lambda: MLP(2, 1, activation="sigmoid"), "activation", "sigmoid"),
    bad("MLP-norm", lambda: MLP(2, 1, norm="group"), "norm", "group"),
    bad("MLP-init", lambda: MLP(2, 1, init="xavier"), "init", "xavier"),
    bad("Generator-categories", lambda: Generator(2, 2, categories=-1), "categories", -1),
    bad("Generator-latent-with-code", lambda: Generator(1, 2, categories=5), "latent_dim", 1),
    bad("Generator-noise_scale", lambda: Generator(2, 2, noise_scale=0), "noise_scale", 0),
    bad("Discriminator-data_dim", lambda: Discriminator(0), "data_dim", 0),
    bad("Discriminator-pack", lambda: Discriminator(2, pack=0), "pack", 0),
    bad("Discriminator-minibatch_std", lambda: Discriminator(2, minibatch_std=1), "minibatch_std", 1),
    bad("Discriminator-norm", lambda: Discriminator(2, norm="instance"), "norm", "instance"),
    bad("DCGANConfig-resolution", lambda: DCGANConfig(resolution=48), "resolution", 48),
    bad("DCGANConfig-channels", lambda: DCGANConfig(channels=2), "channels", 2),
    bad("DCGANConfig-ngf", lambda: DCGANConfig(ngf=0), "ngf", 0),
    bad("DCGANConfig-ndf-float", lambda: DCGANConfig(ndf=1.5), "ndf", 1.5),
    bad("DCGANConfig-resample", lambda: DCGANConfig(resample="max"), "resample", "max"),
    bad("DCGANConfig-pack", lambda: DCGANConfig(pack=0), "pack", 0),
    bad("DCGANConfig-fc_hidden", lambda: DCGANConfig(fc_hidden=-1), "fc_hidden", -1),
    bad("DCGANConfig-fc_hidden-bool", lambda: DCGANConfig(fc_hidden=True), "fc_hidden", True),
    bad("DCGANConfig-g_output", lambda: DCGANConfig(g_output="relu"), "g_output", "relu"),
    bad("DCGANConfig-d_activation", lambda: DCGANConfig(d_activation="LeakyReLU"), "d_activation", "LeakyReLU"),
    bad("DCGANConfig-init", lambda: DCGANConfig(init="xavier"), "init", "xavier"),
    bad("DCGANGenerator-config", lambda: DCGANGenerator("small"), "config", shows="str"),
    bad("DCGANDiscriminator-config", lambda: DCGANDiscriminator(config=3), "config", shows="int"),
    bad("init_dcgan_weights-module", lambda: init_dcgan_weights("G"), "module", shows="str"),
    bad("PointMass-theta-nan", lambda: PointMass(float("nan")), "theta", float("nan")),
    bad("PointMass-theta-bool", lambda: PointMass(True), "theta", True),
    bad("PointMass-latent_dim", lambda: PointMass(1.0, latent_dim=0), "latent_dim", 0),
    bad("LinearCritic-psi-string", lambda: LinearCritic("a"), "psi", "a"),
]

GAMES_PRIORS_SCHEDULES = [
    bad("GAN-loss", lambda: GAN(*nets(), loss="bogus"), "loss", "bogus"),
    bad("GAN-loss-object", lambda: GAN(*nets(), loss=5), "loss", 5),
    bad("GAN-G", lambda: GAN(lambda z: z, nets()[1], prior=Normal(2)), "G", shows="function"),
    bad("GAN-D", lambda: GAN(nets()[0], 3), "D", 3),
    bad("GAN-penalty-name", lambda: GAN(*nets(), penalty="r1"), "penalty", shows="R1Penalty(gamma=1.0)), got 'r1'"),
    bad("GAN-constraint", lambda: GAN(*nets(), constraint=0.01), "constraint", 0.01),
    bad("GAN-g_penalty", lambda: GAN(*nets(), g_penalty="ortho"), "g_penalty", "ortho"),
    bad("GAN-prior", lambda: GAN(*nets(), prior=3), "prior", 3),
    bad("InfoGAN-Q", lambda: InfoGAN(*nets(), None, prior=WithCodes(2)), "Q", None),
    bad("CycleGAN-D_b", lambda: CycleGAN(*nets(), nets()[1], "D"), "D_b", "D"),
    bad("UnrolledGAN-unroll", lambda: UnrolledGAN(*nets(), unroll=-1), "unroll", -1),
    bad("UnrolledGAN-unroll_lr", lambda: UnrolledGAN(*nets(), unroll_lr=0.0), "unroll_lr", 0.0),
    bad("InfoGAN-prior", lambda: InfoGAN(*nets(), nets()[1], prior=Normal(2)), "prior", shows="Normal(latent_dim=2)"),
    bad("CycleGAN-cycle_weight", lambda: CycleGAN(*nets(), *nets(), cycle_weight=-1.0), "cycle_weight", -1.0),
    bad("CycleGAN-identity_weight", lambda: CycleGAN(*nets(), *nets(), identity_weight=float("nan")),
        "identity_weight", float("nan")),
    bad("ImagePool-size", lambda: ImagePool(size=-1), "size", -1),
    bad("Normal-latent_dim", lambda: Normal(0), "latent_dim", 0),
    bad("Normal-sample-n", lambda: Normal(2).sample(-1), "n", -1),
    bad("Normal-sample-n-float", lambda: Normal(2).sample(2.5), "n", 2.5),
    bad("Normal-sample-generator", lambda: Normal(2).sample(4, 0), "generator", 0),
    bad("WithLabels-sample-n", lambda: WithLabels(2, 3).sample(True), "n", True),
    bad("WithCodes-sample-n", lambda: WithCodes(2).sample(-3), "n", -3),
    bad("NoPrior-sample-n", lambda: NoPrior().sample(-1), "n", -1),
    bad("WithLabels-classes", lambda: WithLabels(2, classes=1), "classes", 1),
    bad("WithCodes-categories", lambda: WithCodes(2, categories=1), "categories", 1),
    bad("WithCodes-continuous", lambda: WithCodes(2, continuous=-1), "continuous", -1),
    bad("get_schedule-name", lambda: get_schedule("bogus"), "schedule", "bogus"),
    bad("get_schedule-simultaneous-k", lambda: get_schedule("simultaneous", 2), "k", 2),
]

IMAGES_FILES_THEORY_MISC = [
    bad("image_grid-channels", lambda: image_grid(torch.zeros(2, 2, 4, 4)), "images", (2, 2, 4, 4)),
    bad("image_grid-numpy", lambda: image_grid(np.zeros((2, 1, 4, 4))), "images", shows="ndarray"),
    bad("image_grid-empty", lambda: image_grid(torch.zeros(0, 1, 4, 4)), "images", (0, 1, 4, 4)),
    bad("image_grid-nrow", lambda: image_grid(IMAGES, nrow=0), "nrow", 0),
    bad("image_grid-padding", lambda: image_grid(IMAGES, padding=-1), "padding", -1),
    bad("image_grid-pad_value", lambda: image_grid(IMAGES, pad_value=2.0), "pad_value", 2.0),
    bad("save_image_grid-scale", lambda: save_image_grid(SCRATCH / "g.png", IMAGES, scale=0), "scale", 0),
    bad("save_image_grid-path", lambda: save_image_grid(123, IMAGES), "path", 123),
    bad("atomic_write-mode", lambda: atomic_write(SCRATCH / "x", "a").__enter__(), "mode", "a"),
    bad("atomic_write-path", lambda: atomic_write(123).__enter__(), "path", 123),
    bad("remove_stale_temporaries-prefix", lambda: remove_stale_temporaries(SCRATCH, ""), "prefix", ""),
    bad("remove_stale_temporaries-prefix-slash", lambda: remove_stale_temporaries(SCRATCH, "a/b"), "prefix", "a/b"),
    bad("remove_stale_temporaries-directory", lambda: remove_stale_temporaries(None, "ckpt"), "directory", None),
    bad("binary_objective-A", lambda: theory.binary_objective(0.5, -1.0, 1.0), "A", -1.0),
    bad("binary_objective-B-nan", lambda: theory.binary_objective(0.5, 1.0, float("nan")), "B", float("nan")),
    bad("binary_objective-x", lambda: theory.binary_objective(1.0, 1.0, 1.0), "x", 1.0),
    bad("binary_objective-x-string", lambda: theory.binary_objective("a", 1.0, 1.0), "x", "a"),
    bad("binary_objective-A+B", lambda: theory.binary_objective(0.5, 0.0, 0.0), "A + B", 0.0),
    bad("binary_objective_derivative-base-1", lambda: theory.binary_objective_derivative(0.5, 1, 1, base=1),
        "base", 1.0),
    bad("binary_objective_derivative-base-negative", lambda: theory.binary_objective_derivative(0.5, 1, 1, base=-2),
        "base", -2),
    bad("binary_objective_derivative-base-string", lambda: theory.binary_objective_derivative(0.5, 1, 1, base="10"),
        "base", "10"),
    bad("binary_argmax-bool", lambda: theory.binary_argmax(True, 1.0), "A", True),
    bad("optimal_discriminator-p_g", lambda: theory.optimal_discriminator(GAUSS, "p_g", np.zeros(3)), "p_g",
        shows="str"),
    bad("optimal_discriminator-dims", lambda: theory.optimal_discriminator(GAUSS, RING8, np.zeros(3)), "p_g",
        shows="2"),
    bad("optimal_discriminator-x", lambda: theory.optimal_discriminator(GAUSS, GAUSS, np.zeros((3, 2))), "x", (3, 2)),
    bad("value-D", lambda: theory.value(GAUSS, GAUSS, "D"), "D", "D"),
    bad("value-logits", lambda: theory.value(GAUSS, GAUSS, lambda x: x[:, 0], logits=1), "logits", 1),
    bad("discriminator_gap-D", lambda: theory.discriminator_gap(GAUSS, GAUSS, None), "D", None),
    bad("kl_divergence_mc-n", lambda: theory.kl_divergence_mc(GAUSS, GAUSS, n=1), "n", 1),
    bad("kl_divergence_mc-generator", lambda: theory.kl_divergence_mc(GAUSS, GAUSS, 10, generator=0),
        "generator", 0),
    bad("js_divergence_mc-n", lambda: theory.js_divergence_mc(GAUSS, GAUSS, n=2.5), "n", 2.5),
    bad("integration_rule-none", lambda: theory.integration_rule(), "distributions", shows="none"),
    bad("integration_rule-mixed", lambda: theory.integration_rule(GAUSS, Categorical([0.5, 0.5])), "distributions",
        shows="Categorical"),
    bad("value_from_js-string", lambda: theory.value_from_js("a"), "js", "a"),
    bad("js_from_value-nan", lambda: theory.js_from_value(float("nan")), "value", float("nan")),
    bad("resolve_device-unknown", lambda: resolve_device("tpu"), "device", "tpu"),
    bad("autocast-precision", lambda: autocast(torch.device("cpu"), "fp16"), "precision", "fp16"),
    bad("to_device-string", lambda: to_device(IMAGES, "cpu"), "device", "cpu"),
    bad("History-lengths", lambda: History(step=[1, 2], d_loss=[0.1]), "d_loss", shows="1 values"),
    bad("History.append-no-step", lambda: History().append({"d_loss": 1.0}), "row", {"d_loss": 1.0}),
    bad("glue-name", lambda: glue("", 1.0), "name", ""),
    bad("glue-display", lambda: glue("x", 1.0, display="yes"), "display", "yes"),
]

CONFIGS = [
    bad(f"TrainConfig-{field}-{value!r}", functools.partial(lambda f, v: TrainConfig(**{f: v}), field, value),
        field, value)
    for field, value in [
        ("steps", 0), ("steps", True), ("batch_size", -3), ("k", 0), ("k", np.float64(2.0)), ("seed", -1),
        ("seed", 1.5), ("lr_d", True), ("lr_g", 0), ("lr_d", float("inf")), ("betas", (0.5, 1.0)),
        ("betas", (0.5,)), ("betas", 0.5), ("betas", (True, 0.9)), ("schedule", "bogus"), ("optimizer", "adamw"),
        ("device", "cuda:abc"), ("device", None), ("device", "cuda:"), ("device", "CPU"), ("device", 1),
        ("precision", "fp16"), ("channels_last", 1), ("compile", "yes"), ("compile_mode", "fastest"), ("ema", 1.0),
        ("ema", -0.1), ("lr_decay_start", 1.5), ("log_every", 0), ("checkpoint_every", -1),
        ("checkpoint_path", 123), ("checkpoint_path", ""), ("collapse_patience", -1), ("collapse_patience", True),
    ]
] + [
    bad("TrainConfig-simultaneous-k", lambda: TrainConfig(schedule="simultaneous", k=2), "k", 2),
    bad("TrainConfig-checkpoint_path-missing", lambda: TrainConfig(checkpoint_every=10), "checkpoint_path", None),
]

TRAINER = [
    bad("Trainer-game", lambda: Trainer("game", RING8, CONFIG), "game", shows="str", error=TypeError),
    bad("Trainer-data", lambda: Trainer(GAN(*nets()), 3, CONFIG), "data", shows="int", error=TypeError),
    bad("Trainer-config", lambda: Trainer(GAN(*nets()), RING8, {"steps": 2}), "config", shows="dict",
        error=TypeError),
    bad("Trainer-D-not-a-module", lambda: Trainer(GAN(nets()[0], 3), RING8, CONFIG), "D", shows="int"),
    bad("Trainer-penalty-not-callable", lambda: Trainer(GAN(*nets(), penalty="r1"), RING8, CONFIG), "penalty", "r1"),
    bad("Trainer-constraint-not-callable", lambda: Trainer(GAN(*nets(), constraint=0.01), RING8, CONFIG),
        "constraint", 0.01),
    bad("Trainer-player-without-parameters", lambda: Trainer(GAN(nets()[0], Fixed()), RING8, CONFIG), "player D",
        shows="no parameters"),
    bad("Trainer-prior-without-sample", lambda: Trainer(GAN(*nets(), prior=3), RING8, CONFIG), "prior", 3),
    bad("Trainer-data-of-another-dimension", lambda: Trainer(GAN(*nets()), GAUSS, CONFIG), "G", shows="(n, 1)"),
    bad("Trainer.fit-steps-negative", lambda: trainer().fit(steps=-5), "steps", -5),
    bad("Trainer.fit-steps-float", lambda: trainer().fit(steps=2.5), "steps", 2.5),
    bad("Trainer.fit-steps-bool", lambda: trainer().fit(steps=True), "steps", True),
    bad("Trainer.fit-progress", lambda: trainer().fit(1, progress="yes"), "progress", "yes"),
    bad("Trainer.fit-d_only", lambda: trainer().fit(1, d_only=1), "d_only", 1),
    bad("Trainer.fit-callback", lambda: trainer().fit(1, callback=3), "callback", 3),
    bad("Trainer.sample-n", lambda: trainer().sample(-1), "n", -1),
    bad("Trainer.sample-ema", lambda: trainer().sample(2, ema="no"), "ema", "no"),
    bad("Trainer.sample-z", lambda: trainer().sample(2, z=[1.0, 2.0]), "z", shows="list"),
    bad("Trainer.sample_real-n", lambda: trainer().sample_real(-1), "n", -1),
    bad("Trainer.sample_inputs-n", lambda: trainer().sample_inputs(2.5), "n", 2.5),
    bad("Trainer.iteration-d_only", lambda: trainer().iteration(d_only="no"), "d_only", "no"),
    bad("Trainer.save_checkpoint-int", lambda: trainer().save_checkpoint(123), "path", 123),
    bad("Trainer.save_checkpoint-empty", lambda: trainer().save_checkpoint(""), "path", ""),
    bad("Trainer.load_checkpoint-none", lambda: trainer().load_checkpoint(None), "path", None),
    bad("Trainer.load_checkpoint-missing", lambda: trainer().load_checkpoint(SCRATCH / "missing.pt"), "checkpoint",
        shows="does not exist", error=CheckpointError),
    bad("Trainer.load_checkpoint-empty", lambda: trainer().load_checkpoint(scratch("empty.pt")), "checkpoint",
        shows="the file is empty", error=CheckpointError),
    bad("Trainer.load_checkpoint-truncated", lambda: trainer().load_checkpoint(scratch("truncated.pt")),
        "checkpoint", shows="truncated", error=CheckpointError),
    bad("Trainer.load_checkpoint-garbage", lambda: trainer().load_checkpoint(scratch("garbage.pt")), "checkpoint",
        shows="not a torch file", error=CheckpointError),
    bad("Trainer.load_checkpoint-unsafe-pickle", lambda: trainer().load_checkpoint(scratch("unsafe.pt")),
        "checkpoint", shows="refuses", error=CheckpointError),
    bad("Trainer.load_checkpoint-plain-pickle", lambda: trainer().load_checkpoint(scratch("pickle.pt")),
        "checkpoint", shows="refuses", error=CheckpointError),
    bad("Trainer.load_checkpoint-foreign", lambda: trainer().load_checkpoint(scratch("foreign.pt")), "checkpoint",
        shows="not a gan_edu.train/2 checkpoint", error=CheckpointError),
    bad("Trainer.load_checkpoint-directory", lambda: trainer().load_checkpoint(scratch("folder.pt")), "checkpoint",
        shows="is a directory", error=CheckpointError),
    bad("Trainer.load_checkpoint-parts", lambda: trainer().load_checkpoint(scratch("parts.pt")), "checkpoint",
        shows="lacks", error=CheckpointError),
    bad("Trainer.load_checkpoint-step-type", lambda: trainer().load_checkpoint(scratch("wrong-step.pt")),
        "checkpoint", shows="step has type str", error=CheckpointError),
    bad("Trainer.load_checkpoint-other-config", lambda: trainer().load_checkpoint(scratch("other-config.pt")),
        "checkpoint", shows="batch_size: 16 != 8", error=CheckpointError),
]

RECIPES_AND_FEATURES = [
    bad("ToyRecipe-width", lambda: ToyRecipe(width=0), "width", 0),
    bad("ToyRecipe-pack", lambda: ToyRecipe(pack=0), "pack", 0),
    bad("ToyRecipe-unroll", lambda: ToyRecipe(unroll=-1), "unroll", -1),
    bad("ToyRecipe-unroll_lr", lambda: ToyRecipe(unroll_lr=0.0), "unroll_lr", 0.0),
    bad("ToyRecipe-minibatch_std", lambda: ToyRecipe(minibatch_std="yes"), "minibatch_std", "yes"),
    bad("ToyRecipe-init_scale", lambda: ToyRecipe(init_scale=0.0), "init_scale", 0.0),
    bad("DCGANRecipe-init_scale", lambda: DCGANRecipe(init_scale=-2.0), "init_scale", -2.0),
    bad("DCGANRecipe-pack", lambda: DCGANRecipe(pack=1.5), "pack", 1.5),
    bad("with_setting-setting", lambda: with_setting(DCGANRecipe(), "Z"), "setting", "Z"),
    bad("with_setting-loss", lambda: with_setting(DCGANRecipe(), "A", loss="hinge"), "loss", "hinge"),
    bad("with_mitigation-name", lambda: with_mitigation(ToyRecipe(), "dropout"), "name", "dropout"),
    bad("with_mitigation-recipe", lambda: with_mitigation(DCGANRecipe(), "pacgan-2"), "recipe", shows="DCGANRecipe"),
    bad("break_rule-rule", lambda: break_rule(DCGANRecipe(), "no dropout"), "rule", "no dropout"),
    bad("break_rule-recipe", lambda: break_rule(ToyRecipe(), "no batch norm in D"), "recipe", shows="ToyRecipe"),
    bad("ToyRecipe-activation", lambda: ToyRecipe(activation="sigmoid"), "activation", "sigmoid"),
    bad("ToyRecipe-g_norm", lambda: ToyRecipe(g_norm="group"), "g_norm", "group"),
    bad("ToyRecipe-lr_d", lambda: ToyRecipe(lr_d=0.0), "lr_d", 0.0),
    bad("ToyRecipe-betas", lambda: ToyRecipe(betas=(1.0, 0.5)), "betas", (1.0, 0.5)),
    bad("ToyRecipe-ema", lambda: ToyRecipe(ema=1.0), "ema", 1.0),
    bad("DCGANRecipe-resolution", lambda: DCGANRecipe(resolution=12), "resolution", 12),
    bad("DCGANRecipe-loss", lambda: DCGANRecipe(loss="bogus"), "loss", "bogus"),
    bad("DCGANRecipe-lr_g", lambda: DCGANRecipe(lr_g=-1.0), "lr_g", -1.0),
    bad("DCGANRecipe-channels_last", lambda: DCGANRecipe(channels_last="yes"), "channels_last", "yes"),
    bad("DCGANRecipe-resample", lambda: DCGANRecipe(resample="avg"), "resample", "avg"),
    bad("DCGANRecipe-fc_hidden", lambda: DCGANRecipe(fc_hidden=2.0), "fc_hidden", 2.0),
    bad("DCGANRecipe-g_output", lambda: DCGANRecipe(g_output=None), "g_output", None),
    bad("DCGANRecipe-d_activation", lambda: DCGANRecipe(d_activation="elu"), "d_activation", "elu"),
    bad("DCGANRecipe-init", lambda: DCGANRecipe(init="kaiming"), "init", "kaiming"),
    bad("build_toy_trainer-name", lambda: build_toy_trainer("ring9"), "name", "ring9"),
    bad("build_toy_trainer-seed", lambda: build_toy_trainer("ring8", seed=-1), "seed", -1),
    bad("build_toy_trainer-recipe", lambda: build_toy_trainer("ring8", recipe="RING8"), "recipe", shows="str"),
    bad("build_toy_trainer-steps", lambda: build_toy_trainer("ring8", steps=0), "steps", 0),
    bad("build_toy_trainer-loss", lambda: build_toy_trainer("gauss1d", loss="bogus"), "loss", "bogus"),
    bad("build_dcgan_trainer-dataset", lambda: build_dcgan_trainer("imagenet"), "dataset", "imagenet"),
    bad("build_dcgan_trainer-recipe", lambda: build_dcgan_trainer(recipe=3), "recipe", shows="int"),
    bad("build_dcgan_trainer-lr", lambda: build_dcgan_trainer("digits", device="cpu", lr_d=True), "lr_d", True),
    bad("load_image_dataset-resolution", lambda: load_image_dataset("digits", resolution=12), "resolution", 12),
    bad("load_image_dataset-split", lambda: load_image_dataset("digits", resolution=16, split="valid"), "split",
        "valid"),
    bad("load_image_dataset-download", lambda: load_image_dataset("digits", resolution=16, download="no"),
        "download", "no"),
    bad("rejection_sample-n", lambda: rejection_sample(trainer(), -1), "n", -1),
    bad("rejection_sample-calibration", lambda: rejection_sample(trainer(), 5, calibration=0), "calibration", 0),
    bad("rejection_sample-trainer", lambda: rejection_sample("trainer", 5), "trainer", shows="str"),
    bad("Scaled-scale", lambda: Scaled(RING8, 0.0), "scale", 0.0),
    bad("generate-z", lambda: generate(trainer(), [1.0]), "z", shows="list"),
    bad("image_channels-data", lambda: image_channels(3), "data", shows="int"),
    bad("DigitClassifier-feature_dim", lambda: features.DigitClassifier(feature_dim=0), "feature_dim", 0),
    bad("DigitClassifier-dropout", lambda: features.DigitClassifier(dropout=1.0), "dropout", 1.0),
    bad("ClassifierTrainConfig-lr", lambda: features.ClassifierTrainConfig(lr=0.0), "lr", 0.0),
    bad("digit_features-channels", lambda: features.digit_features(torch.zeros(2, 3, 16, 16)), "images",
        (2, 3, 16, 16)),
    bad("digit_features-0..255", lambda: features.digit_features(torch.full((2, 1, 16, 16), 255.0)), "images",
        shows="255"),
    bad("digit_features-nan", lambda: features.digit_features(torch.full((2, 1, 16, 16), float("nan"))), "images",
        shows="non-finite"),
    bad("digit_features-batch_size", lambda: features.digit_features(torch.zeros(2, 1, 16, 16), batch_size=0),
        "batch_size", 0),
    bad("digit_features-model", lambda: features.digit_features(torch.zeros(2, 1, 16, 16), model="cnn"), "model",
        shows="str"),
    bad("digit_fid-one-image", lambda: features.digit_fid(torch.zeros(1, 1, 16, 16), torch.zeros(5, 1, 16, 16)),
        "real_images", shows="got 1"),
    bad("real_halves-too-few", lambda: features.real_halves(torch.zeros(3, 1, 4, 4)), "dataset", shows="3"),
    bad("resize_to_input-numpy", lambda: features.resize_to_input(np.zeros((1, 1, 8, 8))), "x", shows="ndarray"),
    bad("load_digit_classifier-path", lambda: features.load_digit_classifier(path=123), "path", 123),
    bad("stacked_mode_coverage-channels", lambda: features.stacked_mode_coverage(torch.zeros(2, 1, 16, 16)),
        "images", (2, 1, 16, 16)),
    bad("train_digit_classifier-epochs", lambda: features.train_digit_classifier(epochs=0), "epochs", 0),
]

AREAS = {"validation": VALIDATION, "distributions": DISTRIBUTIONS, "metrics": METRICS, "data": DATA,
         "losses and models": LOSSES_AND_MODELS, "games, priors, schedules": GAMES_PRIORS_SCHEDULES,
         "images, files, theory, device, history, notebook": IMAGES_FILES_THEORY_MISC, "TrainConfig": CONFIGS,
         "Trainer and checkpoints": TRAINER, "recipes and features": RECIPES_AND_FEATURES}
API = [case for cases in AREAS.values() for case in cases]


@pytest.mark.parametrize("call, error, pattern", API)
def test_a_bad_argument_raises_an_error_naming_it_and_the_value(call, error, pattern):
    with pytest.raises(error) as info:
        call()
    message = str(info.value)
    assert re.search(pattern, message), f"{pattern!r} not in {message!r}"
    assert "weights_only" not in message or "weights_only=True" in message  # never torch's advice to load unsafely


def test_the_library_cases_are_distinct_and_there_are_enough_of_them():
    ids = [case.id for case in API]
    assert len(ids) == len(set(ids))
    assert len(ids) >= 200


# ------------------------------------------------------------------------------------------
# The trainer checks its parts: NaN data are "bad data", reported by the divergence guard
# ------------------------------------------------------------------------------------------


class Poisoned:
    """ring8's draws, with ``value`` put into the ``draw``-th batch (1-based)."""

    def __init__(self, value: float, draw: int) -> None:
        self.value, self.draw, self.draws = value, draw, 0

    def sample(self, n, generator=None):
        self.draws += 1
        x = RING8.sample(n, generator)
        if self.draws == self.draw:
            x[0, 0] = self.value
        return x


@pytest.mark.parametrize("value, draw, step", [
    (float("nan"), 2, 1), (float("inf"), 2, 1), (-float("inf"), 4, 3), (float("nan"), 6, 5),
], ids=["nan-first-batch", "inf-first-batch", "minus-inf-third-step", "nan-fifth-step"])
def test_bad_data_is_reported_as_bad_data_at_its_step_before_the_update(value, draw, step):
    # Draw 1 is the trainer's dry forward pass when it is built; each step draws one batch.
    data = Poisoned(value, draw)
    t = Trainer(GAN(*nets()), data, TrainConfig(steps=10, batch_size=8, device="cpu", log_every=1))
    before = [p.detach().clone() for p in t.D.parameters()]
    if step > 1:
        t.fit(step - 1)
        before = [p.detach().clone() for p in t.D.parameters()]
    with pytest.raises(DivergenceError, match=rf"bad data at step {step} \(player D\).*x_real holds NaN or infinite"):
        t.fit()
    assert t.step == step - 1
    assert all(torch.equal(a, b) for a, b in zip(before, t.D.parameters()))  # the bad update was not applied


# ------------------------------------------------------------------------------------------
# What used to be refused and must be accepted: NumPy numbers, paths, torch devices
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("call", [
    lambda: TrainConfig(steps=np.int64(5), seed=np.int32(1), collapse_patience=np.int64(3), k=np.uint8(2)).steps == 5,
    lambda: TrainConfig(betas=(np.float32(0.5), 0.9), lr_d=np.float32(1e-3)).betas == (0.5, 0.9),
    lambda: TrainConfig(betas=[0.5, 0.9]).betas == (0.5, 0.9),
    lambda: TrainConfig(device=torch.device("cpu")).device == "cpu",
    lambda: TrainConfig(checkpoint_every=1, checkpoint_path=Path("run") / "c.pt").checkpoint_path == os.path.join(
        "run", "c.pt"),
    lambda: MLP(np.int64(2), np.int32(1), width=np.int16(4), depth=np.int64(1))[0].out_features == 4,
    lambda: type(DCGANConfig(fc_hidden=np.int64(8)).fc_hidden) is int,
    lambda: GAUSS.sample(np.int64(3)).shape == (3, 1),
    lambda: Digits(size=np.int64(8), split="test", seed=np.int64(1)).images.shape[-1] == 8,
    lambda: precision_recall(np.eye(4), np.eye(4), k=np.int64(1), chunk=np.int32(2)).precision == 1.0,
    lambda: image_grid(IMAGES, nrow=np.int64(2)).shape == (11, 11, 1),
    lambda: len(trainer().sample(np.int64(3))) == 3,
    lambda: mode_coverage(RING8.means, RING8, threshold=np.float32(3.0)).modes == 8,
    lambda: frechet_distance(np.zeros(2), np.eye(2, dtype=np.float32), np.zeros(2), np.eye(2)) == pytest.approx(0),
], ids=["TrainConfig-numpy-integers", "TrainConfig-numpy-floats", "TrainConfig-betas-list", "TrainConfig-torch.device",
        "TrainConfig-pathlib", "MLP-numpy", "DCGANConfig-fc_hidden-numpy", "sample-numpy", "Digits-numpy",
        "precision_recall-numpy",
        "image_grid-numpy", "Trainer.sample-numpy", "mode_coverage-float32", "frechet-float32"])
def test_numpy_numbers_paths_and_devices_are_accepted(call):
    assert call()


# ------------------------------------------------------------------------------------------
# Command-line cases
# ------------------------------------------------------------------------------------------

TRAIN = ["train", "dcgan", "--dataset", "digits", "--device", "cpu", "--no-progress"]
# The settings of the one trained run every case starts from (a copy of it).
RUN = ["--steps", "2", "--checkpoint-every", "1", "--sample-every", "1", "--eval-every", "2", "--eval-samples", "50"]


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("trained") / "run"
    assert main([*TRAIN, *RUN, "--out", str(out)]) == 0
    return out


def snapshot(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): (p.read_bytes() if p.is_file() else b"<dir>")
            for p in sorted(directory.rglob("*"))}


def run_cli(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as exit_info:
        return exit_info.code


def edit_json(name: str, change: Callable[[dict], object]):
    def setup(run: Path) -> None:
        data = json.loads((run / name).read_text())
        changed = change(data)
        (run / name).write_text(json.dumps(data if changed is None else changed))
    return setup


def write(name: str, content: bytes):
    def setup(run: Path) -> None:
        (run / name).write_bytes(content)
    return setup


def edit_checkpoint(change: Callable[[dict], None]):
    def setup(run: Path) -> None:
        state = torch.load(run / "checkpoint.pt", weights_only=True)
        change(state)
        torch.save(state, run / "checkpoint.pt")
    return setup


def replace_checkpoint(make: Callable[[Path], None]):
    def setup(run: Path) -> None:
        (run / "checkpoint.pt").unlink()
        make(run / "checkpoint.pt")
    return setup


@dataclass
class Cli:
    argv: list[str]  # "{run}" is the copy of the trained run, "{new}" a directory that does not exist
    pattern: str  # what the error line must match
    setup: Callable[[Path], None] | None = None  # damages the copy before the snapshot
    usage: bool = True  # argparse's usage line above the error; else the error is the only line
    cwd: str | None = None  # relative to the copy


def cli(id: str, *args, **kwargs):
    return pytest.param(Cli(*args, **kwargs), id=id)


def resume(*flags: str) -> list[str]:
    return [*TRAIN, "--out", "{run}", "--resume", *flags]


AFRESH = r".*--force"
CLI = [
    # --out that is no run directory of its own, or cannot be written
    cli("out-empty", [*TRAIN, "--out", ""], r"--out: must name a directory, got ''"),
    cli("out-blank", [*TRAIN, "--out", "  "], r"--out: must name a directory, got '  '"),
    cli("out-dot", [*TRAIN, "--out", "."], r"--out '\.' is the current directory", cwd="."),
    cli("out-dot-slash", [*TRAIN, "--out", "./"], r"--out '\./' is the current directory", cwd="."),
    cli("out-holds-cwd", [*TRAIN, "--out", "{run}"], r"--out '.*run' is the current directory or holds it",
        cwd="samples"),
    cli("out-dot-force", [*TRAIN, "--out", ".", "--force"], r"--out '\.' is the current directory", cwd="."),
    cli("out-is-a-file", [*TRAIN, "--out", "{run}/run.json"], r"--out '.*run.json' is a file"),
    cli("out-below-a-file", [*TRAIN, "--out", "{run}/metrics.jsonl/sub"],
        r"--out '.*sub' cannot be created: '.*metrics.jsonl' is a file"),
    cli("out-not-empty", [*TRAIN, *RUN, "--out", "{run}"], r"--out '.*run' exists and is not empty; pass --force"),
    # flags
    cli("steps-zero", [*TRAIN, "--steps", "0", "--out", "{new}"], r"--steps: must be a positive integer, got '0'"),
    cli("steps-negative", [*TRAIN, "--steps", "-1", "--out", "{new}"],
        r"--steps: must be a positive integer, got '-1'"),
    cli("steps-word", [*TRAIN, "--steps", "many", "--out", "{new}"],
        r"--steps: must be a positive integer, got 'many'"),
    cli("batch-size-zero", [*TRAIN, "--batch-size", "0", "--out", "{new}"], r"--batch-size: .*got '0'"),
    cli("seed-negative", [*TRAIN, "--seed", "-1", "--out", "{new}"], r"--seed: must be an integer >= 0, got '-1'"),
    cli("seed-fraction", [*TRAIN, "--seed", "1.5", "--out", "{new}"], r"--seed: must be an integer >= 0, got '1.5'"),
    cli("sample-every-zero", [*TRAIN, "--sample-every", "0", "--out", "{new}"], r"--sample-every: .*got '0'"),
    cli("eval-every-negative", [*TRAIN, "--eval-every", "-2", "--out", "{new}"], r"--eval-every: .*got '-2'"),
    cli("eval-samples-one", [*TRAIN, "--eval-samples", "1", "--out", "{new}"],
        r"--eval-samples: must be an integer >= 2, got '1'"),
    cli("checkpoint-every-zero", [*TRAIN, "--checkpoint-every", "0", "--out", "{new}"],
        r"--checkpoint-every: .*got '0'"),
    cli("precision-fp16", [*TRAIN, "--precision", "fp16", "--out", "{new}"], r"--precision: invalid choice: 'fp16'"),
    cli("compile-mode", [*TRAIN, "--compile", "fastest", "--out", "{new}"], r"--compile: invalid choice: 'fastest'"),
    cli("device-tpu", ["train", "dcgan", "--device", "tpu", "--out", "{new}"], r"--device: invalid choice: 'tpu'"),
    cli("dataset-unknown", ["train", "dcgan", "--dataset", "imagenet", "--out", "{new}"],
        r"--dataset: invalid choice: 'imagenet'"),
    cli("data-root-empty", [*TRAIN, "--data-root", "", "--out", "{new}"],
        r"--data-root: must name a directory, got ''"),
    cli("unknown-flag", [*TRAIN, "--lr", "0.1", "--out", "{new}"], r"unrecognized arguments: --lr 0\.1"),
    cli("resume-and-force", resume("--force"), r"--resume and --force exclude each other"),
    cli("dry-run-and-resume", resume("--dry-run"), r"--dry-run .* cannot --resume"),
    cli("dry-run-and-steps", [*TRAIN, "--dry-run", "--steps", "5", "--out", "{new}"],
        r"--dry-run .* leave out --steps"),
    cli("resume-nothing", [*TRAIN, "--resume", "--out", "{new}"], r"--resume: no run\.json in --out '.*new'"),
    # --resume with a flag that differs from the run's settings (run.json)
    cli("resume-dataset", [*TRAIN[:2], "--device", "cpu", "--out", "{run}", "--resume", "--dataset", "stacked-digits"],
        r"--dataset stacked-digits differs from the run's --dataset digits"),
    cli("resume-steps", resume("--steps", "3"), r"--steps 3 differs from the run's --steps 2"),
    cli("resume-batch-size", resume("--batch-size", "32"), r"--batch-size 32 differs from the run's --batch-size 64"),
    cli("resume-seed", resume("--seed", "7"), r"--seed 7 differs from the run's --seed 0"),
    cli("resume-precision", resume("--precision", "bf16"), r"--precision bf16 differs from the run's --precision fp32"),
    cli("resume-channels-last", resume("--no-channels-last"),
        r"--no-channels-last differs from the run's --channels-last"),
    cli("resume-sample-every", resume("--sample-every", "2"),
        r"--sample-every 2 differs from the run's --sample-every 1"),
    cli("resume-eval-every", resume("--eval-every", "1"), r"--eval-every 1 differs from the run's --eval-every 2"),
    cli("resume-eval-samples", resume("--eval-samples", "60"),
        r"--eval-samples 60 differs from the run's --eval-samples 50"),
    cli("resume-checkpoint-every", resume("--checkpoint-every", "2"),
        r"--checkpoint-every 2 differs from the run's --checkpoint-every 1"),
    cli("resume-explicit-default-seed", resume("--seed", "0"), r"--seed 0 differs from the run's --seed 3",
        setup=edit_json("run.json", lambda r: r.update(seed=3))),
    cli("resume-explicit-default-precision", resume("--precision", "fp32"),
        r"--precision fp32 differs from the run's --precision bf16",
        setup=edit_json("run.json", lambda r: r.update(precision="bf16"))),
    # damaged, empty or foreign files of the run: one line, exit 2
    cli("checkpoint-empty", resume(), r"checkpoint '.*checkpoint\.pt' is corrupt .*: the file is empty" + AFRESH,
        setup=write("checkpoint.pt", b""), usage=False),
    cli("checkpoint-truncated", resume(), r"checkpoint '.*checkpoint\.pt' is corrupt .*truncated" + AFRESH,
        setup=lambda run: (run / "checkpoint.pt").write_bytes((run / "checkpoint.pt").read_bytes()[:1000]),
        usage=False),
    cli("checkpoint-garbage", resume(), r"checkpoint '.*' is corrupt .*not a torch file" + AFRESH,
        setup=write("checkpoint.pt", b"\x00garbage" * 100), usage=False),
    cli("checkpoint-foreign", resume(), r"checkpoint '.*' is not a gan_edu\.train/2 checkpoint" + AFRESH,
        setup=replace_checkpoint(lambda p: torch.save({"weights": torch.zeros(2)}, p)), usage=False),
    cli("checkpoint-unsafe-pickle", resume(), r"checkpoint '.*' is corrupt .*refuses to run" + AFRESH,
        setup=replace_checkpoint(lambda p: torch.save({"model": Opaque()}, p)), usage=False),
    cli("checkpoint-plain-pickle", resume(), r"checkpoint '.*' is corrupt .*refuses" + AFRESH,
        setup=write("checkpoint.pt", pickle.dumps({"step": 2})), usage=False),
    cli("checkpoint-directory", resume(), r"checkpoint '.*' is corrupt .*a directory" + AFRESH,
        setup=replace_checkpoint(lambda p: p.mkdir()), usage=False),
    cli("checkpoint-lacks-parts", resume(), r"checkpoint '.*' is corrupt: it lacks \[" + AFRESH,
        setup=edit_checkpoint(lambda s: s.pop("optimizers")), usage=False),
    cli("checkpoint-step-type", resume(), r"checkpoint '.*' is corrupt: its step has type str" + AFRESH,
        setup=edit_checkpoint(lambda s: s.update(step="2")), usage=False),
    cli("checkpoint-of-another-run", resume(), r"checkpoint '.*' was made with another configuration .*seed: 5 != 0"
        + AFRESH, setup=edit_checkpoint(lambda s: s["config"].update(seed=5)), usage=False),
    cli("checkpoint-other-shapes", resume(), r"checkpoint '.*': its G\..* does not match" + AFRESH,
        setup=edit_checkpoint(lambda s: s["networks"]["G"].update(
            {k: torch.zeros(1) for k in list(s["networks"]["G"])[:1]})), usage=False),
    cli("run-json-empty", resume(), r"run\.json is corrupt \(it is empty\).*restore it, or" + AFRESH,
        setup=write("run.json", b""), usage=False),
    cli("run-json-not-json", resume(), r"run\.json is corrupt \(not JSON: .*\)" + AFRESH,
        setup=write("run.json", b"{steps: 2"), usage=False),
    cli("run-json-list", resume(), r"run\.json is not a run\.json .*holds a list" + AFRESH,
        setup=write("run.json", b"[1, 2]"), usage=False),
    cli("run-json-foreign", resume(), r"run\.json is not a run\.json .*lacks \['dataset'" + AFRESH,
        setup=write("run.json", b'{"model": "dcgan"}'), usage=False),
    cli("run-json-steps-type", resume(), r"run\.json is corrupt: its steps is 'two'" + AFRESH,
        setup=edit_json("run.json", lambda r: r.update(steps="two")), usage=False),
    cli("run-json-dataset", resume(), r"run\.json is corrupt: its dataset is 'imagenet'" + AFRESH,
        setup=edit_json("run.json", lambda r: r.update(dataset="imagenet")), usage=False),
    cli("run-json-channels-last", resume(), r"run\.json is corrupt: its channels_last is 'yes'" + AFRESH,
        setup=edit_json("run.json", lambda r: r.update(channels_last="yes")), usage=False),
    cli("run-json-binary", resume(), r"run\.json is corrupt \(not JSON: .*" + AFRESH,
        setup=write("run.json", b"\xff\xfe\x00"), usage=False),
    cli("metrics-garbage-line", resume(), r"metrics\.jsonl line 1 is corrupt .*fix or delete that line" + AFRESH,
        setup=lambda run: (run / "metrics.jsonl").write_bytes(b"garbage\n" + (run / "metrics.jsonl").read_bytes()),
        usage=False),
    cli("metrics-row-without-step", resume(), r"metrics\.jsonl line 2 is corrupt \(not a JSON object with an integer "
        r"'step'\)" + AFRESH, setup=lambda run: (run / "metrics.jsonl").write_bytes(
            (run / "metrics.jsonl").read_bytes().replace(b'"step": 2', b'"stop": 2')), usage=False),
    cli("metrics-list-line", resume(), r"metrics\.jsonl line 1 is corrupt" + AFRESH,
        setup=lambda run: (run / "metrics.jsonl").write_bytes(b"[1, 2]\n" + (run / "metrics.jsonl").read_bytes()),
        usage=False),
    cli("metrics-not-utf8", resume(), r"metrics\.jsonl is not UTF-8 text" + AFRESH,
        setup=write("metrics.jsonl", b"\xff\xfe\xfa\n"), usage=False),
    # the toy command
    cli("toy-out-empty", ["toy", "ring8", "--out", ""], r"--out: must name a directory, got ''"),
    cli("toy-out-dot", ["toy", "ring8", "--out", "."], r"--out '\.' is the current directory", cwd="."),
    cli("toy-out-is-a-file", ["toy", "ring8", "--out", "{run}/run.json"], r"--out '.*run\.json' is a file"),
    cli("toy-out-below-a-file", ["toy", "ring8", "--out", "{run}/run.json/toy"], r"cannot be created: '.*run\.json' is "
        r"a file"),
    cli("toy-out-not-empty", ["toy", "ring8", "--out", "{run}"],
        r"--out '.*run' exists and is not empty; pass --force"),
    cli("toy-seed-negative", ["toy", "ring8", "--seed", "-1", "--out", "{new}"], r"--seed: .*got '-1'"),
    cli("toy-steps-zero", ["toy", "ring8", "--steps", "0", "--out", "{new}"], r"--steps: .*got '0'"),
    cli("toy-target", ["toy", "ring9", "--out", "{new}"], r"target: invalid choice: 'ring9'"),
    cli("toy-loss", ["toy", "ring8", "--loss", "bogus", "--out", "{new}"], r"--loss: invalid choice: 'bogus'"),
    cli("toy-device", ["toy", "ring8", "--device", "tpu", "--out", "{new}"], r"--device: invalid choice: 'tpu'"),
]

if not torch.cuda.is_available():
    CLI.append(cli("device-cuda-missing", [*TRAIN[:2], "--device", "cuda", "--out", "{new}"],
                   r"device='cuda' requested but CUDA is not available"))
if hasattr(os, "geteuid") and os.geteuid() != 0:  # root may write anywhere
    CLI.append(cli("out-read-only", [*TRAIN, "--out", "{run}/samples/new"], r"--out '.*new' is not writable",
                   setup=lambda run: (run / "samples").chmod(0o555)))


@pytest.mark.parametrize("case", CLI)
def test_a_bad_command_line_exits_2_with_one_clear_line_and_changes_no_file(case, trained_run, tmp_path, capsys,
                                                                          monkeypatch):
    run = tmp_path / "run"
    shutil.copytree(trained_run, run)
    if case.setup is not None:
        case.setup(run)
    if case.cwd is not None:
        monkeypatch.chdir(run / case.cwd)
    before = snapshot(run)
    argv = [arg.replace("{run}", str(run)).replace("{new}", str(tmp_path / "new")) for arg in case.argv]
    try:
        code = run_cli(argv)
    finally:
        for folder in (run, *run.rglob("*")):
            if folder.is_dir():
                folder.chmod(0o755)  # the read-only case: let pytest remove the copy
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    errors = [line for line in lines if ": error: " in line]
    assert code == 2, err
    assert "Traceback" not in err and "weights_only=False" not in err
    assert len(errors) == 1 and re.search(case.pattern, errors[0]), err
    if case.usage:
        assert lines[0].startswith("usage: "), err
    else:
        assert lines == errors, err  # one line and nothing else
    assert snapshot(run) == before
    assert not (tmp_path / "new").exists()


def test_the_command_line_cases_are_distinct():
    ids = [case.id for case in CLI]
    assert len(ids) == len(set(ids)) and len(ids) >= 60
