#!/usr/bin/env python3
"""PyTorch twin of the Go MSG-ProGAN training iteration timed by `ganbench -suite=torch`.

The model and step are ganlib's (ganlib/models/msggan, ganlib/train, ganlib/losses), written
again in PyTorch: MSG-ProGAN at 32x32x3 with 128 channels at every resolution (4, 8, 16, 32),
phi "simple" (the image at each lower resolution is concatenated to the activations), minibatch
stddev (group 4, 1 feature) before every D block, pixel norm in G, equalized learning rate (weights
~N(0,1) scaled by 1/sqrt(fan-in) at run time; leaky ReLU 0.2 with gain sqrt(2)), WGAN-GP with
MSG-GAN's multi-scale penalty (lambda 10) and drift 0.001, Adam (lr 0.003, betas 0 and 0.99,
eps 1e-8) for both networks, and the generator EMA. One iteration = one D step (on a real batch,
a fake batch and the gradient penalty's double backprop) + one G step + the EMA update.

It prints one JSON object on its last line: the median iteration time and images/s.
Usage: torch_msggan.py [--iters N] [--threads T] [--batch B] [--ema-beta BETA]
"""
import argparse
import json
import math
import statistics
import time

import torch
import torch.nn.functional as F

RES, CH, LATENT, IMG_CH = 32, 128, 128, 3
GAIN = math.sqrt(2.0)


class EqConv(torch.nn.Module):
    """Equalized-learning-rate convolution with bias (weights scaled at run time)."""

    def __init__(self, cin, cout, k, padding):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.randn(cout, cin, k, k))
        self.bias = torch.nn.Parameter(torch.zeros(cout))
        self.scale = 1.0 / math.sqrt(cin * k * k)
        self.padding = padding

    def forward(self, x):
        return F.conv2d(x, self.weight * self.scale, self.bias, padding=self.padding)


class EqLinear(torch.nn.Module):
    def __init__(self, cin, cout, bias=True):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.randn(cout, cin))
        self.bias = torch.nn.Parameter(torch.zeros(cout)) if bias else None
        self.scale = 1.0 / math.sqrt(cin)

    def forward(self, x):
        return F.linear(x, self.weight * self.scale, self.bias)


def lrelu(x):
    return F.leaky_relu(x, 0.2) * GAIN


def pixel_norm(x, dim=1):
    return x * torch.rsqrt(torch.mean(x * x, dim=dim, keepdim=True) + 1e-8)


def minibatch_stddev(x, group=4):
    b, c, h, w = x.shape
    g = min(group, b)
    y = x.view(g, -1, c, h, w)
    y = y - y.mean(dim=0, keepdim=True)
    y = torch.sqrt(y.pow(2).mean(dim=0) + 1e-8)  # [m, c, h, w]
    y = y.mean(dim=(1, 2, 3))  # [m]
    y = y.view(1, -1, 1, 1, 1).expand(g, -1, 1, h, w).reshape(b, 1, h, w)
    return torch.cat([x, y], dim=1)


class Generator(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.dense = EqLinear(LATENT, 16 * CH, bias=False)
        self.dense_bias = torch.nn.Parameter(torch.zeros(CH))
        self.conv4 = EqConv(CH, CH, 3, 1)
        self.rgb = torch.nn.ModuleList([EqConv(CH, IMG_CH, 1, 0) for _ in range(4)])
        self.convs = torch.nn.ModuleList()
        for _ in (8, 16, 32):
            self.convs.append(torch.nn.ModuleList([EqConv(CH, CH, 3, 1), EqConv(CH, CH, 3, 1)]))

    def forward(self, z):
        x = pixel_norm(z)
        x = self.dense(x).view(-1, CH, 4, 4) + self.dense_bias.view(1, -1, 1, 1)
        x = pixel_norm(lrelu(x))
        x = pixel_norm(lrelu(self.conv4(x)))
        outputs = [self.rgb[0](x)]
        for i, (c0, c1) in enumerate(self.convs):
            x = F.interpolate(x, scale_factor=2, mode="nearest")
            x = pixel_norm(lrelu(c0(x)))
            x = pixel_norm(lrelu(c1(x)))
            outputs.append(self.rgb[i + 1](x))
        return outputs  # 4x4 first


class Discriminator(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.from_rgb = EqConv(IMG_CH, CH, 1, 0)
        # Blocks at 32, 16, 8 (two 3x3 convs then 2x average pooling); inputs: activations,
        # the image at that resolution below 32 (phi simple), one minibatch-stddev channel.
        self.blocks = torch.nn.ModuleList()
        for r in (32, 16, 8):
            cin = CH + 1 + (IMG_CH if r < RES else 0)
            self.blocks.append(torch.nn.ModuleList([EqConv(cin, CH, 3, 1), EqConv(CH, CH, 3, 1)]))
        self.conv4 = EqConv(CH + IMG_CH + 1, CH, 3, 1)
        self.conv4x4 = EqConv(CH, CH, 4, 0)
        self.score = EqLinear(CH, 1)

    def forward(self, images):
        # images: 4x4, 8x8, 16x16, 32x32
        x = lrelu(self.from_rgb(images[3]))
        for i, (c0, c1) in enumerate(self.blocks):
            if i > 0:
                x = torch.cat([images[3 - i], x], dim=1)
            x = minibatch_stddev(x)
            x = lrelu(c0(x))
            x = lrelu(c1(x))
            x = F.avg_pool2d(x, 2)
        x = torch.cat([images[0], x], dim=1)
        x = minibatch_stddev(x)
        x = lrelu(self.conv4(x))
        x = lrelu(self.conv4x4(x)).view(-1, CH)
        return self.score(x)


def pyramid(x):
    levels = [x]
    while levels[0].shape[-1] > 4:
        levels.insert(0, F.avg_pool2d(levels[0], 2))
    return levels


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--iters", type=int, default=8)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--ema-beta", type=float, default=0.999)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)

    G, D = Generator(), Discriminator()
    G_ema = Generator()
    G_ema.load_state_dict(G.state_dict())
    for p in G_ema.parameters():
        p.requires_grad_(False)
    opt_g = torch.optim.Adam(G.parameters(), lr=0.003, betas=(0.0, 0.99), eps=1e-8)
    opt_d = torch.optim.Adam(D.parameters(), lr=0.003, betas=(0.0, 0.99), eps=1e-8)
    b = args.batch
    real = torch.rand(b, IMG_CH, RES, RES) * 2 - 1
    real_levels = pyramid(real)

    def iteration():
        # D step.
        z = torch.randn(b, LATENT)
        with torch.no_grad():
            fake = G(z)
        for p in D.parameters():
            p.requires_grad_(True)
        d_real, d_fake = D(real_levels), D(fake)
        wasserstein = d_fake.mean() - d_real.mean()
        eps = torch.rand(b, 1, 1, 1)
        interp = [(r + eps * (f - r)).requires_grad_(True) for r, f in zip(real_levels, fake)]
        grads = torch.autograd.grad(D(interp).sum(), interp, create_graph=True)
        penalty = sum(((g.flatten(1).pow(2).sum(1).sqrt() - 1) ** 2).mean() for g in grads) / len(grads)
        drift = (d_real ** 2).mean()
        d_loss = wasserstein + 10.0 * penalty + 0.001 * drift
        opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        opt_d.step()
        # G step (D's weights get no gradient).
        for p in D.parameters():
            p.requires_grad_(False)
        g_loss = -D(G(torch.randn(b, LATENT))).mean()
        opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        opt_g.step()
        with torch.no_grad():
            for pe, p in zip(G_ema.parameters(), G.parameters()):
                pe.copy_(p + args.ema_beta * (pe - p))
        return d_loss.item(), g_loss.item()

    for _ in range(args.warmup):
        iteration()
    times = []
    for i in range(args.iters):
        start = time.perf_counter()
        d_loss, g_loss = iteration()
        times.append((time.perf_counter() - start) * 1e3)
        print(f"PyTorch training iteration {i + 1}: {times[-1]:.0f} ms (d_loss {d_loss:.3f}, g_loss {g_loss:.3f})", flush=True)
    median = statistics.median(times)
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    print(json.dumps({
        "torch": torch.__version__, "threads": torch.get_num_threads(),
        "g_params": sum(p.numel() for p in G.parameters()),
        "d_params": sum(p.numel() for p in D.parameters()),
        "iter_ms": times, "median_iter_ms": median, "images_per_s": b / (median / 1e3), "cpu": cpu,
    }))


if __name__ == "__main__":
    main()
