"""The built-in datasets: an embedded default, the seeds' datasets, users' folders and series.

Registration only: no torch, no torchvision here (``ganzoo list`` stays fast). Builders live in
sibling modules and are imported when a dataset is loaded.
"""

from ganzoo import hookimpl
from ganzoo.specs import DatasetSpec, Param

_PKG = "ganzoo_plugins.datasets"
_DIGITS = tuple(str(i) for i in range(10))
_FASHION = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
            "Sneaker", "Bag", "Ankle boot")
_CIFAR = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")


def _specs() -> list[DatasetSpec]:
    return [
        DatasetSpec(
            name="digits", builder=f"{_PKG}.builtin:digits",
            description="Embedded default: scikit-learn's 1,797 handwritten 8x8 digits, resized "
                        "to the model's size; no network, no files",
            shape=None, labelled=True, class_names=_DIGITS,
            source="scikit-learn's load_digits (UCI optical digits, CC BY 4.0), shipped with ganzoo",
        ),
        DatasetSpec(
            name="mnist", builder=f"{_PKG}.vision:mnist",
            description="MNIST handwritten digits, 1x28x28, 60k/10k (torchvision)",
            shape=(1, 28, 28), labelled=True, class_names=_DIGITS,
            source="torchvision.datasets.MNIST: DATA_ROOT/MNIST/raw/*-ubyte[.gz] (--download)",
        ),
        DatasetSpec(
            name="fashion-mnist", builder=f"{_PKG}.vision:fashion_mnist",
            description="Fashion-MNIST clothing images, 1x28x28, 60k/10k (torchvision)",
            shape=(1, 28, 28), labelled=True, class_names=_FASHION,
            source="torchvision.datasets.FashionMNIST: DATA_ROOT/FashionMNIST/raw/*-ubyte[.gz] "
                   "(--download)",
        ),
        DatasetSpec(
            name="cifar10", builder=f"{_PKG}.vision:cifar10",
            description="CIFAR-10 colour images, 3x32x32, 50k/10k (torchvision)",
            shape=(3, 32, 32), labelled=True, class_names=_CIFAR,
            source="torchvision.datasets.CIFAR10: DATA_ROOT/cifar-10-batches-py/ (--download)",
        ),
        DatasetSpec(
            name="celeba", builder=f"{_PKG}.folders:celeba",
            description="CelebA aligned faces as in the DCGAN tutorial (Resize + CenterCrop), "
                        "folder or the downloaded zip; cached after the first run",
            shape=None, labelled=False, splits=("train", "test"),
            source="DATA_ROOT/img_align_celeba/*.jpg or DATA_ROOT/img_align_celeba.zip",
            params={"limit": Param("int", 0, "use only the first N images (0 = all)", min=0, max=10**9),
                    "test_split": Param("float", 0.05, "fraction held out as the test split (the "
                                        "last files; 0 = train on all)", min=0, max=0.99)},
        ),
        DatasetSpec(
            name="imagefolder", builder=f"{_PKG}.folders:imagefolder",
            description="Your own images (png/jpg/webp/bmp), labelled by sub-folder if any; "
                        "cached after the first run",
            shape=None, labelled=False, splits=("train", "test"),
            source="DATA_ROOT/**/*.{png,jpg,jpeg,webp,bmp} (sub-folders = classes)",
            params={"limit": Param("int", 0, "use only the first N images (0 = all)", min=0, max=10**9),
                    "test_split": Param("float", 0.1, "fraction held out as the test split (the "
                                        "last files of each class; 0 = train on all)", min=0, max=0.99)},
        ),
        DatasetSpec(
            name="sine", builder=f"{_PKG}.builtin:sine",
            description="Seeded noisy sum of sines, next-step windows, for the LSTM regressor",
            modality="series", shape=None, value_range=(-1.0, 1.0),
            source="synthetic (generated from the run's seed)",
            params={"points": Param("int", 2000, "length of the generated series", min=1,
                                   max=100_000_000),
                    "noise": Param("float", 0.05, "std of the added Gaussian noise", min=0, max=100)},
        ),
        DatasetSpec(
            name="csv", builder=f"{_PKG}.series:csv",
            description="Your own time series: one numeric column of a CSV file, standardised, "
                        "next-step windows",
            modality="series", shape=None,
            source="a CSV file: --data-root FILE.csv or --set path=FILE.csv",
            params={"column": Param("str", "", "column to model (required if several are numeric)"),
                    "path": Param("str", "", "the CSV file (default: --data-root)")},
        ),
        DatasetSpec(
            name="fake", builder=f"{_PKG}.builtin:fake",
            description="Random data of any shape (the model's default unless set), for smoke "
                        "tests and benchmarks",
            shape=None, labelled=True, class_names=_DIGITS,
            source="random, generated from the run's seed",
            params={"size": Param("int", 512, "number of training samples", min=1, max=10_000_000),
                    "test_size": Param("int", 128, "number of test samples", min=0, max=10_000_000),
                    "num_classes": Param("int", 10, "number of random labels", min=1, max=10_000)},
        ),
    ]


@hookimpl
def register_datasets(register):
    for spec in _specs():
        register(spec)
