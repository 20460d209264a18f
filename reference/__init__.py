"""Reference solutions: the sheet's computed exercises (1, 3, 7, 8, 10) in the Keras 3 API.

Each ``exNN_*`` module has ``run(profile, seeding, progress)`` returning plain data (numbers,
lists, dicts) that can be written as JSON. Training modules import TensorFlow lazily.
"""
