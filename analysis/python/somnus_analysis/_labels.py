"""What the readers share: the class names of Fashion-MNIST and the decoding of
HDF5 strings (log.py and frames.py both use them; neither imports the other at
import time)."""

FASHION_MNIST_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                         "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


def _text(value):
    return value.decode() if isinstance(value, bytes) else value
