"""Image data sets for the image chapters: p_r as something the trainer can sample.

One module per idea:

* :mod:`~gan_edu.data.dataset` -- :class:`ImageDataset`, images ``(N, C, H, W)`` float32
  in [-1, 1] with optional labels, the in-memory ``DataSource`` of the trainer;
* :mod:`~gan_edu.data.digits` -- the offline default: :class:`Digits`, the 1,797 8x8
  handwritten digits that scikit-learn ships (Alpaydin & Kaynak 1998), and
  :class:`StackedDigits`, the 1,000-mode Stacked MNIST benchmark of mode collapse
  (Metz et al. 2017; VEEGAN; PacGAN) built from them;
* :mod:`~gan_edu.data.downloads` -- MNIST (LeCun et al. 1998), Fashion-MNIST (Xiao et
  al. 2017) and CIFAR-10 (Krizhevsky 2009) for readers with internet, downloaded and
  checked against published digests;
* :mod:`~gan_edu.data.formats` -- the IDX and CIFAR pickle parsers, without torchvision;
* :mod:`~gan_edu.data.sources` -- :class:`Labelled` (images with their labels) and
  :class:`Unpaired` (two domains, for CycleGAN), built from the others.

Every data set here satisfies the trainer's ``DataSource`` protocol:
``sample(n, generator)`` draws ``n`` images with replacement with
``torch.randint`` and the given ``torch.Generator``, so a run stays reproducible.
Every name is importable from ``gan_edu.data`` itself.
"""

from .dataset import ImageDataset, draw_indices
from .digits import DIGIT_SIZES, SPLITS, Digits, StackedDigits, stacked_modes
from .downloads import CHECKSUMS, DEFAULT_ROOT, fetch, load_cifar10, load_fashion_mnist, load_mnist, verify_file
from .formats import read_cifar_batches, read_idx
from .sources import Labelled, Unpaired

__all__ = [
    "Digits", "StackedDigits", "stacked_modes", "ImageDataset", "load_mnist", "load_fashion_mnist",
    "load_cifar10", "read_idx", "read_cifar_batches", "verify_file", "fetch", "CHECKSUMS", "DEFAULT_ROOT",
    "draw_indices", "DIGIT_SIZES", "SPLITS", "Labelled", "Unpaired",
]
