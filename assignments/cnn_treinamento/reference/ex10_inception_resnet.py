"""Exercise 10: Inception vs ResNet on the first 800 Fashion-MNIST images (SGD 0.05, momentum 0.8)."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from autograder.sdk import Profile, Progress, epoch_callback, history_dict, keras_model, silent

from .seeding import seed_before_network


def load_data(profile: Profile) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The sheet's preparation: /255, one-hot, (28, 28, 1); training on the first N images."""
    import keras

    (x_train, y_train), (x_test, y_test) = keras.datasets.fashion_mnist.load_data()
    num_classes = len(np.unique(y_train))
    x_train = x_train.astype("float32") / 255.0
    x_test = x_test.astype("float32") / 255.0
    y_train = keras.utils.to_categorical(y_train, num_classes)
    y_test = keras.utils.to_categorical(y_test, num_classes)
    x_train = x_train.reshape(x_train.shape[0], 28, 28, 1)
    x_test = x_test.reshape(x_test.shape[0], 28, 28, 1)
    n = profile.ex10_train_images
    m = profile.ex10_test_images or x_test.shape[0]  # 0 (the full profile): all test images
    return x_train[:n], y_train[:n], x_test[:m], y_test[:m]


def inception_module(layer_in: Any, f1: int, f2_in: int, f2_out: int, f3_in: int, f3_out: int,
                     f4_out: int) -> Any:
    from keras.layers import Conv2D, MaxPooling2D, concatenate

    conv1 = Conv2D(f1, (1, 1), padding="same", activation="relu")(layer_in)
    conv3 = Conv2D(f2_in, (1, 1), padding="same", activation="relu")(layer_in)
    conv3 = Conv2D(f2_out, (3, 3), padding="same", activation="relu")(conv3)
    conv5 = Conv2D(f3_in, (1, 1), padding="same", activation="relu")(layer_in)
    conv5 = Conv2D(f3_out, (5, 5), padding="same", activation="relu")(conv5)
    pool = MaxPooling2D((3, 3), strides=(1, 1), padding="same")(layer_in)
    pool = Conv2D(f4_out, (1, 1), padding="same", activation="relu")(pool)
    return concatenate([conv1, conv3, conv5, pool], axis=-1)


def residual_block(layer_in: Any, n_filters: int, projection: bool = True) -> Any:
    from keras.layers import Activation, Conv2D, add

    merge_input = layer_in
    if projection and layer_in.shape[-1] != n_filters:
        merge_input = Conv2D(n_filters, (1, 1), padding="same", activation="relu")(layer_in)
    conv1 = Conv2D(n_filters, (3, 3), padding="same", activation="relu")(layer_in)
    conv2 = Conv2D(n_filters, (3, 3), padding="same", activation="linear")(conv1)
    return Activation("relu")(add([conv2, merge_input]))


def inception_net(input_shape: tuple[int, int, int] = (28, 28, 1), num_classes: int = 10) -> Any:
    """196,154 parameters."""
    import keras
    from keras.layers import GlobalAveragePooling2D, Input, MaxPooling2D

    inp = Input(shape=input_shape)
    layer1 = inception_module(inp, 32, 32, 32, 32, 32, 16)
    pool1 = MaxPooling2D((2, 2), strides=(2, 2), padding="same")(layer1)
    layer2 = inception_module(pool1, 32, 64, 64, 64, 64, 16)
    pool2 = MaxPooling2D((2, 2), strides=(2, 2), padding="same")(layer2)
    flat = GlobalAveragePooling2D()(pool2)
    out = keras.layers.Dense(num_classes, activation="softmax")(flat)
    return keras.models.Model(inputs=inp, outputs=out)


def res_net(input_shape: tuple[int, int, int] = (28, 28, 1), num_classes: int = 10,
            projection: bool = True) -> Any:
    """186,058 parameters (without the first block's 1×1 projection: 185,930)."""
    import keras
    from keras.layers import GlobalAveragePooling2D, Input, MaxPooling2D

    inp = Input(shape=input_shape)
    x = inp
    for _ in range(3):
        x = residual_block(x, 64, projection)
        x = MaxPooling2D((2, 2), strides=(2, 2), padding="same")(x)
    flat = GlobalAveragePooling2D()(x)
    out = keras.layers.Dense(num_classes, activation="softmax")(flat)
    return keras.models.Model(inputs=inp, outputs=out)


BUILDERS = {"Inception": inception_net, "ResNet": res_net}


def _train(name: str, data: tuple[np.ndarray, ...], profile: Profile, seeding: str,
           progress: Progress) -> dict[str, Any]:
    import keras

    x_sub, y_sub, x_test, y_test = data
    seed_before_network(seeding)
    model = BUILDERS[name]()
    model.compile(loss="categorical_crossentropy",
                  optimizer=keras.optimizers.SGD(learning_rate=0.05, momentum=0.8),
                  metrics=["accuracy"])
    start = time.perf_counter()
    history = model.fit(x_sub, y_sub, batch_size=profile.ex10_batch_size,
                        epochs=profile.ex10_epochs, verbose=0,
                        callbacks=[epoch_callback(f"ex10 {name}", profile.ex10_epochs, progress)])
    seconds = time.perf_counter() - start
    train = model.evaluate(x_sub, y_sub, verbose=0)
    test = model.evaluate(x_test, y_test, verbose=0)
    return {
        "params": int(model.count_params()),
        "model": keras_model(model),
        "history": history_dict(history),
        "steps": int(history.params.get("steps") or 0),
        "train_loss": float(train[0]),
        "train_accuracy": float(train[1]),
        "test_loss": float(test[0]),
        "test_accuracy": float(test[1]),
        "seconds": seconds,
        "seconds_per_epoch": seconds / profile.ex10_epochs,
    }


def facts(inc: dict[str, Any], res: dict[str, Any]) -> dict[str, bool]:
    return {
        "resnet_fits_training": res["train_loss"] < 0.05 and res["train_accuracy"] > 0.99,
        "resnet_test_loss_higher_than_inception": res["test_loss"] > inc["test_loss"],
        "resnet_overfits": res["test_loss"] - res["train_loss"] > inc["test_loss"] - inc["train_loss"],
        "inception_not_converged": inc["train_loss"] > 0.1,
        "inception_higher_test_accuracy": inc["test_accuracy"] > res["test_accuracy"],
    }


def supported_letters(f: dict[str, bool]) -> list[str]:
    """(a) ResNet fits training perfectly, higher test loss (overfitting), Inception can improve."""
    letters = []
    if f["resnet_fits_training"] and f["resnet_test_loss_higher_than_inception"] \
            and f["inception_not_converged"]:
        letters.append("a")
    return letters


def run(profile: Profile, seeding: str, progress: Progress = silent) -> dict[str, Any]:
    data = load_data(profile)
    inc = _train("Inception", data, profile, seeding, progress)
    res = _train("ResNet", data, profile, seeding, progress)
    f = facts(inc, res)
    return {
        "exercise": 10,
        "Inception": inc,
        "ResNet": res,
        "data": {"train_images": int(data[0].shape[0]), "test_images": int(data[2].shape[0]),
                 "x_max": float(data[0].max())},
        "facts": f,
        "supports": supported_letters(f),
    }


def variants(profile: Profile, progress: Progress = silent) -> dict[str, Any]:
    """Exercise 10's named wrong variants, built (not trained): a residual block without its 1×1
    projection (the sum broadcasts the single input channel), and the batches per epoch of
    training on all 60,000 images."""
    from autograder.sdk import keras_model

    progress("ex10: variants")
    out: dict[str, Any] = {"exercise": 10, "steps": {
        "trained_on_all_images": int(np.ceil(60000 / profile.ex10_batch_size))}}
    try:
        out["networks"] = {"residual_without_projection": keras_model(res_net(projection=False))}
    except Exception as exc:  # Keras refusing the sum is itself the outcome: an error, no count
        out["networks"] = {"residual_without_projection_error": f"{type(exc).__name__}: {exc}"}
    return out
