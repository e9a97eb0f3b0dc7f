#!/usr/bin/python3
"""PyTorch peer of the project's retrieval recipe on a Google-Landmarks-style
folder: EfficientNetV2 "pico" (re-implemented from lib/nn/efficientnetv2/),
global average pooling, dropout, optional Dense + BN neck, then a softmax or
ArcFace head (lib/nn/arc_margin.ts), Adam with Keras's update rule
(lib/nn/keras_adam.ts), the notebook's ramp-cosine schedule per epoch
(lib/nn/lr_schedule.ts), then the classifier and kNN metrics of
lib/nn/evaluate_retrieval.ts on the holdout part.

Data, as the project's decode stage in `materialize` mode does it: each JPEG
is decoded once to RGB and resized (bilinear) so its shorter side is
--img-size; training takes a square of that side at an offset drawn
uniformly from [0, long - short) along the longer side, evaluation the
centre square; /255 and ImageNet mean/std. Optional augmentations, as the
decode stage's `augment:` param: --flip, --rrc-scale LOW (random resized
crop, area [LOW, 1] of the stored image, aspect 3/4..4/3, resized back to
--img-size), --jitter J (brightness, contrast, saturation factors in
[1 - J, 1 + J]).

Usage (Debian's interpreter, for python3-torch 1.13 / torchvision 0.14):
  OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 bench/peers/landmark_peer.py \\
    DIR --holdout val --head softmax --epochs 30 [--threads 2] ...
DIR holds train.csv + train/ and <holdout>.csv + <holdout>/ (ids at
<part>/<id[0]>/<id[1]>/<id[2]>/<id>.jpg). Per-epoch lines (loss, train
top-1 on the training logits, lr; for ArcFace also m and the top-1 of the
margin-free logits) go to stderr; the last stdout line is one JSON object:
{"top1", "knn_top1", "gap", "knn_gap", "train_seconds", "epochs",
"images_per_second", ...}. "gap" ranks the classifier's predictions by
their top logit (s*cos for ArcFace), as the project does; "gap_prob" by the
softmax probability instead.
"""
import os

# Before torch is imported: idle OpenMP threads must not spin on a shared 2-core machine.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse
import csv
import json
import math
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
# Keras divides the truncated normal's stddev by the sd of a unit normal truncated at +-2.
TRUNCATED_STD = 0.87962566103423978

# lib/nn/efficientnetv2/variants.ts PICO_STAGES: (block, repeats, kernel, stride, expand, out, se).
PICO_STAGES = [
    ("fused", 1, 3, 1, 1, 16, 0.0),
    ("fused", 1, 3, 2, 2, 24, 0.0),
    ("fused", 1, 3, 2, 2, 32, 0.0),
    ("mbconv", 2, 3, 2, 4, 48, 0.25),
    ("mbconv", 2, 3, 2, 4, 96, 0.25),
]
PICO = {"stem": 16, "top": 256, "width": 1.0, "depth": 1.0, "drop_path": 0.1}


def log(*parts):
    print(*parts, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- data

def read_part(root, part):
    """Rows (id, landmark_id) of <part>.csv, in file order."""
    with open(os.path.join(root, f"{part}.csv"), newline="") as f:
        rows = [(r["id"], r["landmark_id"]) for r in csv.DictReader(f)]
    if not rows:
        raise SystemExit(f"Cannot read {part}.csv in {root!r}: it has no rows")
    return rows


def image_path(root, part, image_id):
    return os.path.join(root, part, image_id[0], image_id[1], image_id[2], f"{image_id}.jpg")


def decode_shorter_side(path, size):
    """RGB uint8 HWC with the shorter side resized to `size` (longer side rounded), as decodeShorterSide."""
    with Image.open(path) as im:
        im = im.convert("RGB")
        w, h = im.size
        scale = size / min(w, h)
        nw = size if w <= h else max(size, round(w * scale))
        nh = size if h < w else max(size, round(h * scale))
        if (nw, nh) != (w, h):
            im = im.resize((nw, nh), Image.BILINEAR)
        return np.array(im, dtype=np.uint8)


def materialize(root, part, rows, size, threads):
    with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        return list(pool.map(lambda r: decode_shorter_side(image_path(root, part, r[0]), size), rows))


class Augment:
    """Per-image crop and augmentation, drawn from a numpy Generator."""

    def __init__(self, img_size, flip=False, rrc_scale=None, jitter=0.0):
        self.img_size = img_size
        self.flip = flip
        self.rrc_scale = rrc_scale
        self.jitter = jitter
        mean = torch.tensor(IMAGENET_MEAN).view(3, 1, 1)
        std = torch.tensor(IMAGENET_STD).view(3, 1, 1)
        self.mean, self.std = mean, std

    def square(self, image, rng):
        """The notebook's square crop: side = shorter side, offset along the longer side (centre when rng is None)."""
        h, w = image.shape[:2]
        side = min(w, h)
        slack = max(w, h) - side
        offset = 0 if slack == 0 else (slack >> 1 if rng is None else int(rng.integers(slack)))
        return image[:, offset:offset + side] if w >= h else image[offset:offset + side, :]

    def rrc(self, image, rng):
        """torchvision's RandomResizedCrop.get_params on the stored image (10 tries, then the centre square)."""
        h, w = image.shape[:2]
        area = h * w
        for _ in range(10):
            target = area * rng.uniform(self.rrc_scale, 1.0)
            ratio = math.exp(rng.uniform(math.log(3 / 4), math.log(4 / 3)))
            cw = int(round(math.sqrt(target * ratio)))
            ch = int(round(math.sqrt(target / ratio)))
            if 0 < cw <= w and 0 < ch <= h:
                top = int(rng.integers(h - ch + 1))
                left = int(rng.integers(w - cw + 1))
                return image[top:top + ch, left:left + cw]
        return self.square(image, None)

    def __call__(self, image, rng):
        """uint8 HWC -> normalised float32 CHW of img_size; rng None means evaluation."""
        region = self.rrc(image, rng) if (rng is not None and self.rrc_scale) else self.square(image, rng)
        x = torch.from_numpy(np.ascontiguousarray(region)).permute(2, 0, 1).float().div_(255)
        if x.shape[1] != self.img_size or x.shape[2] != self.img_size:
            x = F.interpolate(x[None], size=(self.img_size, self.img_size), mode="bilinear",
                              align_corners=False, antialias=True)[0].clamp_(0, 1)
        if rng is not None:
            if self.flip and rng.random() < 0.5:
                x = x.flip(-1)
            if self.jitter:
                x = jitter(x, rng.uniform(1 - self.jitter, 1 + self.jitter, size=3), rng.permutation(3))
        return (x - self.mean) / self.std


def jitter(x, factors, order):
    """Brightness, contrast, saturation (torchvision's blend formulas), in the given order."""
    grey_weights = torch.tensor([0.299, 0.587, 0.114]).view(3, 1, 1)
    for i in order:
        f = float(factors[i])
        if i == 0:
            x = (x * f).clamp(0, 1)
        elif i == 1:
            mean = (x * grey_weights).sum(0).mean()
            x = (f * x + (1 - f) * mean).clamp(0, 1)
        else:
            grey = (x * grey_weights).sum(0, keepdim=True)
            x = (f * x + (1 - f) * grey).clamp(0, 1)
    return x


def batches(images, labels, batch, augment, rng, shuffle):
    """Yields (x [B,3,S,S], y [B]); training drops the last partial batch (steps = n // batch)."""
    n = len(images)
    order = rng.permutation(n) if shuffle else np.arange(n)
    stop = (n // batch) * batch if shuffle else n
    for start in range(0, stop, batch):
        idx = order[start:start + batch]
        x = torch.stack([augment(images[i], rng if shuffle else None) for i in idx])
        yield x.contiguous(memory_format=torch.channels_last), torch.from_numpy(labels[idx])


# ---------------------------------------------------------------- model

def round_filters(filters, width):
    """scale.ts roundFilters: int(filters*width + 4) // 8 * 8, at least 8."""
    return max(8, int(filters * width + 4) // 8 * 8)


def expand_blocks(stages, stem, width, depth, drop_path):
    """expand.ts expandBlocks: one spec per block, stride and width change on a stage's first block."""
    scaled = []
    in_f = round_filters(stem, width)
    for block, repeats, kernel, stride, expand, out, se in stages:
        out_f = round_filters(out, width)
        scaled.append((block, math.ceil(depth * repeats), kernel, stride, expand, in_f, out_f, se))
        in_f = out_f
    total = sum(s[1] for s in scaled)
    specs = []
    for block, repeats, kernel, stride, expand, stage_in, out_f, se in scaled:
        for r in range(repeats):
            in_f = stage_in if r == 0 else out_f
            s = stride if r == 0 else 1
            specs.append({
                "block": block, "in": in_f, "out": out_f, "hidden": in_f * expand, "expand": expand,
                "kernel": kernel, "stride": s,
                "se": max(1, int(in_f * se)) if se > 0 else 0,
                "drop": drop_path * len(specs) / total,
                "residual": s == 1 and in_f == out_f,
            })
    return specs


class SameConv(nn.Conv2d):
    """Conv2d with TensorFlow's 'same' padding (the extra pixel goes after: bottom/right)."""

    def forward(self, x):
        pads = []
        for size, k, s in zip(x.shape[-2:][::-1], self.kernel_size[::-1], self.stride[::-1]):
            total = max((math.ceil(size / s) - 1) * s + k - size, 0)
            pads += [total // 2, total - total // 2]
        if any(pads):
            x = F.pad(x, pads)
        return F.conv2d(x, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)


def bn(channels):
    # Keras momentum 0.9 (moving = 0.9*moving + 0.1*batch) is torch momentum 0.1.
    return nn.BatchNorm2d(channels, eps=1e-3, momentum=0.1)


def conv_bn(cin, cout, kernel, stride, act, groups=1):
    layers = [SameConv(cin, cout, kernel, stride, bias=False, groups=groups), bn(cout)]
    if act:
        layers.append(nn.SiLU())
    return nn.Sequential(*layers)


class SqueezeExcite(nn.Module):
    """[B,C,H,W] -> mean over H,W -> 1x1 conv (SiLU) -> 1x1 conv (sigmoid) -> channel gates."""

    def __init__(self, channels, reduced):
        super().__init__()
        self.reduce = nn.Conv2d(channels, reduced, 1)
        self.expand = nn.Conv2d(reduced, channels, 1)

    def forward(self, x):
        s = x.mean((2, 3), keepdim=True)
        return x * torch.sigmoid(self.expand(F.silu(self.reduce(s))))


class DropPath(nn.Module):
    """Stochastic depth: drops a sample's residual branch with probability `rate`, survivors scaled by 1/keep."""

    def __init__(self, rate):
        super().__init__()
        self.rate = rate

    def forward(self, x):
        if not self.training or self.rate == 0:
            return x
        keep = 1 - self.rate
        mask = torch.floor(torch.rand(x.shape[0], 1, 1, 1, dtype=x.dtype) + keep)
        return x * mask / keep


class Block(nn.Module):
    """Fused-MBConv or MBConv as _blocks.ts builds them."""

    def __init__(self, spec):
        super().__init__()
        layers = []
        if spec["block"] == "fused":
            expanded = spec["expand"] != 1
            if expanded:
                layers.append(conv_bn(spec["in"], spec["hidden"], spec["kernel"], spec["stride"], True))
            if spec["se"]:
                layers.append(SqueezeExcite(spec["hidden"], spec["se"]))
            layers.append(conv_bn(spec["hidden"] if expanded else spec["in"], spec["out"],
                                  1 if expanded else spec["kernel"], 1 if expanded else spec["stride"],
                                  not expanded))
        else:
            if spec["expand"] != 1:
                layers.append(conv_bn(spec["in"], spec["hidden"], 1, 1, True))
            layers.append(conv_bn(spec["hidden"], spec["hidden"], spec["kernel"], spec["stride"], True,
                                  groups=spec["hidden"]))
            if spec["se"]:
                layers.append(SqueezeExcite(spec["hidden"], spec["se"]))
            layers.append(conv_bn(spec["hidden"], spec["out"], 1, 1, False))
        self.body = nn.Sequential(*layers)
        self.residual = spec["residual"]
        self.drop = DropPath(spec["drop"]) if self.residual and spec["drop"] > 0 else None

    def forward(self, x):
        y = self.body(x)
        if not self.residual:
            return y
        return (self.drop(y) if self.drop else y) + x


class ArcMargin(nn.Module):
    """ArcMarginProduct (lib/nn/arc_margin.ts): W [D, n*k], glorot-uniform."""

    def __init__(self, dim, classes, s, subcenters):
        super().__init__()
        self.s, self.k, self.n = s, subcenters, classes
        self.weight = nn.Parameter(torch.empty(dim, classes * subcenters))
        limit = math.sqrt(6 / (dim + classes * subcenters))
        nn.init.uniform_(self.weight, -limit, limit)

    def cosine(self, x):
        # TF's l2_normalize: x * rsqrt(max(sum x^2, 1e-12)); [B,D] x [D,n*k] -> max over k -> [B,n].
        xn = x * torch.rsqrt(torch.clamp((x * x).sum(1, keepdim=True), min=1e-12))
        wn = self.weight * torch.rsqrt(torch.clamp((self.weight ** 2).sum(0, keepdim=True), min=1e-12))
        cos = xn @ wn
        if self.k > 1:
            cos = cos.view(cos.shape[0], self.n, self.k).max(2).values
        return cos

    def forward(self, x, labels, m):
        cos = self.cosine(x)
        if m == 0:
            return self.s * cos  # th = cos(pi) = -1, mm = 0: phi = cos everywhere
        th, mm = math.cos(math.pi - m), math.sin(math.pi - m) * m
        clamped = cos.clamp(-1 + 1e-6, 1 - 1e-6)
        sin = torch.sqrt(1 - clamped * clamped)
        phi = cos * math.cos(m) - sin * math.sin(m)
        phi = torch.where(cos > th, phi, cos - mm)
        target = F.one_hot(labels, self.n).to(cos.dtype)
        return self.s * (target * phi + (1 - target) * cos)

    def logits(self, x):
        return self.s * self.cosine(x)


class GeM(nn.Module):
    """Generalized-mean pooling with a learnable p (lib/nn/model/gem_pooling.ts): (mean max(x, 1e-6)^p)^(1/p)."""

    def __init__(self, p):
        super().__init__()
        self.p = nn.Parameter(torch.full((1,), float(p)))

    def forward(self, x):
        return x.clamp(min=1e-6).pow(self.p).mean((2, 3)).pow(1.0 / self.p)


class RetrievalModel(nn.Module):
    """image -> EfficientNetV2-pico -> GAP -> dropout -> [Dense + BN neck] -> head (retrieval_model.ts)."""

    def __init__(self, classes, head, s, subcenters, dropout, neck, gem_p=None, margins=None):
        super().__init__()
        self.pool = GeM(gem_p) if gem_p else None
        specs = expand_blocks(PICO_STAGES, PICO["stem"], PICO["width"], PICO["depth"], PICO["drop_path"])
        stem = round_filters(PICO["stem"], PICO["width"])
        top = round_filters(PICO["top"], PICO["width"])
        self.stem = conv_bn(3, stem, 3, 2, True)
        self.blocks = nn.Sequential(*[Block(spec) for spec in specs])
        self.top = conv_bn(specs[-1]["out"], top, 1, 1, True)
        self.dropout = nn.Dropout(dropout)
        dim = top
        self.neck = None
        if neck:
            dense = nn.Linear(top, neck)
            glorot(dense.weight)
            nn.init.zeros_(dense.bias)
            self.neck = nn.Sequential(dense, nn.BatchNorm1d(neck, eps=1e-3, momentum=0.1))
            dim = neck
        self.head_kind = head
        if head == "arcface":
            self.head = ArcMargin(dim, classes, s, subcenters)
        else:
            self.head = nn.Linear(dim, classes)
            glorot(self.head.weight)
            nn.init.zeros_(self.head.bias)
        for module in [self.stem, self.blocks, self.top]:
            for sub in module.modules():
                if isinstance(sub, nn.Conv2d):
                    keras_conv_init(sub)

    def embed(self, x):
        x = self.top(self.blocks(self.stem(x)))
        x = self.dropout(self.pool(x) if self.pool is not None else x.mean((2, 3)))
        return self.neck(x) if self.neck is not None else x

    def forward(self, x, labels, m):
        """Training logits (with the margin, for ArcFace) and the margin-free logits, both [B, n]."""
        e = self.embed(x)
        if self.head_kind != "arcface":
            logits = self.head(e)
            return logits, logits
        return self.head(e, labels, m), self.head.logits(e).detach()

    def logits(self, e):
        return self.head.logits(e) if self.head_kind == "arcface" else self.head(e)


def glorot(weight):
    fan_out, fan_in = weight.shape
    limit = math.sqrt(6 / (fan_in + fan_out))
    nn.init.uniform_(weight, -limit, limit)


def keras_conv_init(conv):
    """Keras CONV_KERNEL_INITIALIZER: VarianceScaling(2.0, fan_out, truncated normal at +-2 sd).

    Keras kernels are (kh, kw, in, out), depthwise ones (kh, kw, in, 1): fan_out = kh*kw*out, or kh*kw.
    """
    kh, kw = conv.kernel_size
    depthwise = conv.groups > 1
    fan_out = kh * kw * (1 if depthwise else conv.out_channels)
    std = math.sqrt(2.0 / fan_out) / TRUNCATED_STD
    nn.init.trunc_normal_(conv.weight, std=std, a=-2 * std, b=2 * std)
    if conv.bias is not None:
        nn.init.zeros_(conv.bias)


# ---------------------------------------------------------------- training

class KerasAdam(torch.optim.Optimizer):
    """Adam as Keras computes it: p -= lr*sqrt(1-b2^t)/(1-b1^t) * m / (sqrt(v) + eps), eps 1e-7."""

    def __init__(self, params, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-7):
        super().__init__(params, {"lr": lr, "beta1": beta1, "beta2": beta2, "eps": eps})

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            b1, b2 = group["beta1"], group["beta2"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if not state:
                    state["t"] = 0
                    state["m"] = torch.zeros_like(p)
                    state["v"] = torch.zeros_like(p)
                state["t"] += 1
                t = state["t"]
                lr_t = group["lr"] * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
                state["m"].mul_(b1).add_(p.grad, alpha=1 - b1)
                state["v"].mul_(b2).addcmul_(p.grad, p.grad, value=1 - b2)
                p.addcdiv_(state["m"], state["v"].sqrt().add_(group["eps"]), value=-lr_t)


def ramp_cosine_lr(epoch, start, peak, final, rampup, sustain, exponent, epochs):
    """lr_schedule.ts rampCosineLr: the notebook's lrfn, quirks included (start added to max in the ramp)."""
    decay_epochs = epochs - rampup - sustain - 1
    if epoch < rampup:
        lr = start + (peak + start) * (epoch / rampup) ** exponent
    elif epoch < rampup + sustain:
        lr = peak
    else:
        diff = epoch - rampup - sustain + 1
        lr = final + (peak - final) * (math.cos(diff / (decay_epochs + 1) * math.pi) + 1) / 2
    return round(lr, 8)


# ---------------------------------------------------------------- metrics

def gap(predicted, confidence, truth):
    """global_average_precision.ts: sort by confidence desc (ties: query index), mean precision at each hit."""
    order = sorted(range(len(truth)), key=lambda q: (-confidence[q], q))
    correct, total = 0, 0.0
    for i, q in enumerate(order):
        if predicted[q] == truth[q]:
            correct += 1
            total += correct / (i + 1)
    return total / len(truth)


def knn_predict(queries, train, train_labels, classes, k=5):
    """knn_predict.ts 'sum' voting: cosine of L2-normalised rows, k nearest (ties: lower train index),
    class vote = sum of its similarities / k; winner = highest vote (ties: lower class); confidence = vote."""
    def normalise(a):
        norms = np.linalg.norm(a, axis=1, keepdims=True)
        return np.where(norms > 0, a / np.where(norms > 0, norms, 1), 0)
    sims = normalise(queries.astype(np.float64)) @ normalise(train.astype(np.float64)).T
    k = min(k, train.shape[0])
    labels, conf = np.empty(len(queries), np.int64), np.empty(len(queries))
    for q in range(len(queries)):
        nearest = np.lexsort((np.arange(sims.shape[1]), -sims[q]))[:k]
        votes = {}
        for j in nearest:
            c = int(train_labels[j])
            votes[c] = votes.get(c, 0.0) + sims[q, j] / k
        winner = min(votes, key=lambda c: (-votes[c], c))
        labels[q], conf[q] = winner, votes[winner]
    return labels, conf


@torch.no_grad()
def embed_all(model, images, labels, batch, augment):
    model.eval()
    embs, logits = [], []
    for x, _ in batches(images, labels, batch, augment, None, shuffle=False):
        e = model.embed(x)
        embs.append(e)
        logits.append(model.logits(e))
    return torch.cat(embs).numpy(), torch.cat(logits)


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dir")
    ap.add_argument("--holdout", choices=["val", "test"], default="val")
    ap.add_argument("--img-size", type=int, default=64)
    ap.add_argument("--store-size", type=int, help="stored shorter side (default --img-size)")
    ap.add_argument("--head", choices=["softmax", "arcface"], default="arcface")
    ap.add_argument("--s", type=float, default=30.0)
    ap.add_argument("--m", type=float, default=0.5)
    ap.add_argument("--margin-warmup", type=float, default=0.0,
                    help="epochs over which m ramps linearly from 0 (per step)")
    ap.add_argument("--margin-hold", type=float, default=0.0,
                    help="epochs at m = 0 before the ramp (a cosine-softmax warm start)")
    ap.add_argument("--subcenters", type=int, default=1)
    ap.add_argument("--neck", type=int, default=0, help="Dense + BN embedding size (0: none)")
    ap.add_argument("--gem", type=float, default=None, help="GeM pooling with this starting p (default: average)")
    ap.add_argument("--label-smoothing", type=float, default=0.0)
    ap.add_argument("--dropout", type=float, default=0.0)
    ap.add_argument("--drop-path", type=float, default=PICO["drop_path"],
                    help="final stochastic-depth rate (the model stage's drop_path)")
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--schedule", choices=["ramp-cosine", "constant"], default="ramp-cosine")
    ap.add_argument("--lr", type=float, default=1e-3, help="the constant schedule's rate")
    ap.add_argument("--lr-start", type=float, default=1e-5)
    ap.add_argument("--lr-max", type=float, default=2e-4)
    ap.add_argument("--lr-final", type=float, default=2e-5)
    ap.add_argument("--rampup-epochs", type=int, default=3)
    ap.add_argument("--sustain-epochs", type=int, default=2)
    ap.add_argument("--exponent", type=float, default=2.5)
    ap.add_argument("--flip", action="store_true")
    ap.add_argument("--rrc-scale", type=float, default=None)
    ap.add_argument("--jitter", type=float, default=0.0,
                    help="colour jitter: brightness, contrast, saturation factors in [1 - j, 1 + j]")
    ap.add_argument("--knn-k", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    t0 = time.perf_counter()
    train_rows = read_part(args.dir, "train")
    hold_rows = read_part(args.dir, args.holdout)
    # Contiguous labels in ascending landmark-id order (numeric when every id is), as convert_landmarks.ts.
    ids = sorted({lid for _, lid in train_rows})
    if all(lid.isdigit() for lid in ids):
        ids.sort(key=int)
    label_of = {lid: i for i, lid in enumerate(ids)}
    unknown = {lid for _, lid in hold_rows} - set(label_of)
    if unknown:
        raise SystemExit(f"Cannot evaluate: {len(unknown)} {args.holdout} landmark ids are not in train.csv")
    store = args.store_size or args.img_size
    train_x = materialize(args.dir, "train", train_rows, store, args.threads)
    hold_x = materialize(args.dir, args.holdout, hold_rows, store, args.threads)
    train_y = np.array([label_of[lid] for _, lid in train_rows], dtype=np.int64)
    hold_y = np.array([label_of[lid] for _, lid in hold_rows], dtype=np.int64)
    classes = len(ids)
    log(f"decoded {len(train_x)} train + {len(hold_x)} {args.holdout} images, {classes} classes, "
        f"in {time.perf_counter() - t0:.1f} s")

    PICO["drop_path"] = args.drop_path
    model = RetrievalModel(classes, args.head, args.s, args.subcenters, args.dropout, args.neck, args.gem)
    model = model.to(memory_format=torch.channels_last)
    optimizer = KerasAdam(model.parameters())
    augment = Augment(args.img_size, args.flip, args.rrc_scale, args.jitter)
    eval_augment = Augment(args.img_size)
    steps = len(train_x) // args.batch
    if steps == 0:
        raise SystemExit(f"Cannot train: {len(train_x)} images is less than one batch of {args.batch}")

    train_seconds = 0.0
    step = 0
    for epoch in range(args.epochs):
        if args.schedule == "constant":
            lr = args.lr
        else:
            lr = ramp_cosine_lr(epoch, args.lr_start, args.lr_max, args.lr_final, args.rampup_epochs,
                                args.sustain_epochs, args.exponent, args.epochs)
        for group in optimizer.param_groups:
            group["lr"] = lr
        model.train()
        rng = np.random.default_rng([args.seed, epoch])
        loss_sum, hits, plain_hits, seen = 0.0, 0, 0, 0
        t = time.perf_counter()
        m = args.m
        for x, y in batches(train_x, train_y, args.batch, augment, rng, shuffle=True):
            if args.head == "arcface" and (args.margin_warmup > 0 or args.margin_hold > 0):
                elapsed = step / steps - args.margin_hold
                ramp = min(1.0, max(0.0, elapsed / args.margin_warmup)) if args.margin_warmup > 0 else float(elapsed >= 0)
                m = args.m * ramp
            logits, plain = model(x, y, m)
            loss = F.cross_entropy(logits, y, label_smoothing=args.label_smoothing)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            step += 1
            loss_sum += float(loss) * len(y)
            hits += int((logits.argmax(1) == y).sum())
            plain_hits += int((plain.argmax(1) == y).sum())
            seen += len(y)
        seconds = time.perf_counter() - t
        train_seconds += seconds
        margin = f", m {m:.3f}, train top-1 without margin {plain_hits / seen:.4f}" if args.head == "arcface" else ""
        log(f"epoch {epoch + 1}/{args.epochs}: loss {loss_sum / seen:.4f}, train top-1 {hits / seen:.4f}, "
            f"lr {lr:.2e}{margin}, {seen / seconds:.0f} img/s")

    t = time.perf_counter()
    hold_e, hold_logits = embed_all(model, hold_x, hold_y, 256, eval_augment)
    train_e, _ = embed_all(model, train_x, train_y, 256, eval_augment)
    top_logit, predicted = hold_logits.max(1)
    prob = torch.softmax(hold_logits, 1).max(1).values
    predicted = predicted.numpy()
    knn_label, knn_conf = knn_predict(hold_e, train_e, train_y, classes, args.knn_k)
    result = {
        "top1": float((predicted == hold_y).mean()),
        "knn_top1": float((knn_label == hold_y).mean()),
        "gap": gap(predicted, top_logit.numpy(), hold_y),
        "knn_gap": gap(knn_label, knn_conf, hold_y),
        "gap_prob": gap(predicted, prob.numpy(), hold_y),
        "train_seconds": round(train_seconds, 2),
        "epochs": args.epochs,
        "images_per_second": round(steps * args.batch * args.epochs / train_seconds, 1),
        "eval_seconds": round(time.perf_counter() - t, 2),
        "holdout": args.holdout,
        "classes": classes,
        "train_images": len(train_x),
        "holdout_images": len(hold_x),
        "head": args.head,
        "params": sum(p.numel() for p in model.parameters()),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
