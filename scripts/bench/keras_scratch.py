"""Keras/TensorFlow reference for `mammo bench`: the seed's own stack and its scratch CNN (seed
§4: conv 32-64-128-128 3x3 valid + 2x2 max pooling, dense 512, dense 1; 3,452,545 parameters),
NHWC float32 as Keras runs it, one training step (forward, backward, Adam through
`train_on_batch`) and inference (`predict_on_batch`) on random 150x150 batches. One JSON line.

    python scripts/bench/keras_scratch.py --batch-size 32 --steps 30
"""
import argparse, json, os, time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers

ap = argparse.ArgumentParser()
ap.add_argument("--batch-size", type=int, default=32)
ap.add_argument("--steps", type=int, default=30)
a = ap.parse_args()

m = keras.Sequential([
    keras.Input((150, 150, 1)),
    layers.Conv2D(32, 3, activation="relu"), layers.MaxPooling2D(2),
    layers.Conv2D(64, 3, activation="relu"), layers.MaxPooling2D(2),
    layers.Conv2D(128, 3, activation="relu"), layers.MaxPooling2D(2),
    layers.Conv2D(128, 3, activation="relu"), layers.MaxPooling2D(2),
    layers.Flatten(), layers.Dense(512, activation="relu"), layers.Dense(1),
])
assert m.count_params() == 3452545, m.count_params()
m.compile(optimizer=keras.optimizers.Adam(1e-3, epsilon=1e-7),
          loss=keras.losses.BinaryCrossentropy(from_logits=True))
rng = np.random.default_rng(0)
x = rng.random((a.batch_size, 150, 150, 1), dtype=np.float32)
y = (rng.random(a.batch_size) > 0.5).astype(np.float32)


def rate(f, warmup):
    for _ in range(warmup):
        f()
    t = time.perf_counter()
    for _ in range(a.steps):
        f()
    return a.batch_size * a.steps / (time.perf_counter() - t)


train = rate(lambda: m.train_on_batch(x, y), 5)
infer = rate(lambda: m.predict_on_batch(x), 3)
print(json.dumps({"bench": "scratch", "implementation": "keras", "device": "cpu", "batch_size": a.batch_size,
                  "channels_last": True, "precision": "fp32", "train_images_per_s": round(train, 1),
                  "infer_images_per_s": round(infer, 1), "threads": os.cpu_count(),
                  "tensorflow": tf.__version__}), flush=True)
