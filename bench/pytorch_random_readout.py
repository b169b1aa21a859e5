#!/usr/bin/env python3
"""The PAD linear-readout protocol on an untrained encoder, in PyTorch.

A side-by-side check of somnus's `eval --untrained` against PyTorch (Debian's
python3-torch and python3-torchvision, the same 1.13 as libtorch-dev), written
from the protocol in the README, not copied from the reference code:

    python3 bench/pytorch_random_readout.py SEED [DATA_DIR]

DATA_DIR must hold FashionMNIST/raw/ with the four uncompressed IDX files
(zcat /usr/share/datasets/fashion-mnist/*.gz into it). Prints the latent
statistics and the test accuracy after each of the 20 readout epochs.
"""
import sys

import torch
import torch.nn as nn
import torchvision
import torchvision.transforms as T


def weights_init(m):
    if "Conv" in m.__class__.__name__:
        m.weight.data.normal_(0.0, 0.02)


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        act = lambda: nn.LeakyReLU(0.2)
        self.layers = nn.Sequential(nn.Conv2d(1, 64, 4, 2, 1), act(), nn.Conv2d(64, 128, 4, 2, 1), act(),
                                    nn.Conv2d(128, 256, 4, 2, 1), act())
        self.z = nn.Conv2d(256, 256, 4, 2, 0)
        self.dis = nn.Conv2d(256, 1, 4, 2, 0)

    def forward(self, x):
        return self.z(self.layers(x)).flatten(1)


def generator():
    act = lambda: nn.LeakyReLU(0.2)
    return nn.Sequential(nn.ConvTranspose2d(256, 256, 4, 1, 0), act(), nn.ConvTranspose2d(256, 128, 4, 2, 1), act(),
                         nn.ConvTranspose2d(128, 64, 4, 2, 1), act(), nn.ConvTranspose2d(64, 1, 4, 2, 1), nn.Tanh())


def main():
    seed = int(sys.argv[1])
    root = sys.argv[2] if len(sys.argv) > 2 else "/tmp/fm"
    torch.set_num_threads(1)
    torch.manual_seed(seed)
    generator().apply(weights_init)  # drawn first, as a training script builds G before E
    encoder = Encoder()
    encoder.apply(weights_init)
    transform = T.Compose([T.Resize(32), T.ToTensor(), T.Normalize((0.5,), (0.5,))])

    def latents(train):
        ds = torchvision.datasets.FashionMNIST(root, train=train, download=False, transform=transform)
        x = torch.stack([ds[i][0] for i in range(len(ds))])
        with torch.no_grad():
            z = torch.cat([encoder(x[i:i + 1000]) for i in range(0, len(x), 1000)])
        return z, ds.targets.clone()

    z_train, y_train = latents(True)
    z_test, y_test = latents(False)
    print("latent element std %.4f, mean per-dimension std %.4f" % (z_train.std(), z_train.std(0).mean()))
    torch.manual_seed(seed)  # the classifier's own draw
    classifier = nn.Linear(256, 10)
    sgd = torch.optim.SGD(classifier.parameters(), lr=0.2)
    loss = nn.CrossEntropyLoss()
    n_train, n_test = len(z_train) // 64 * 64, len(z_test) // 64 * 64
    for epoch in range(20):
        order = torch.randperm(len(z_train))
        for i in range(0, n_train, 64):
            idx = order[i:i + 64]
            sgd.zero_grad()
            loss(classifier(z_train[idx]), y_train[idx]).backward()
            sgd.step()
        with torch.no_grad():
            acc = (classifier(z_test[:n_test]).argmax(1) == y_test[:n_test]).float().mean().item()
        print(epoch, "%.2f" % (100 * acc), flush=True)


if __name__ == "__main__":
    main()
