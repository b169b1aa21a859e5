#!/usr/bin/env python3
"""PAD's training iteration (Wake, NREM, REM) in eager PyTorch, timed.

The comparison point of bench/bench.py: what a user would write without
somnus. A clean re-implementation with Debian's python3-torch (1.13, the same
version as libtorch-dev), written from the README's description of the model
and its reference code (../shared/reference/pad_reference.md), not copied:
the same layers, initialisation, losses, optimisers and update order.

    /usr/bin/python3 bench/pad_pytorch.py --threads 2 --batch 64 --iterations 20

Prints one JSON object per benchmark: the median milliseconds per iteration
(and the mean), images/s, and the peak resident memory of this process.
"""
import argparse
import json
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


def occlusion_mask(shape, drop_rate, tile):
    """One mask for the whole mini-batch: tiles of `tile` px dropped with probability drop_rate."""
    _, c, h, w = shape
    rows, cols = (h + tile - 1) // tile, (w + tile - 1) // tile
    keep = (torch.rand(rows, cols) >= drop_rate).float()
    keep = keep.repeat_interleave(tile, 0).repeat_interleave(tile, 1)[:h, :w]
    return keep.expand(c, h, w)


class Pad:
    def __init__(self, batch):
        self.E, self.G = Encoder(), Generator()
        self.E.apply(init_weights)
        self.G.apply(init_weights)
        self.opt_e = torch.optim.Adam(self.E.parameters(), lr=2e-4, betas=(0.5, 0.999))
        self.opt_g = torch.optim.Adam(self.G.parameters(), lr=2e-4, betas=(0.5, 0.999))
        self.z = self.z_old = None
        self.first = True

    def wake(self, x):
        self.opt_e.zero_grad()
        self.opt_g.zero_grad()
        z, d = self.E(x)
        loss = F.binary_cross_entropy(d, torch.ones_like(d)) + latent_kl(z) + F.mse_loss(self.G(z), x)
        loss.backward()
        self.opt_e.step()
        self.opt_g.step()
        self.z_old, self.z = self.z, z.detach()

    def nrem(self, x):
        self.opt_e.zero_grad()
        with torch.no_grad():
            dream = self.G(self.z)
            dream = dream * occlusion_mask(dream.shape, random.random(), random.randint(1, 8))
        z, _ = self.E(dream)
        F.mse_loss(z, self.z).backward()
        self.opt_e.step()

    def rem(self, x):
        self.opt_e.zero_grad()
        self.opt_g.zero_grad()
        noise = torch.randn_like(self.z)
        if self.z_old is None:
            z_mix = 0.5 * self.z + 0.5 * noise
        else:
            z_mix = 0.25 * self.z + 0.25 * self.z_old + 0.5 * noise
        d = self.E.discriminate(self.G(z_mix))
        F.binary_cross_entropy(d, torch.zeros_like(d)).backward()
        for p in self.G.parameters():  # generator plasticity sign reversed: gradient ascent
            p.grad.neg_()
        self.opt_e.step()
        self.opt_g.step()


def peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--iterations", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--which", default="cycle,wake,nrem,rem", help="comma-separated: cycle, wake, nrem, rem")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    random.seed(0)
    x = torch.rand(args.batch, 1, 32, 32) * 2 - 1
    pad = Pad(args.batch)
    pad.wake(x)  # a stored latent for the sleep states
    steps = {"wake": [pad.wake], "nrem": [pad.nrem], "rem": [pad.rem], "cycle": [pad.wake, pad.nrem, pad.rem]}
    for which in args.which.split(","):
        run = steps[which]
        for _ in range(args.warmup):
            for s in run:
                s(x)
        times = []
        for _ in range(max(args.iterations, 1)):
            start = time.perf_counter()
            for s in run:
                s(x)
            times.append(time.perf_counter() - start)
        median = statistics.median(times)  # other processes on a shared machine add outliers
        print(json.dumps({"benchmark": "pytorch " + which, "batch": args.batch, "threads": torch.get_num_threads(),
                          "ms_per_iteration": 1000 * median, "ms_mean": 1000 * statistics.mean(times),
                          "images_per_second": args.batch / median,
                          "peak_rss_mib": peak_rss_mib()}), flush=True)

if __name__ == "__main__":
    main()
