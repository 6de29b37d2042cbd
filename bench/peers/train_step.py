"""Peer for bench/train-step.ts: one training step of an MLP 784-256-256-10, batch 128, Adam,
PyTorch CPU with 1 thread. Prints ms/step (median of timing blocks) as JSON."""
import json, sys, time
import torch

torch.set_num_threads(1)
torch.manual_seed(0)
steps = int(sys.argv[1]) if len(sys.argv) > 1 else 50
model = torch.nn.Sequential(
    torch.nn.Linear(784, 256), torch.nn.ReLU(),
    torch.nn.Linear(256, 256), torch.nn.ReLU(),
    torch.nn.Linear(256, 10),
)
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
x = torch.rand(8000, 784)
y = torch.randint(0, 10, (8000,))
loss_fn = torch.nn.CrossEntropyLoss()
g = torch.Generator().manual_seed(0)

def step():
    idx = torch.randint(0, 8000, (128,), generator=g)
    opt.zero_grad()
    loss = loss_fn(model(x[idx]), y[idx])
    loss.backward()
    opt.step()
    return loss.item()  # read the loss every step, as tunebook does

for _ in range(10):
    step()
# wall time and process CPU time per step: on a shared machine CPU time is the steadier measure
wall, cpu = [], []
per = max(1, steps // 5)
for _ in range(5):
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(per):
        step()
    wall.append((time.perf_counter() - t0) / per)
    cpu.append((time.process_time() - c0) / per)
wall.sort()
cpu.sort()
print(json.dumps({"ms_per_step": wall[2] * 1000, "cpu_ms_per_step": cpu[2] * 1000, "torch": torch.__version__, "threads": torch.get_num_threads()}))
