"""Reference solutions: the sheet's computed exercises (1, 3, 7, 8, 10) in the Keras 3 API.

Each ``exNN_*`` module has ``run(profile, seeding, progress)`` returning plain data (numbers,
lists, dicts) that can be written as JSON; the assignment's hooks (``run_reference``) call it in
a fresh process (``python -m autograder.keyrun``). ``profile`` is an ``autograder.sdk.Profile``
(settings of ``assignment.toml`` read as attributes: ``profile.ex7_epochs``). Training modules
import TensorFlow lazily. They use only ``autograder.sdk`` from the engine.
"""
