#!/usr/bin/python3
"""GPU peer of bench/gpu_bench.ts: the shared CPU peer's network
(../shared/peers/torch_train_step.py: EfficientNetV2 -> pooling -> ArcFace,
cross-entropy, Adam) imported from that script and run on CUDA in float32.
Prints one JSON line: img_per_s and step_ms_median.

Usage: torch_cuda_step.py --peer PATH/torch_train_step.py --model efficientnet_v2_b0 --size 128 --batch 32
"""
import argparse
import importlib.util
import json
import statistics
import time

import torch
import torch.nn.functional as F

ap = argparse.ArgumentParser()
ap.add_argument("--peer", required=True)
ap.add_argument("--model", default="efficientnet_v2_b0")
ap.add_argument("--size", type=int, default=128)
ap.add_argument("--batch", type=int, default=32)
ap.add_argument("--classes", type=int, default=10)
ap.add_argument("--steps", type=int, default=10)
ap.add_argument("--warmup", type=int, default=3)
a = ap.parse_args()

spec = importlib.util.spec_from_file_location("peer", a.peer)
peer = importlib.util.module_from_spec(spec)
spec.loader.exec_module(peer)

torch.manual_seed(0)
torch.backends.cudnn.benchmark = True
torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
net = peer.Net(peer.MODELS[a.model](), a.classes).cuda().train()
opt = torch.optim.Adam(net.parameters(), lr=1e-3)
x = torch.randn(a.batch, 3, a.size, a.size, device="cuda")
y = torch.randint(0, a.classes, (a.batch,), device="cuda")
times = []
for i in range(a.warmup + a.steps):
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    opt.zero_grad(set_to_none=True)
    loss = F.cross_entropy(net(x, y), y)
    loss.backward()
    opt.step()
    torch.cuda.synchronize()
    if i >= a.warmup:
        times.append(time.perf_counter() - t0)
ms = statistics.median(times) * 1000
print(json.dumps({"img_per_s": a.batch / (ms / 1000), "step_ms_median": ms, "device": torch.cuda.get_device_name(0),
                  "torch": torch.__version__}))
