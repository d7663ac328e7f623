"""fraudops_ml: simulator, features, training, evaluation and ONNX export of the fraud detector."""

__all__ = ["__version__"]

__version__ = "0.1.0"
