"""Train the networks of throughput.mjs with PyTorch on the CPU.

Reads one JSON argument (networks, samples, warmup, batchSize, learningRate),
trains each network with Adam on the first Fashion-MNIST training images, and
prints one JSON object: the torch version, its thread count and samples per
second by network name. Prints {"error": ...} when torch cannot be imported.
"""

import gzip
import json
import sys
import time

DATA = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"
LABELS = "/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz"


def read_idx(path, header_bytes):
    with gzip.open(path, "rb") as handle:
        return handle.read()[header_bytes:]


def load(count, torch):
    pixels = read_idx(DATA, 16)[: count * 28 * 28]
    labels = read_idx(LABELS, 8)[:count]
    images = torch.frombuffer(bytearray(pixels), dtype=torch.uint8)
    images = images.float().div(255).reshape(count, 1, 28, 28)
    targets = torch.frombuffer(bytearray(labels), dtype=torch.uint8).long()
    return images, targets


def build(genotype, torch):
    """Two valid convolutions with ReLU6, then flatten and a dense layer, as nord builds them."""
    nn = torch.nn
    filters_1, kernel_1, filters_2, kernel_2 = genotype
    side = 28 - kernel_1 + 1 - kernel_2 + 1
    return nn.Sequential(
        nn.Conv2d(1, filters_1, kernel_1),
        nn.ReLU6(),
        nn.Conv2d(filters_1, filters_2, kernel_2),
        nn.ReLU6(),
        nn.Flatten(),
        nn.Linear(filters_2 * side * side, 10),
    )


def train(model, images, targets, batch_size, learning_rate, torch):
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
    loss_function = torch.nn.CrossEntropyLoss()
    for start in range(0, len(images), batch_size):
        optimizer.zero_grad()
        logits = model(images[start : start + batch_size])
        loss = loss_function(logits, targets[start : start + batch_size])
        loss.backward()
        optimizer.step()


def main():
    config = json.loads(sys.argv[1])
    try:
        import torch
    except ImportError as error:
        print(json.dumps({"error": f"torch cannot be imported: {error}"}))
        return

    torch.manual_seed(1)
    samples, warmup = config["samples"], config["warmup"]
    images, targets = load(samples + warmup, torch)
    results = {}
    for network in config["networks"]:
        model = build(network["genotype"], torch)
        args = (config["batchSize"], config["learningRate"], torch)
        train(model, images[:warmup], targets[:warmup], *args)

        started = time.perf_counter()
        train(model, images[warmup:], targets[warmup:], *args)
        results[network["name"]] = samples / (time.perf_counter() - started)
        print(f"pytorch {network['name']} done", file=sys.stderr)

    report = {
        "version": torch.__version__,
        "threads": torch.get_num_threads(),
        "results": results,
    }
    print(json.dumps(report))


if __name__ == "__main__":
    main()
