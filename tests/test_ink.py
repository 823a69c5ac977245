"""gan_edu.metrics.ink_statistics against hand-placed strokes and a hand-written double loop."""

import math

import pytest
import torch

from gan_edu.metrics import INK_STATISTICS, ink_statistics


def blank(n=1, size=8):
    return -torch.ones(n, 1, size, size)


def test_two_pixels():
    # Full ink at (row 1, col 2) and (row 5, col 4): centre 3, width 1, slant dx/dy = 2/4.
    x = blank()
    x[0, 0, 1, 2] = x[0, 0, 5, 4] = 1.0
    s = ink_statistics(x)
    assert list(s) == list(INK_STATISTICS)
    assert s["ink"].item() == pytest.approx(2.0)
    assert s["centre"].item() == pytest.approx(3.0)
    assert s["width"].item() == pytest.approx(1.0)
    assert s["slant"].item() == pytest.approx(0.5)


def test_upright_and_slanted_strokes():
    x = blank(3)
    x[0, 0, 1:7, 3] = 1.0                      # upright |: no slant, no width
    for r in range(8):
        x[1, 0, r, r] = 1.0                    # \ : slant +1
        x[2, 0, r, 7 - r] = 1.0                # / : slant -1
    s = ink_statistics(x)
    assert s["slant"].tolist() == pytest.approx([0.0, 1.0, -1.0])
    assert s["width"][0].item() == pytest.approx(0.0, abs=1e-12)
    assert s["centre"].tolist() == pytest.approx([3.0, 3.5, 3.5])


def test_against_a_double_loop():
    x = torch.rand(4, 1, 8, 8, generator=torch.Generator().manual_seed(0)) * 2 - 1
    s = ink_statistics(x)
    for i in range(4):
        w = [[(x[i, 0, r, c].item() + 1) / 2 for c in range(8)] for r in range(8)]
        m = sum(map(sum, w))
        cx = sum(w[r][c] * c for r in range(8) for c in range(8)) / m
        cy = sum(w[r][c] * r for r in range(8) for c in range(8)) / m
        vx = sum(w[r][c] * (c - cx) ** 2 for r in range(8) for c in range(8)) / m
        vy = sum(w[r][c] * (r - cy) ** 2 for r in range(8) for c in range(8)) / m
        cxy = sum(w[r][c] * (c - cx) * (r - cy) for r in range(8) for c in range(8)) / m
        assert s["ink"][i].item() == pytest.approx(m, rel=1e-12)
        assert s["centre"][i].item() == pytest.approx(cx, rel=1e-12)
        assert s["width"][i].item() == pytest.approx(math.sqrt(vx), rel=1e-12)
        assert s["slant"][i].item() == pytest.approx(cxy / vy, rel=1e-12)


def test_bad_images():
    with pytest.raises(ValueError, match=r"images must be a tensor \(n, 1, H, W\)"):
        ink_statistics(torch.zeros(2, 3, 8, 8))
    with pytest.raises(ValueError, match="images must be a tensor"):
        ink_statistics([[0.0]])
    with pytest.raises(ValueError, match="finite"):
        ink_statistics(torch.full((1, 1, 8, 8), float("nan")))
    with pytest.raises(ValueError, match="image 1 has no ink"):
        x = blank(2)
        x[0, 0, 0:3, 0] = 1.0
        ink_statistics(x)
    with pytest.raises(ValueError, match="image 0 has its ink in one row"):
        x = blank()
        x[0, 0, 4, 1:5] = 1.0
        ink_statistics(x)
