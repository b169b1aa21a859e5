#!/usr/bin/env python3
"""PAD's training iteration (Wake, NREM, REM) in eager PyTorch, timed.

The comparison point of bench/bench.py: what a user would write without
somnus. A clean re-implementation with Debian's python3-torch (1.13, the same
version as libtorch-dev), written from the README's description of the model
and its reference code (../shared/reference/pad_reference.md), not copied:
the same layers, initialisation, losses, optimisers and update order.

    /usr/bin/python3 bench/pad_pytorch.py --threads 2 --batch 64 --iterations 20
    python3 bench/pad_pytorch.py --device cuda --batch 256 --read-losses --cuda-graph

Prints one JSON object per benchmark: the median milliseconds per iteration
(and the mean), images/s, and the peak resident memory of this process (on a
GPU also its peak GPU memory). On a GPU, --read-losses reads every loss and the
discriminator's mean output to the host each step, and checks that they are
finite, as somnus does (so the difference is what those host round trips
cost); --cuda-graph also times the cycle captured once as a CUDA graph and
replayed (the occlusion mask is drawn outside the graph into a fixed buffer).
"""
import argparse
import json
import math
import random
import resource
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

LATENT, FEATURES, SLOPE = 256, 64, 0.2


class Encoder(nn.Module):
    """conv1-conv3 (shared), conv4 -> z, and the discriminator head on conv3."""

    def __init__(self, channels=1):
        super().__init__()
        f = FEATURES
        self.conv1 = nn.Conv2d(channels, f, 4, 2, 1)
        self.conv2 = nn.Conv2d(f, 2 * f, 4, 2, 1)
        self.conv3 = nn.Conv2d(2 * f, 4 * f, 4, 2, 1)
        self.conv4 = nn.Conv2d(4 * f, LATENT, 4, 2, 0)
        self.head = nn.Conv2d(4 * f, 1, 4, 2, 0)

    def layer3(self, x):
        h = F.leaky_relu(self.conv1(x), SLOPE)
        h = F.leaky_relu(self.conv2(h), SLOPE)
        return F.leaky_relu(self.conv3(h), SLOPE)

    def forward(self, x):
        h = self.layer3(x)
        return self.conv4(h).flatten(1), torch.sigmoid(self.head(h)).flatten()

    def discriminate(self, x):
        return torch.sigmoid(self.head(self.layer3(x))).flatten()


class Generator(nn.Module):
    def __init__(self, channels=1):
        super().__init__()
        f = FEATURES
        self.tconv1 = nn.ConvTranspose2d(LATENT, 4 * f, 4, 1, 0)
        self.tconv2 = nn.ConvTranspose2d(4 * f, 2 * f, 4, 2, 1)
        self.tconv3 = nn.ConvTranspose2d(2 * f, f, 4, 2, 1)
        self.tconv4 = nn.ConvTranspose2d(f, channels, 4, 2, 1)

    def forward(self, z):
        h = F.leaky_relu(self.tconv1(z.view(z.size(0), LATENT, 1, 1)), SLOPE)
        h = F.leaky_relu(self.tconv2(h), SLOPE)
        h = F.leaky_relu(self.tconv3(h), SLOPE)
        return torch.tanh(self.tconv4(h))


def init_weights(module):
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(module.weight, 0.0, 0.02)


def latent_kl(z):
    m, s = z.mean(0), z.std(0)
    return ((s.pow(2) + m.pow(2)) / 2 - s.log() - 0.5).mean()


def occlusion_mask(shape, drop_rate, tile, device="cpu"):
    """One mask for the whole mini-batch: tiles of `tile` px dropped with probability drop_rate."""
    _, c, h, w = shape
    rows, cols = (h + tile - 1) // tile, (w + tile - 1) // tile
    keep = (torch.rand(rows, cols, device=device) >= drop_rate).float()
    keep = keep.repeat_interleave(tile, 0).repeat_interleave(tile, 1)[:h, :w]
    return keep.expand(c, h, w)


class Pad:
    def __init__(self, batch, device="cpu", read_losses=False, capturable=False):
        self.device, self.read_losses = device, read_losses
        self.E, self.G = Encoder().to(device), Generator().to(device)
        self.E.apply(init_weights)
        self.G.apply(init_weights)
        adam = dict(lr=2e-4, betas=(0.5, 0.999))
        if capturable:  # Adam's step count on the GPU, so that a CUDA graph can replay it
            adam["capturable"] = True
        self.opt_e = torch.optim.Adam(self.E.parameters(), **adam)
        self.opt_g = torch.optim.Adam(self.G.parameters(), **adam)
        self.z = self.z_old = None
        self.mask = None  # a fixed occlusion-mask buffer, for the CUDA graph
        self.first = True

    def read(self, *values):
        """What somnus does with each loss: read it to the host and check that it is finite."""
        if self.read_losses:
            for v in values:
                if not math.isfinite(v.item()):
                    raise FloatingPointError("diverged")

    def wake(self, x):
        self.opt_e.zero_grad()
        self.opt_g.zero_grad()
        z, d = self.E(x)
        real, kl, reconstruction = F.binary_cross_entropy(d, torch.ones_like(d)), latent_kl(z), F.mse_loss(self.G(z), x)
        (real + kl + reconstruction).backward()
        self.opt_e.step()
        self.opt_g.step()
        self.read(kl, real, d.mean(), reconstruction)
        if self.z is not None and self.mask is not None:  # in a CUDA graph: fixed buffers, copied in place
            self.z_old.copy_(self.z)
            self.z.copy_(z.detach())
        else:
            self.z_old, self.z = self.z, z.detach()

    def nrem(self, x):
        self.opt_e.zero_grad()
        with torch.no_grad():
            dream = self.G(self.z)
            if self.mask is not None:
                dream = dream * self.mask
            else:
                dream = dream * occlusion_mask(dream.shape, random.random(), random.randint(1, 8), self.device)
        z, _ = self.E(dream)
        loss = F.mse_loss(z, self.z)
        loss.backward()
        self.opt_e.step()
        self.read(loss)

    def rem(self, x):
        self.opt_e.zero_grad()
        self.opt_g.zero_grad()
        noise = torch.randn_like(self.z)
        if self.z_old is None:
            z_mix = 0.5 * self.z + 0.5 * noise
        else:
            z_mix = 0.25 * self.z + 0.25 * self.z_old + 0.5 * noise
        d = self.E.discriminate(self.G(z_mix))
        loss = F.binary_cross_entropy(d, torch.zeros_like(d))
        loss.backward()
        for p in self.G.parameters():  # generator plasticity sign reversed: gradient ascent
            p.grad.neg_()
        self.opt_e.step()
        self.opt_g.step()
        self.read(loss, d.mean())


def peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def synchronize(device):
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def median_seconds(run, warmup, iterations, device):
    for _ in range(warmup):
        run()
    synchronize(device)
    times = []
    for _ in range(max(iterations, 1)):
        start = time.perf_counter()
        run()
        synchronize(device)
        times.append(time.perf_counter() - start)
    return statistics.median(times), statistics.mean(times)  # a median: other processes add outliers


def cuda_graph_cycle(args, x):
    """The Wake-NREM-REM cycle captured once as a CUDA graph, replayed per mini-batch."""
    pad = Pad(args.batch, args.device, read_losses=False, capturable=True)
    pad.wake(x)
    pad.wake(x)  # z and z_old exist: the graph's memory buffers from here on
    pad.mask = occlusion_mask((args.batch, 1, 32, 32), 0.5, 4, args.device).expand(args.batch, 1, 32, 32).contiguous()
    static_x = x.clone()
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):  # warm-up on a side stream, as torch.cuda.graphs asks
        for _ in range(3):
            for s in (pad.wake, pad.nrem, pad.rem):
                s(static_x)
    torch.cuda.current_stream().wait_stream(side)
    graph = torch.cuda.CUDAGraph()
    for opt in (pad.opt_e, pad.opt_g):
        opt.zero_grad(set_to_none=True)  # backward() then allocates the gradients from the graph's own pool
    with torch.cuda.graph(graph):
        for s in (pad.wake, pad.nrem, pad.rem):
            s(static_x)

    def replay():
        # A new mask for each mini-batch, drawn outside the graph into its buffer.
        pad.mask.copy_(occlusion_mask(pad.mask.shape, random.random(), random.randint(1, 8), args.device))
        graph.replay()
    return replay


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--iterations", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--which", default="cycle,wake,nrem,rem", help="comma-separated: cycle, wake, nrem, rem")
    ap.add_argument("--device", default="cpu", help="cpu or cuda")
    ap.add_argument("--cudnn-benchmark", action="store_true", help="cuDNN autotuning")
    ap.add_argument("--read-losses", action="store_true", help="read each loss to the host every step, as somnus does")
    ap.add_argument("--cuda-graph", action="store_true", help="also time the cycle as a CUDA graph")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.backends.cudnn.benchmark = args.cudnn_benchmark
    torch.manual_seed(0)
    random.seed(0)
    x = (torch.rand(args.batch, 1, 32, 32) * 2 - 1).to(args.device)
    pad = Pad(args.batch, args.device, args.read_losses)
    pad.wake(x)  # a stored latent for the sleep states
    steps = {"wake": [pad.wake], "nrem": [pad.nrem], "rem": [pad.rem], "cycle": [pad.wake, pad.nrem, pad.rem]}
    variant = ", ".join(name for name, on in (("reading losses", args.read_losses),
                                              ("cudnn benchmark", args.cudnn_benchmark)) if on)

    def emit(which, median, mean, extra=None):
        line = {"benchmark": "pytorch " + which, "batch": args.batch, "threads": torch.get_num_threads(),
                "ms_per_iteration": 1000 * median, "ms_mean": 1000 * mean,
                "images_per_second": args.batch / median, "peak_rss_mib": peak_rss_mib()}
        if args.device.startswith("cuda"):
            line.update(device=args.device, variant=variant,
                        gpu_peak_allocated_mib=torch.cuda.max_memory_allocated() / 2**20,
                        gpu_peak_reserved_mib=torch.cuda.max_memory_reserved() / 2**20)
        line.update(extra or {})
        print(json.dumps(line), flush=True)

    for which in args.which.split(","):
        run = steps[which]

        def iteration():
            for s in run:
                s(x)
        emit(which, *median_seconds(iteration, args.warmup, args.iterations, args.device))
    if args.cuda_graph and args.device.startswith("cuda"):
        try:
            replay = cuda_graph_cycle(args, x)
            emit("cycle (CUDA graph)", *median_seconds(replay, args.warmup, args.iterations, args.device),
                 {"variant": "cudnn benchmark" if args.cudnn_benchmark else ""})  # the graph reads no loss
        except Exception as e:  # a measurement, not a requirement: say why it could not be taken
            print(json.dumps({"benchmark": "pytorch cycle (CUDA graph)", "error": repr(e)[:300]}), flush=True)

if __name__ == "__main__":
    main()
