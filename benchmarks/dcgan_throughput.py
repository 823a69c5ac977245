"""DCGAN training throughput: the library's Trainer against the loop of pytorch/examples ``dcgan/main.py``.

Two loops train the same DCGAN (the 64-px architecture of Radford et al. 2016 as
pytorch/examples builds it; at 32 px the widest layer of each net is left out,
as ``DCGANConfig(resolution=32)`` does) from the same initial weights, with the
same batch, Adam(lr 2e-4, betas (0.5, 0.999)), on synthetic images (uniform in
[-1, 1]: nothing is downloaded):

(a) reference -- written here the way ``examples/dcgan/main.py`` writes it: its
    own Generator/Discriminator classes (Sigmoid at the end of D), ``BCELoss``,
    labels from ``torch.full``, D trained on real then on ``fake.detach()``, the
    G step reusing that same ``fake``, the example's ``.item()`` reads of D_x,
    D_G_z1, D_G_z2, errD, errG every iteration (its log line, not printed),
    ``cudnn.benchmark = True``, fp32. Its real batches are already on the
    device (the best case for it: no loader).
(b) library -- :class:`gan_edu.train.Trainer` with ``DCGANGenerator`` /
    ``DCGANDiscriminator`` and an ``ImageDataset`` of the same images, k = 1,
    the non-saturating loss from logits, history logged every 10 iterations.
    The trainer draws a *fresh* z for the G step, as the source's algorithm
    says (Goodfellow et al. 2014, Algorithm 1): one more G forward per
    iteration than the reference, which reuses the D step's fakes.

Warm-up iterations are not timed; the timed repeats alternate (a, b, a, b, ...)
so that a change in machine load hits both; the table gives the median
images/s (real images consumed per second: batch x iterations / time) and the
ratio b / a.

``--gpu-suite`` (CUDA only) times, in one run and within ``--budget`` seconds
(default 300, compile included): the reference (fp32), the library in fp32,
bf16, bf16 + channels_last, bf16 + channels_last + torch.compile, bf16 +
torch.compile and bf16 + channels_last + torch.compile(mode="reduce-overhead"),
i.e. CUDA graphs (variant token ``cudagraphs``), each with
its ratio to the reference and its achieved TFLOP/s against the card's peak
dense bf16 rate. FLOPs per iteration are counted, not estimated: one eager
iteration of each loop runs under ``torch.utils.flop_counter.FlopCounterMode``,
which adds up the convolutions (forward and backward: 2 x MACs each) that
autograd actually runs. Batch norm, activations, losses and Adam are not
counted (a few per cent of the FLOPs, all memory-bound). The library's count
includes its extra G forward, so its TFLOP/s is work it does, not work the
reference would need. The compiled variants' count is the eager one (same
operations). Compilation time is measured in the warm-up and reported apart.
Ten profiled iterations per loop then give the wall time against the summed GPU
kernel time ("GPU busy"): well under 100 % means the host, not the GPU, sets the pace.
Results measured on an H100: ``benchmarks/results/``.

    python benchmarks/dcgan_throughput.py                        # CPU: 32 px; GPU: 64 px
    python benchmarks/dcgan_throughput.py --variants fp32 bf16+channels_last+compile
    python benchmarks/dcgan_throughput.py --gpu-suite            # on a CUDA machine, <= 5 minutes
    python benchmarks/dcgan_throughput.py --quick                # smoke run, < 30 s

Each ``--variants`` entry is the library's switches joined by "+": a precision
(fp32 or bf16), then optionally channels_last, compile and cudagraphs. On a shared CPU,
``--threads 1`` gives steadier numbers than threads competing for cores.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Callable

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from gan_edu.data import ImageDataset
from gan_edu.device import resolve_device
from gan_edu.games import GAN
from gan_edu.models.dcgan import DCGANConfig, DCGANDiscriminator, DCGANGenerator
from gan_edu.train import TrainConfig, Trainer

NZ, NGF, NDF, NC = 100, 64, 64, 3  # the example's defaults
LR, BETA1 = 2e-4, 0.5

# Peak dense (no sparsity) bf16 tensor-core TFLOP/s from the vendor's data sheets,
# matched against torch.cuda.get_device_name(): (substrings that must all appear, peak).
PEAK_BF16_TFLOPS = [
    (("H200",), 989.4),
    (("H100", "PCIe"), 756.0),
    (("H100", "SXM"), 989.4),
    (("H100", "HBM3"), 989.4),  # the SXM part reports itself as "NVIDIA H100 80GB HBM3"
    (("A100",), 312.0),
]


# ---------------------------------------------------------------------------------------
# (a) The reference, as pytorch/examples dcgan/main.py writes it
# ---------------------------------------------------------------------------------------

def weights_init(m: nn.Module) -> None:
    """The example's initialisation: conv weights ~ N(0, 0.02), batch-norm scales ~ N(1, 0.02)."""
    classname = m.__class__.__name__
    if classname.find("Conv") != -1:
        nn.init.normal_(m.weight, 0.0, 0.02)
    elif classname.find("BatchNorm") != -1:
        nn.init.normal_(m.weight, 1.0, 0.02)
        nn.init.zeros_(m.bias)


class Generator(nn.Module):
    """The example's ``Generator`` (without ``ngpu``); ``n`` stride-2 layers, 4 at 64 px."""

    def __init__(self, resolution: int = 64) -> None:
        super().__init__()
        n = resolution.bit_length() - 3  # 64 -> 4, 32 -> 3
        mult = 2 ** (n - 1)  # ngf * 8 at 64 px
        layers: list[nn.Module] = [
            nn.ConvTranspose2d(NZ, NGF * mult, 4, 1, 0, bias=False), nn.BatchNorm2d(NGF * mult), nn.ReLU(True),
        ]
        while mult > 1:  # state size: (ngf*mult) x H x W -> (ngf*mult/2) x 2H x 2W
            layers += [nn.ConvTranspose2d(NGF * mult, NGF * mult // 2, 4, 2, 1, bias=False),
                       nn.BatchNorm2d(NGF * mult // 2), nn.ReLU(True)]
            mult //= 2
        layers += [nn.ConvTranspose2d(NGF, NC, 4, 2, 1, bias=False), nn.Tanh()]  # nc x R x R
        self.main = nn.Sequential(*layers)

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        return self.main(input)


class Discriminator(nn.Module):
    """The example's ``Discriminator`` (without ``ngpu``): a probability per image, Sigmoid at the end."""

    def __init__(self, resolution: int = 64) -> None:
        super().__init__()
        n = resolution.bit_length() - 3
        layers: list[nn.Module] = [nn.Conv2d(NC, NDF, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True)]
        mult = 1
        for _ in range(n - 1):  # state size: (ndf*mult) x H x W -> (ndf*mult*2) x H/2 x W/2
            layers += [nn.Conv2d(NDF * mult, NDF * mult * 2, 4, 2, 1, bias=False),
                       nn.BatchNorm2d(NDF * mult * 2), nn.LeakyReLU(0.2, inplace=True)]
            mult *= 2
        layers += [nn.Conv2d(NDF * mult, 1, 4, 1, 0, bias=False), nn.Sigmoid()]
        self.main = nn.Sequential(*layers)

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        output = self.main(input)
        return output.view(-1, 1).squeeze(1)


class Reference:
    """The example's training loop over a pool of real batches already on the device."""

    name = "reference (examples/dcgan), fp32"

    def __init__(self, netG: nn.Module, netD: nn.Module, pool: torch.Tensor, device: torch.device) -> None:
        self.netG, self.netD, self.pool, self.device = netG, netD, pool, device
        self.criterion = nn.BCELoss()
        self.optimizerD = torch.optim.Adam(netD.parameters(), lr=LR, betas=(BETA1, 0.999))
        self.optimizerG = torch.optim.Adam(netG.parameters(), lr=LR, betas=(BETA1, 0.999))
        self.i = 0

    def run(self, steps: int) -> None:
        netG, netD, criterion, device = self.netG, self.netD, self.criterion, self.device
        real_label, fake_label = 1.0, 0.0
        for _ in range(steps):
            real_cpu = self.pool[self.i % len(self.pool)]
            self.i += 1
            ############################
            # (1) Update D network: maximize log(D(x)) + log(1 - D(G(z)))
            ###########################
            # train with real
            netD.zero_grad()
            batch_size = real_cpu.size(0)
            label = torch.full((batch_size,), real_label, dtype=real_cpu.dtype, device=device)
            output = netD(real_cpu)
            errD_real = criterion(output, label)
            errD_real.backward()
            D_x = output.mean().item()
            # train with fake
            noise = torch.randn(batch_size, NZ, 1, 1, device=device)
            fake = netG(noise)
            label.fill_(fake_label)
            output = netD(fake.detach())
            errD_fake = criterion(output, label)
            errD_fake.backward()
            D_G_z1 = output.mean().item()
            errD = errD_real + errD_fake
            self.optimizerD.step()
            ############################
            # (2) Update G network: maximize log(D(G(z)))
            ###########################
            netG.zero_grad()
            label.fill_(real_label)  # fake labels are real for generator cost
            output = netD(fake)
            errG = criterion(output, label)
            errG.backward()
            D_G_z2 = output.mean().item()
            self.optimizerG.step()
            self.log = (errD.item(), errG.item(), D_x, D_G_z1, D_G_z2)  # the example prints these


# ---------------------------------------------------------------------------------------
# (b) The library
# ---------------------------------------------------------------------------------------

class Library:
    """gan_edu's Trainer on the same nets (same initial weights) and the same images."""

    def __init__(self, ref_G: nn.Module, ref_D: nn.Module, images: torch.Tensor, resolution: int, batch: int,
                 device: torch.device, precision: str = "fp32", channels_last: bool = False,
                 compile: bool = False, cudagraphs: bool = False) -> None:
        net_config = DCGANConfig(resolution=resolution, channels=NC, latent_dim=NZ, ngf=NGF, ndf=NDF)
        G, D = DCGANGenerator(net_config), DCGANDiscriminator(net_config)
        G.main.load_state_dict(ref_G.main.state_dict())  # strict: proves the architectures are the same
        D.main.load_state_dict(ref_D.main[:-1].state_dict())  # all but the Sigmoid
        data = ImageDataset(images, torch.zeros(len(images), dtype=torch.int64))
        config = TrainConfig(steps=10**9, batch_size=batch, k=1, lr_d=LR, lr_g=LR,
                             betas=(BETA1, 0.999), device=str(device), precision=precision,
                             channels_last=channels_last, compile=compile or cudagraphs,
                             compile_mode="reduce-overhead" if cudagraphs else "default", log_every=10)
        self.trainer = Trainer(GAN(G, D, loss="ns"), data, config)
        switches = ([precision] + ["channels_last"] * channels_last + ["compile"] * (compile or cudagraphs)
                    + ["CUDA graphs (mode reduce-overhead)"] * cudagraphs)
        self.name = "library Trainer, " + " + ".join(switches)

    def run(self, steps: int) -> None:
        self.trainer.fit(steps)


# ---------------------------------------------------------------------------------------
# Measuring
# ---------------------------------------------------------------------------------------

def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def timed(run: Callable[[int], None], steps: int, device: torch.device) -> float:
    synchronize(device)
    start = time.perf_counter()
    run(steps)
    synchronize(device)
    return time.perf_counter() - start


def flops_per_iteration(loop) -> int:
    """Convolution FLOPs (forward + backward) of one eager iteration, counted by FlopCounterMode."""
    with FlopCounterMode(display=False) as counter:
        loop.run(1)
    return counter.get_total_flops()


def gpu_busy_ms(loop, device: torch.device, steps: int = 10) -> tuple[float, float]:
    """(wall ms, summed GPU kernel and copy ms) per iteration over ``steps`` profiled iterations.

    When the kernels take much less than the wall time, the loop is bound by the host
    (Python, dispatch, kernel launches, synchronisations), not by the GPU's arithmetic.
    """
    from torch.autograd import DeviceType
    from torch.profiler import ProfilerActivity, profile
    synchronize(device)
    with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]) as prof:
        start = time.perf_counter()
        loop.run(steps)
        synchronize(device)
        wall = time.perf_counter() - start
    gpu_us = sum(e.time_range.elapsed_us() for e in prof.events() if e.device_type == DeviceType.CUDA)
    return 1e3 * wall / steps, 1e-3 * gpu_us / steps


def peak_bf16_tflops(device: torch.device) -> tuple[str, float | None]:
    if device.type != "cuda":
        return "cpu", None
    name = torch.cuda.get_device_name(device)
    for keys, peak in PEAK_BF16_TFLOPS:
        if all(k in name for k in keys):
            return name, peak
    return name, None


SWITCHES = ("channels_last", "compile", "cudagraphs")


def parse_variant(text: str) -> dict:
    """``"bf16+channels_last"`` -> ``dict(precision="bf16", channels_last=True)``."""
    precision, *switches = text.split("+")
    if precision not in ("fp32", "bf16") or any(s not in SWITCHES for s in switches):
        raise argparse.ArgumentTypeError(
            f"variant must be fp32|bf16[+channels_last][+compile][+cudagraphs], got {text!r}")
    return dict(precision=precision, **{s: True for s in switches})


def make_loops(args, device: torch.device, library_variants: list[dict]) -> list:
    torch.manual_seed(args.seed)
    netG, netD = Generator(args.resolution), Discriminator(args.resolution)
    netG.apply(weights_init)
    netD.apply(weights_init)
    n_batches = 8
    images = torch.rand(n_batches * args.batch, NC, args.resolution, args.resolution) * 2 - 1  # synthetic p_r
    libraries = [Library(netG, netD, images, args.resolution, args.batch, device, **v) for v in library_variants]
    pool = images.view(n_batches, args.batch, NC, args.resolution, args.resolution).to(device)
    reference = Reference(netG.to(device), netD.to(device), pool, device)
    return [reference, *libraries]


def measure(loops: list, args, device: torch.device, deadline: float | None = None) -> dict:
    """Warm up each loop (timed apart: it holds compilation), then interleaved timed repeats."""
    results = {loop.name: {"warmup_s": 0.0, "rates": [], "steps": args.steps} for loop in loops}
    for loop in list(loops):
        try:
            results[loop.name]["warmup_s"] = timed(loop.run, args.warmup, device)
        except Exception as error:  # report it in the table and time the other loops
            if loop is loops[0]:
                raise
            message = str(error).strip().splitlines()
            results[loop.name]["error"] = f"{type(error).__name__}: {message[0] if message else ''}"[:200]
            print(f"{loop.name} failed in its warm-up and is left out: {results[loop.name]['error']}")
            loops.remove(loop)
    if deadline is not None:  # size the repeats to fit the time left: calibrate each loop on a few steps
        per_repeat = max(0.2, (deadline - time.perf_counter()) * 0.7 / (args.repeats * len(loops)))
        for loop in loops:
            t = timed(loop.run, 5, device) / 5
            results[loop.name]["steps"] = max(5, min(args.steps, int(per_repeat / t)))
    for repeat in range(args.repeats):
        if deadline is not None and repeat > 0 and time.perf_counter() > deadline:
            print(f"budget reached: stopping after {repeat} repeats")
            break
        for loop in loops:
            steps = results[loop.name]["steps"]
            seconds = timed(loop.run, steps, device)
            results[loop.name]["rates"].append(args.batch * steps / seconds)
    return results


def table(loops: list, results: dict, batch: int, flops: dict | None = None, peak: float | None = None) -> str:
    """A markdown table; with ``flops`` (per iteration, by loop name) also TFLOP/s and % of ``peak``."""
    ref = statistics.median(results[loops[0].name]["rates"])
    head = "| loop | images/s (median) | repeats (images/s) | ratio to reference | warm-up s |"
    rule = "|---|---:|---|---:|---:|"
    if flops is not None:
        head += " GFLOP / iteration | achieved TFLOP/s | % of peak bf16 |"
        rule += "---:|---:|---:|"
    lines = [head, rule]
    for loop in loops:
        r = results[loop.name]
        rate = statistics.median(r["rates"])
        row = (f"| {loop.name} | {rate:,.1f} | {', '.join(f'{v:,.0f}' for v in r['rates'])} "
               f"| {rate / ref:.3f} | {r['warmup_s']:.1f} |")
        if flops is not None:
            f = flops[loop.name]
            tflops = f * rate / batch / 1e12  # FLOP/iteration x iterations/s
            share = f"{100 * tflops / peak:.2f}" if peak else "unknown"
            row += f" {f / 1e9:.2f} | {tflops:.2f} | {share} |"
        lines.append(row)
    return "\n".join(lines)


NOTES = """
Notes: synthetic images uniform in [-1, 1]; same initial weights for both loops.
The reference reuses the D step's fakes in its G step (one G forward per iteration);
the library samples fresh z for the G step as the source's algorithm says (an extra
G forward per iteration) and keeps its divergence guard (one host sync per update,
before backward); the reference reads five .item() per iteration as the example does.
Reference batches sit on the device already; the library samples its ImageDataset
with replacement from its seeded generator."""


def gpu_suite(args, device: torch.device) -> None:
    """Reference fp32 vs library fp32, bf16, bf16 + channels_last, bf16 + channels_last + compile."""
    start = time.perf_counter()
    deadline = start + args.budget - 20  # leave time for the table
    torch.backends.cudnn.benchmark = True  # as the example sets it; global, so both loops get it
    # Dynamo keys its compiled graphs by the forward's code, shared by every trainer in this
    # process: three compiled variants need more than the default 8 graphs per function.
    torch._dynamo.config.recompile_limit = 64
    variants = [dict(precision="fp32"), dict(precision="bf16"), dict(precision="bf16", channels_last=True),
                dict(precision="bf16", channels_last=True, compile=True), dict(precision="bf16", compile=True),
                dict(precision="bf16", channels_last=True, cudagraphs=True)]
    loops = make_loops(args, device, variants)
    all_loops = list(loops)
    # FLOPs: one eager iteration each; the compiled variant does the same operations as the eager ones.
    flops = {loops[0].name: flops_per_iteration(loops[0])}
    flops_library = flops_per_iteration(loops[1])
    for loop in loops[1:]:
        flops[loop.name] = flops_library
    results = measure(loops, args, device, deadline)  # drops a loop that fails, with its error
    busy = {loop.name: gpu_busy_ms(loop, device) for loop in loops} if device.type == "cuda" else None
    name, peak = peak_bf16_tflops(device)
    print(f"\nDCGAN {args.resolution} px, batch {args.batch}, {name}, torch {torch.__version__}, "
          f"peak dense bf16 {peak if peak else 'unknown'} TFLOP/s, wall time {time.perf_counter() - start:.0f} s\n")
    print(table(loops, results, args.batch, flops, peak))
    if busy is not None:
        print("\nWhere the time goes (10 profiled iterations each; profiling slows the host a little):\n")
        print("| loop | wall ms / iteration | GPU kernels ms / iteration | GPU busy |")
        print("|---|---:|---:|---:|")
        for loop in loops:
            wall, gpu = busy[loop.name]
            print(f"| {loop.name} | {wall:.2f} | {gpu:.2f} | {100 * gpu / wall:.0f} % |")
    for loop in all_loops:
        if "error" in results[loop.name]:
            print(f"\n{loop.name}: FAILED, {results[loop.name]['error']}")
    eager, compiled = all_loops[3], all_loops[4]
    if compiled in loops:
        compile_s = results[compiled.name]["warmup_s"] - results[eager.name]["warmup_s"]
        print(f"\ntorch.compile: about {compile_s:.0f} s (warm-up of the compiled variant minus that of the same "
              f"variant eager; {args.warmup} warm-up iterations each), not in the images/s.")
    print("Target: ratio >= 2 for bf16 + channels_last + compile.")
    print(NOTES + "\nOn CUDA the fp32 convolutions of both loops use TF32 (PyTorch's default for cuDNN).\n"
          "TFLOP/s: convolution FLOPs of one iteration (FlopCounterMode) x iterations/s.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--resolution", type=int, default=None, choices=(16, 32, 64),
                        help="default: 64 on CUDA, 32 otherwise")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--steps", type=int, default=None, help="iterations per timed repeat (default 10 CPU, 300 GPU)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--variants", nargs="+", type=parse_variant, default=None,
                        help="library variants to time against the reference (default: fp32 fp32+channels_last)")
    parser.add_argument("--gpu-suite", action="store_true",
                        help="CUDA only: the reference and six library variants, with TFLOP/s")
    parser.add_argument("--budget", type=float, default=300.0, help="seconds for --gpu-suite, compile included")
    parser.add_argument("--threads", type=int, default=None, help="CPU threads (default: torch's)")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: 16 px unless --resolution, 1 warm-up + 2 timed iterations, one repeat")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = resolve_device(args.device)
    on_gpu = device.type == "cuda"
    if args.resolution is None:
        args.resolution = 16 if args.quick else 64 if on_gpu else 32
    if args.steps is None:
        args.steps = 300 if on_gpu else 10
    if args.quick:
        args.steps, args.repeats, args.warmup = min(args.steps, 2), 1, 1
        args.budget = min(args.budget, 120.0)

    if args.gpu_suite:
        if not on_gpu:
            print(f"--gpu-suite needs a CUDA device; this run's device is {device.type}: skipped. "
                  "The reference-vs-library comparison runs without --gpu-suite.")
            return
        gpu_suite(args, device)
        return

    if on_gpu:
        torch.backends.cudnn.benchmark = True  # as the example sets it; global, so both loops get it
    variants = args.variants or [parse_variant("fp32"), parse_variant("fp32+channels_last")]
    loops = make_loops(args, device, variants)
    results = measure(loops, args, device)
    where = torch.cuda.get_device_name(device) if on_gpu else f"cpu, {torch.get_num_threads()} thread(s)"
    print(f"\nDCGAN {args.resolution} px, batch {args.batch}, {where}, "
          f"{args.steps} iterations x {args.repeats} interleaved repeats, torch {torch.__version__}\n")
    print(table(loops, results, args.batch))
    reference = results[loops[0].name]["rates"]
    print()
    for loop in loops[1:]:
        rates = results[loop.name]["rates"]
        paired = [b / a for a, b in zip(reference, rates)]
        print(f"ratio {loop.name} / reference = {statistics.median(rates) / statistics.median(reference):.3f} "
              f"(median of the paired ratios {statistics.median(paired):.3f}; target >= 1.0)")
    print(NOTES)


if __name__ == "__main__":
    main()
