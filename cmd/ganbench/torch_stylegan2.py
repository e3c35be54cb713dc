#!/usr/bin/env python3
"""PyTorch twin of the Go StyleGAN2 config E training steps timed by `ganbench -suite=torch-stylegan2`.

The model and steps are ganlib's E-32 / E-64 presets (ganlib/models/stylegan2, ganlib/blocks,
ganlib/objective), written again in PyTorch the way stylegan2-ada-pytorch computes them in
training: mapping network (pixel-normalized z, 8 dense layers, lr multiplier 0.01, tracked w
average), the learned 4x4 constant, modulated 3x3 convolutions with demodulation in the
non-fused form (inputs scaled by the styles, a shared convolution, outputs scaled by 1/sigma),
the 2x upsampling convolution as a stride-2 transposed convolution followed by the [1,3,3,1] FIR
(the reference's fast path), noise with a learned strength, bias and leaky ReLU 0.2 with gain
sqrt(2), output skips (toRGB at every resolution, images summed after FIR upsampling), and the
residual discriminator (1x1 fromRGB, per block a 3x3 conv and a FIR + stride-2 3x3 conv beside a
FIR + stride-2 1x1 skip, sums times 1/sqrt(2); minibatch stddev group 4; conv, dense, score).
Equalized learning rate throughout. Non-saturating logistic loss, style mixing 0.9, Adam (lr
0.002, betas 0 and 0.99, lazily corrected for R1 every 16 and path length every 4 steps),
G's moving average after every G step.

Four steps are timed, each with its optimizer update: D's main step, G's main step (with the EMA),
D's lazy R1 step (automatic gamma) and G's lazy path-length step (half the batch). It prints
one JSON object on its last line with each step's median time and the parameter counts.
Usage: torch_stylegan2.py --resolution 32|64 --channels 1|3 [--iters N] [--threads T] [--batch B]
"""
import argparse
import json
import math
import statistics
import time

import torch
import torch.nn.functional as F

GAIN = math.sqrt(2.0)
FIR = torch.tensor([1.0, 3.0, 3.0, 1.0])


def lrelu(x):
    return F.leaky_relu(x, 0.2) * GAIN


def fir_kernel(channels, gain):
    f = torch.outer(FIR, FIR)
    f = f / f.sum() * gain
    return f.view(1, 1, 4, 4).repeat(channels, 1, 1, 1)


def fir(x, pad, gain=1.0):
    """The [1,3,3,1] filter (depthwise) after padding (left, right, top, bottom)."""
    c = x.shape[1]
    return F.conv2d(F.pad(x, pad), fir_kernel(c, gain).to(x.dtype), groups=c)


def upsample_fir(x):
    """StyleGAN2's upsample2d: zero insertion, padding (2, 1), the filter with gain 4."""
    b, c, h, w = x.shape
    up = x.new_zeros(b, c, 2 * h, 2 * w)
    up[:, :, ::2, ::2] = x
    return fir(up, (2, 1, 2, 1), 4.0)


def downsample_fir(x):
    """StyleGAN2's downsample2d: padding (1, 1), the filter, every other sample."""
    return fir(x, (1, 1, 1, 1))[:, :, ::2, ::2]


class Dense(torch.nn.Module):
    def __init__(self, cin, cout, bias_init=0.0, lr_mul=1.0):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.randn(cout, cin) / lr_mul)
        self.bias = torch.nn.Parameter(torch.full([cout], float(bias_init) / lr_mul))
        self.scale, self.lr_mul = lr_mul / math.sqrt(cin), lr_mul

    def forward(self, x):
        return F.linear(x, self.weight * self.scale, self.bias * self.lr_mul)


class Conv(torch.nn.Module):
    """Equalized conv (no bias here): same padding, or FIR + stride-2 for down."""

    def __init__(self, cin, cout, k, down=False):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.randn(cout, cin, k, k))
        self.scale, self.k, self.down = 1 / math.sqrt(cin * k * k), k, down

    def forward(self, x):
        w = self.weight * self.scale
        if not self.down:
            return F.conv2d(x, w, padding=self.k // 2)
        if self.k == 1:
            return F.conv2d(downsample_fir(x), w)
        return F.conv2d(fir(x, (2, 2, 2, 2)), w, stride=2)


class ConvAct(torch.nn.Module):
    def __init__(self, cin, cout, k, down=False):
        super().__init__()
        self.conv = Conv(cin, cout, k, down)
        self.bias = torch.nn.Parameter(torch.zeros(cout))

    def forward(self, x):
        return lrelu(self.conv(x) + self.bias.view(1, -1, 1, 1))


class StyleLayer(torch.nn.Module):
    def __init__(self, cin, cout, w_dim, up=False):
        super().__init__()
        self.affine = Dense(w_dim, cin, bias_init=1.0)
        self.weight = torch.nn.Parameter(torch.randn(cout, cin, 3, 3))
        self.bias = torch.nn.Parameter(torch.zeros(cout))
        self.noise_strength = torch.nn.Parameter(torch.zeros([]))
        self.up, self.scale = up, 1 / math.sqrt(cin * 9)

    def forward(self, x, w):
        s = self.affine(w)  # [B, cin]
        weight = self.weight * self.scale
        x = x * s.view(s.shape[0], -1, 1, 1)
        if self.up:  # transposed conv at stride 2, then the FIR (gain 4) with padding (1, 1)
            x = F.conv_transpose2d(x, weight.transpose(0, 1), stride=2)
            x = fir(x, (1, 1, 1, 1), 4.0)
        else:
            x = F.conv2d(x, weight, padding=1)
        sigma = torch.rsqrt((s * s) @ weight.square().sum(dim=(2, 3)).t() + 1e-8)  # [B, cout]
        x = x * sigma.view(sigma.shape[0], -1, 1, 1)
        noise = torch.randn(x.shape[0], 1, x.shape[2], x.shape[3])
        return lrelu(x + noise * self.noise_strength + self.bias.view(1, -1, 1, 1))


class ToRGB(torch.nn.Module):
    def __init__(self, cin, img_ch, w_dim):
        super().__init__()
        self.affine = Dense(w_dim, cin, bias_init=1.0)
        self.weight = torch.nn.Parameter(torch.randn(img_ch, cin, 1, 1))
        self.bias = torch.nn.Parameter(torch.zeros(img_ch))
        self.scale = 1 / math.sqrt(cin)

    def forward(self, x, w):
        s = self.affine(w)
        x = F.conv2d(x * s.view(s.shape[0], -1, 1, 1), self.weight * self.scale)
        return x + self.bias.view(1, -1, 1, 1)


class Generator(torch.nn.Module):
    def __init__(self, res, img_ch, channels, latent=128, w_dim=128, map_layers=8):
        super().__init__()
        self.res, self.w_dim = res, w_dim
        self.num_ws = 2 * int(math.log2(res)) - 2
        self.mapping = torch.nn.ModuleList(
            [Dense(latent if i == 0 else w_dim, w_dim, lr_mul=0.01) for i in range(map_layers)])
        self.register_buffer("w_avg", torch.zeros(w_dim))
        self.const = torch.nn.Parameter(torch.randn(channels(4), 4, 4))
        self.conv4 = StyleLayer(channels(4), channels(4), w_dim)
        self.rgb = torch.nn.ModuleList([ToRGB(channels(4), img_ch, w_dim)])
        self.convs = torch.nn.ModuleList()
        r = 8
        while r <= res:
            self.convs.append(StyleLayer(channels(r // 2), channels(r), w_dim, up=True))
            self.convs.append(StyleLayer(channels(r), channels(r), w_dim))
            self.rgb.append(ToRGB(channels(r), img_ch, w_dim))
            r *= 2

    def map(self, z, update_avg=True):
        x = z * torch.rsqrt(z.square().mean(dim=1, keepdim=True) + 1e-8)
        for layer in self.mapping:
            x = lrelu(layer(x))
        if update_avg:
            with torch.no_grad():
                self.w_avg.copy_(x.detach().mean(dim=0).lerp(self.w_avg, 0.995))
        return x.unsqueeze(1).repeat(1, self.num_ws, 1)

    def mapping_mixed(self, z, mixing=0.9):
        ws = self.map(z)
        if torch.rand([]) < mixing:
            cutoff = int(torch.randint(1, self.num_ws, []))
            ws = torch.cat([ws[:, :cutoff], self.map(torch.randn_like(z), False)[:, cutoff:]], dim=1)
        return ws

    def synthesis(self, ws):
        x = self.const.unsqueeze(0).repeat(ws.shape[0], 1, 1, 1)
        x = self.conv4(x, ws[:, 0])
        img = self.rgb[0](x, ws[:, 1])
        for i in range(len(self.convs) // 2):
            x = self.convs[2 * i](x, ws[:, 2 * i + 1])
            x = self.convs[2 * i + 1](x, ws[:, 2 * i + 2])
            img = upsample_fir(img) + self.rgb[i + 1](x, ws[:, 2 * i + 3])
        return img


def minibatch_stddev(x, group=4):
    b, c, h, w = x.shape
    g = min(group, b)
    y = x.view(g, -1, c, h, w)
    y = y - y.mean(dim=0, keepdim=True)
    y = torch.sqrt(y.square().mean(dim=0) + 1e-8).mean(dim=(1, 2, 3))
    y = y.view(1, -1, 1, 1, 1).expand(g, -1, 1, h, w).reshape(b, 1, h, w)
    return torch.cat([x, y], dim=1)


class Discriminator(torch.nn.Module):
    def __init__(self, res, img_ch, channels):
        super().__init__()
        self.from_rgb = ConvAct(img_ch, channels(res), 1)
        self.blocks = torch.nn.ModuleList()
        r = res
        while r > 4:
            block = torch.nn.Module()
            block.conv0 = ConvAct(channels(r), channels(r), 3)
            block.conv1 = ConvAct(channels(r), channels(r // 2), 3, down=True)
            block.skip = Conv(channels(r), channels(r // 2), 1, down=True)
            self.blocks.append(block)
            r //= 2
        c = channels(4)
        self.conv = ConvAct(c + 1, c, 3)
        self.fc = Dense(16 * c, c)
        self.score = Dense(c, 1)

    def forward(self, img):
        x = self.from_rgb(img)
        for block in self.blocks:
            x = (block.skip(x) + block.conv1(block.conv0(x))) * math.sqrt(0.5)
        x = self.conv(minibatch_stddev(x))
        return self.score(lrelu(self.fc(x.flatten(1))))


def count(module):
    return sum(p.numel() for p in module.parameters())


def adam(params, interval):
    c = interval / (interval + 1)
    return torch.optim.Adam(params, lr=0.002 * c, betas=(0.0, 0.99 ** c), eps=1e-8)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--resolution", type=int, default=32)
    p.add_argument("--channels", type=int, default=1)
    p.add_argument("--channel-base", type=int, default=512)
    p.add_argument("--channel-max", type=int, default=64)
    p.add_argument("--iters", type=int, default=4)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--ema-beta", type=float, default=0.999)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    channels = lambda r: min(a.channel_base // r, a.channel_max)  # noqa: E731
    G = Generator(a.resolution, a.channels, channels)
    D = Discriminator(a.resolution, a.channels, channels)
    G_ema = Generator(a.resolution, a.channels, channels)
    G_ema.load_state_dict(G.state_dict())
    opt_g, opt_d = adam(G.parameters(), 4), adam(D.parameters(), 16)
    b = a.batch
    real = torch.rand(b, a.channels, a.resolution, a.resolution) * 2 - 1
    gamma = 0.0002 * a.resolution ** 2 / b

    def d_main():
        z = torch.randn(b, 128)
        with torch.no_grad():
            fake = G.synthesis(G.mapping_mixed(z))
        loss = F.softplus(D(fake)).mean() + F.softplus(-D(real)).mean()
        opt_d.zero_grad(set_to_none=True)
        loss.backward()
        opt_d.step()

    def g_main():
        z = torch.randn(b, 128)
        loss = F.softplus(-D(G.synthesis(G.mapping_mixed(z)))).mean()
        opt_g.zero_grad(set_to_none=True)
        loss.backward()
        for p in D.parameters():
            p.grad = None
        opt_g.step()
        with torch.no_grad():
            for pe, pg in zip(G_ema.parameters(), G.parameters()):
                pe.copy_(pg.lerp(pe, a.ema_beta))
            G_ema.w_avg.copy_(G.w_avg)

    def d_r1():
        x = real.detach().requires_grad_(True)
        (grad,) = torch.autograd.grad(D(x).sum(), x, create_graph=True)
        loss = grad.square().sum(dim=(1, 2, 3)).mean() * (gamma / 2) * 16
        opt_d.zero_grad(set_to_none=True)
        loss.backward()
        opt_d.step()

    pl_mean = torch.zeros([])

    def g_pl():
        nonlocal pl_mean
        z = torch.randn(b // 2, 128)
        ws = G.mapping_mixed(z)
        img = G.synthesis(ws)
        y = torch.randn_like(img) / math.sqrt(img.shape[2] * img.shape[3])
        (grad,) = torch.autograd.grad((img * y).sum(), ws, create_graph=True)
        lengths = grad.square().sum(dim=2).mean(dim=1).sqrt()
        mean = pl_mean.lerp(lengths.mean(), 0.01)
        pl_mean = mean.detach()
        loss = (lengths - mean).square().mean() * 2 * 4
        opt_g.zero_grad(set_to_none=True)
        loss.backward()
        opt_g.step()

    steps = {"d_ms": d_main, "g_ms": g_main, "r1_ms": d_r1, "pl_ms": g_pl}
    for fn in steps.values():  # warm-up
        fn()
    times = {k: [] for k in steps}
    for _ in range(a.iters):
        for k, fn in steps.items():
            start = time.perf_counter()
            fn()
            times[k].append((time.perf_counter() - start) * 1e3)
    med = {k: statistics.median(v) for k, v in times.items()}
    iteration = med["d_ms"] + med["g_ms"] + med["r1_ms"] / 16 + med["pl_ms"] / 4
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), "")
    except OSError:
        pass
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "g_params": count(G) - 0,
                      "d_params": count(D), "times_ms": times, "median_ms": med, "iteration_ms": iteration,
                      "images_per_s": b / iteration * 1e3, "cpu": cpu}))


if __name__ == "__main__":
    main()
