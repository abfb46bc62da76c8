"""Plain records of what a fit learned, without TensorFlow: the network's shape
and the optimizer's state. The training code, the estimators and the file
format (``_persistence``) share them.
"""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class NetworkSpec:
    """Everything that fixes the shape of the network (and so its compiled code)."""

    n_features: int
    n_outputs: int
    embed_dim: int
    num_heads: int
    hierarchical: bool
    num_groups: int
    dropout_rate: float
    edge_bias: bool
    n_blocks: int
    hidden_layer_sizes: tuple
    activation: str
    dtype: str
    # one entry per feature: 0 numeric, n > 0 categorical with n categories
    categorical_cardinalities: tuple = ()
    # whether NaN in a numeric feature gets a learned embedding (else: its mean)
    missing_values: bool = False
    # how the graph blocks embed numbers (version 1 files: "shared")
    numeric_embedding: str = "shared"
    frequency_scale: float = 1.0
    # how many members the head has (version 1 and 2 files: one), and whether
    # their outputs are logits whose class probabilities are averaged
    ensemble_size: int = 1
    averages_probabilities: bool = False

    @property
    def is_categorical(self):
        return tuple(n > 0 for n in self.categorical_cardinalities) or (
            (False,) * self.n_features
        )

    def changes_to(self, other):
        """``"name old -> new"`` for every field ``other`` has otherwise."""
        return [
            f"{name} {getattr(self, name)!r} -> {getattr(other, name)!r}"
            for name in self.__dataclass_fields__
            if getattr(other, name) != getattr(self, name)
        ]

    @property
    def general_embeddings(self):
        """Whether the first graph block embeds categories or NaN, which the
        residual around it must set aside."""
        return self.missing_values or any(self.categorical_cardinalities)

    @property
    def materialises_embeddings(self):
        """Whether a graph block evaluates its attention from the embeddings
        themselves (memory ``B * H * F**2 * E / H``), not in factorised form."""
        return self.general_embeddings or self.numeric_embedding != "shared"


@dataclass
class OptimizerState:
    """Adam's moments, step count and current learning rate, kept between calls
    of ``partial_fit`` so that streaming training continues where it stopped.

    With weight averaging the model holds the average and ``params`` the
    weights Adam last stepped to, from which it continues; None otherwise.
    """

    first_moments: np.ndarray
    second_moments: np.ndarray
    step: float
    learning_rate: float
    params: np.ndarray | None = None
