"""AdvancedGraphFeatureLayer: the spec's forward pass, Keras contract, dtypes."""

import numpy as np
import pytest

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")

from skgraphfeat.layers import AdvancedGraphFeatureLayer  # noqa: E402

LAYER_NORM_EPSILON = 1e-5


def _softmax(values, axis):
    shifted = values - values.max(axis=axis, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=axis, keepdims=True)


def reference_numeric_embeddings(layer, values):
    """x_f * w + b (shared), x_f * w_f + b_f (linear), or per feature
    ReLU(W_f [sin 2 pi c_f x_f; cos 2 pi c_f x_f] + b_f) (periodic)."""
    w = layer.embedding_kernel.numpy()
    b = layer.embedding_bias.numpy()
    if layer.numeric_embedding in ("shared", "linear"):
        return values[..., None] * w + b  # (E,) or (F, E) weights
    c = layer.frequencies.numpy()  # (F, K)
    h = np.zeros((*values.shape, layer.embed_dim))
    for f in range(values.shape[1]):
        angles = 2 * np.pi * values[:, f, None] * c[f]
        periodic = np.concatenate([np.sin(angles), np.cos(angles)], axis=-1)
        h[:, f] = np.maximum(periodic @ w[f] + b[f], 0.0)
    return h


def reference_embeddings(layer, x):
    """Step 1: the numeric embedding; a table row per category; NaN's own
    embedding (that of 0 plus the feature's offset)."""
    h = reference_numeric_embeddings(layer, np.where(np.isnan(x), 0.0, x))
    if layer.missing_embeddings:
        offsets = layer.missing_offsets.numpy()
        at_zero = reference_numeric_embeddings(layer, np.zeros_like(x[:1]))[0]
        cardinalities = layer.categorical_cardinalities or (0,) * x.shape[1]
        for f in np.flatnonzero(np.array(cardinalities) == 0):
            for row in np.flatnonzero(np.isnan(x[:, f])):
                h[row, f] = at_zero[f] + offsets[f]
    start = 0
    for f, n in enumerate(layer.categorical_cardinalities or ()):
        if not n:
            continue
        table = layer.category_embeddings.numpy()[start : start + n + 2]
        for row, code in enumerate(x[:, f]):
            if np.isnan(code):
                h[row, f] = table[n + 1]  # "missing"
            elif code == int(code) and 0 <= code < n:
                h[row, f] = table[int(code)]
            else:
                h[row, f] = table[n]  # "unknown"
        start += n + 2
    return h


def reference_forward(layer, x, dropout_multiplier=None):
    """The spec's steps 1-10 in plain numpy, edge attributes materialised.

    ``dropout_multiplier`` (B, H, F, F), if given, multiplies the adjacency
    before the aggregation (step 5: 0 for a dropped edge, 1 / (1 - rate) else).
    """
    a = layer.attention_kernel.numpy()
    n_samples, n_features = x.shape
    embed, heads = layer.embed_dim, layer.num_heads
    d = embed // heads
    h = reference_embeddings(layer, x)  # (B, F, E)
    z = np.zeros_like(h)
    adjacency = np.zeros((n_samples, heads, n_features, n_features))
    for k in range(heads):
        hk = h[..., k * d : (k + 1) * d]
        h_i = np.broadcast_to(hk[:, :, None, :], (n_samples, n_features, n_features, d))
        h_j = np.broadcast_to(hk[:, None, :, :], (n_samples, n_features, n_features, d))
        edges = np.concatenate([h_i, h_j, np.abs(h_i - h_j)], axis=-1)
        scores = edges @ a[k]
        scores = np.where(scores > 0, scores, 0.2 * scores)
        if layer.edge_bias:
            scores = scores + layer.edge_bias_weights.numpy()[k]
        adjacency[:, k] = _softmax(scores, axis=-1)
        attended = adjacency[:, k]
        if dropout_multiplier is not None:
            attended = attended * dropout_multiplier[:, k]
        z[..., k * d : (k + 1) * d] = attended @ hk
    if layer.hierarchical:
        membership = _softmax(layer.group_logits.numpy(), axis=1)
        groups = np.einsum("fg,bfe->bge", membership, z).reshape(n_samples, -1)
        projection = layer.group_projection
        refined = groups @ projection.kernel.numpy() + projection.bias.numpy()
        z = z + refined.reshape(n_samples, n_features, embed)
    r = z + h
    mean = r.mean(axis=-1, keepdims=True)
    var = r.var(axis=-1, keepdims=True)
    norm = layer.layer_norm
    normalized = (r - mean) / np.sqrt(var + LAYER_NORM_EPSILON)
    normalized = normalized * norm.gamma.numpy() + norm.beta.numpy()
    out = layer.output_projection
    outputs = normalized.reshape(n_samples, -1) @ out.kernel.numpy() + out.bias.numpy()
    return outputs, adjacency


def _assert_matches_reference(layer, x):
    """The layer's outputs and adjacency in inference equal the reference's."""
    outputs, adjacency = layer(x, training=False, return_attention_scores=True)
    expected_outputs, expected_adjacency = reference_forward(layer, x)
    np.testing.assert_allclose(
        adjacency.numpy(), expected_adjacency, rtol=1e-5, atol=1e-7
    )
    np.testing.assert_allclose(outputs.numpy(), expected_outputs, rtol=1e-5, atol=1e-7)


def _randomize_weights(layer, rng):
    for variable in layer.trainable_variables:
        variable.assign(rng.normal(size=variable.shape).astype(variable.dtype))


@pytest.mark.parametrize(
    "n_features, embed_dim, num_heads, num_groups, hierarchical, edge_bias",
    [
        (3, 4, 1, 2, False, False),
        (5, 8, 2, 3, True, False),
        (7, 12, 3, 4, True, False),
        (6, 16, 4, 2, False, False),
        (1, 4, 4, 1, True, False),
        (6, 8, 2, 2, False, True),
        (5, 8, 4, 2, True, True),
    ],
)
def test_layer_matches_numpy_reference(
    n_features, embed_dim, num_heads, num_groups, hierarchical, edge_bias
):
    rng = np.random.default_rng(n_features * 100 + embed_dim)
    layer = AdvancedGraphFeatureLayer(
        embed_dim=embed_dim,
        num_heads=num_heads,
        hierarchical=hierarchical,
        num_groups=num_groups,
        dropout_rate=0.3,
        edge_bias=edge_bias,
        seed=1,
        dtype="float64",
    )
    layer.build((None, n_features))
    _randomize_weights(layer, rng)
    x = rng.normal(size=(9, n_features))
    _assert_matches_reference(layer, x)


@pytest.mark.parametrize("general", [False, True])
@pytest.mark.parametrize("n_features", [6, 7])
@pytest.mark.parametrize(
    "dropout_rate, bits, drop_steps", [(0.3, 8, 77), (0.01, 16, 655)]
)
def test_training_drops_edges_as_the_reference(
    general, n_features, dropout_rate, bits, drop_steps
):
    # step 5 with the layer's own draw: a fresh generator with the layer's seed
    # replays the mask of the layer's first training call
    from skgraphfeat._attention import keep_mask as _keep_mask
    from skgraphfeat.layers import _stream_seed

    rng = np.random.default_rng(n_features)
    layer = AdvancedGraphFeatureLayer(
        embed_dim=8, num_heads=2, dropout_rate=dropout_rate, seed=3,
        dtype="float64", missing_embeddings=general,
    )  # fmt: skip
    layer.build((None, n_features))
    _randomize_weights(layer, rng)
    x = rng.normal(size=(5, n_features))
    outputs = layer(x, training=True).numpy()
    replay = keras.random.SeedGenerator(_stream_seed(3, "dropout"))
    shape = (5, 2, n_features, n_features)
    keep = np.asarray(_keep_mask(shape, drop_steps, bits, replay, "float64"))
    # round(rate * 2**bits)
    assert (layer._mask_bits, layer._drop_steps) == (bits, drop_steps)
    multiplier = keep / (1 - drop_steps / 2**bits)
    expected, _ = reference_forward(layer, x, dropout_multiplier=multiplier)
    np.testing.assert_allclose(outputs, expected, rtol=1e-5, atol=1e-7)
    assert not np.allclose(outputs, layer(x, training=False).numpy())


@pytest.mark.parametrize("bits, drop_steps", [(8, 26), (16, 6554), (8, 255)])
def test_keep_mask_drops_at_the_rate_independently(bits, drop_steps):
    from skgraphfeat._attention import keep_mask as _keep_mask

    shape = (400, 4, 50, 51)
    keep = np.asarray(
        _keep_mask(shape, drop_steps, bits, keras.random.SeedGenerator(0), "float32")
    )
    assert keep.shape == shape
    assert set(np.unique(keep)) <= {0.0, 1.0}
    dropped = 1.0 - keep.astype("float64")
    rate = drop_steps / 2**bits
    # 4,080,000 draws: the standard error of the rate is at most 0.00025
    assert abs(dropped.mean() - rate) < 0.0015
    # edges decided by the slices of one 32-bit draw: neighbours in a row
    # (and the wrap from one row to the next, 51 being odd) are independent
    flat = dropped.reshape(400, 4, -1)
    for lag in (1, 2, 3, 4):
        first, second = flat[..., :-lag].ravel(), flat[..., lag:].ravel()
        assert abs(first.mean() - second.mean()) < 0.003
        assert abs(np.corrcoef(first, second)[0, 1]) < 0.005
    again = np.asarray(
        _keep_mask(shape, drop_steps, bits, keras.random.SeedGenerator(0), "float32")
    )
    np.testing.assert_array_equal(keep, again)


@pytest.mark.parametrize("general", [False, True])
@pytest.mark.parametrize("dropout_rate", [0.0, 0.2])
def test_hand_written_backward_matches_automatic_differentiation(general, dropout_rate):
    # Training and inference calls use a hand-written backward pass through
    # the softmax, the dropout and the aggregation; return_attention_scores
    # takes the plain path, differentiated by the backend. Twin layers with the
    # same weights and seed draw the same dropout mask.
    import tensorflow as tf

    rng = np.random.default_rng(11)
    twins = []
    for _ in range(2):
        layer = AdvancedGraphFeatureLayer(
            embed_dim=6, num_heads=3, dropout_rate=dropout_rate, seed=5,
            dtype="float64", hierarchical=True, num_groups=2, edge_bias=True,
            missing_embeddings=general,
        )  # fmt: skip
        layer.build((None, 7))
        twins.append(layer)
    _randomize_weights(twins[0], rng)
    for source, target in zip(twins[0].weights, twins[1].weights, strict=True):
        target.assign(source)
    x = tf.constant(rng.normal(size=(4, 7)))
    target = tf.constant(rng.normal(size=(4, 7)))
    gradients = []
    for layer, plain in zip(twins, (False, True), strict=True):
        with tf.GradientTape() as tape:
            tape.watch(x)
            if plain:
                outputs, _ = layer(x, training=True, return_attention_scores=True)
            else:
                outputs = layer(x, training=True)
            loss = tf.reduce_sum(tf.sin(outputs) * target)
        gradients.append(tape.gradient(loss, layer.trainable_variables + [x]))
    for hand_written, automatic in zip(*gradients, strict=True):
        assert hand_written is not None
        np.testing.assert_allclose(
            np.asarray(hand_written), np.asarray(automatic), rtol=1e-9, atol=1e-12
        )
    assert np.abs(np.asarray(gradients[0][-1])).max() > 0


def _train_step_results(layer, x, stacked_on=None, graph=False):
    """Outputs of a training call and the gradients of a loss with respect to
    every weight and the input (through ``stacked_on`` first, if given)."""

    def step(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            inner = x if stacked_on is None else stacked_on(x, training=True)
            outputs = layer(inner, training=True)
            loss = tf.reduce_sum(tf.sin(outputs))
        weights = layer.trainable_variables
        if stacked_on is not None:
            weights = stacked_on.trainable_variables + weights
        return [outputs] + tape.gradient(loss, weights + [x])

    if graph:  # traced with an unknown batch size, as in model.fit
        spec = tf.TensorSpec((None, x.shape[1]), x.dtype)
        step = tf.function(step, input_signature=[spec])
    return [np.asarray(value) for value in step(x)]


@pytest.mark.parametrize(
    "dropout_rate, edge_bias, stacked, graph, rows",
    [
        (0.0, False, False, False, 9),
        (0.2, False, True, False, 9),
        (0.01, True, False, False, 9),
        (0.2, True, True, True, 9),
        (0.2, True, False, True, 1),  # the kernels' first half-batch is empty
    ],
)
@pytest.mark.parametrize("general", [None, "float32", "float64"])
def test_compiled_attention_matches_the_op_by_op_path(
    monkeypatch, dropout_rate, edge_bias, stacked, graph, rows, general
):
    # Training steps of layers with many edges per sample run XLA-compiled
    # kernels with their own backward pass (TensorFlow backend), on the two
    # halves of the batch; twin layers with the same weights and seed draw the
    # same dropout mask, so the compiled and the op-by-op path must agree on
    # outputs and gradients.
    from skgraphfeat import layers

    if keras.backend.backend() != "tensorflow":
        pytest.skip("the compiled path exists on the TensorFlow backend only")
    rng = np.random.default_rng(13)
    # the numeric path is compiled in float32 only, the general one in both
    dtype = general or "float32"
    x = tf.constant(rng.normal(size=(rows, 6)), dtype)
    results = []
    for threshold in (0, np.inf):  # every layer compiled, then none
        monkeypatch.setattr(layers, "_COMPILED_MIN_EDGES", threshold)
        built = []
        for _ in range(2 if stacked else 1):
            layer = AdvancedGraphFeatureLayer(
                embed_dim=6, num_heads=3, dropout_rate=dropout_rate, seed=5,
                dtype=dtype, edge_bias=edge_bias,
                # general embeddings: the compiled general attention (periodic
                # ones, with these large random weights, only in float64:
                # their gradients are too sensitive to float32's rounding)
                numeric_embedding={
                    None: "shared", "float32": "linear", "float64": "periodic"
                }[general],
            )  # fmt: skip
            layer.build((None, 6))
            _randomize_weights(layer, np.random.default_rng(len(built)))
            built.append(layer)
        compiles = (
            built[0]._compiles_general_attention(True, False)
            if general
            else built[0]._compiles_attention(True, False)
        )
        assert compiles == (threshold == 0)
        stacked_on = built[1] if stacked else None
        results.append(_train_step_results(built[0], x, stacked_on, graph))
    for compiled, op_by_op in zip(*results, strict=True):
        scale = np.abs(op_by_op).max()
        assert scale > 0
        np.testing.assert_allclose(compiled, op_by_op, rtol=1e-4, atol=1e-5 * scale)


def test_compiled_attention_is_limited_to_large_training_steps(monkeypatch):
    from skgraphfeat import layers

    monkeypatch.setattr(layers, "_COMPILED_MIN_EDGES", 2**11)
    large = AdvancedGraphFeatureLayer(embed_dim=8, num_heads=4, seed=0)
    large.build((None, 23))  # 4 * 23**2 = 2116 edges per sample
    small = AdvancedGraphFeatureLayer(embed_dim=8, num_heads=4, seed=0)
    small.build((None, 22))  # 1936
    categorical = AdvancedGraphFeatureLayer(
        embed_dim=8, num_heads=4, categorical_cardinalities=[3] + [0] * 22
    )
    categorical.build((None, 23))
    on_tensorflow = keras.backend.backend() == "tensorflow"
    assert large._compiles_attention(True, False) == on_tensorflow
    assert not large._compiles_attention(False, False)  # inference
    assert not large._compiles_attention(True, True)  # adjacency requested
    assert not small._compiles_attention(True, False)
    assert not categorical._compiles_attention(True, False)
    # general embeddings: the differences' term, from 2**11 of them
    assert categorical._compiles_general_attention(True, False) == on_tensorflow
    assert not categorical._compiles_general_attention(False, False)
    few = AdvancedGraphFeatureLayer(embed_dim=8, num_heads=4, missing_embeddings=True)
    few.build((None, 11))  # 4 * 11**2 * 2 = 968 differences per sample
    assert not few._compiles_general_attention(True, False)
    for dtype in ("mixed_float16", "float64"):
        other = AdvancedGraphFeatureLayer(embed_dim=8, num_heads=4, dtype=dtype)
        other.build((None, 23))
        assert not other._compiles_attention(True, False)
        general = AdvancedGraphFeatureLayer(
            embed_dim=8, num_heads=4, dtype=dtype, missing_embeddings=True
        )
        general.build((None, 23))
        assert general._compiles_general_attention(True, False) == (
            on_tensorflow and dtype == "float64"
        )


@pytest.mark.parametrize(
    "cardinalities, missing_embeddings, hierarchical",
    [
        ((0, 3, 0, 2), True, False),
        ((4, 0, 1), False, True),
        (None, True, False),
        ((2, 5), True, True),
    ],
)
def test_categories_and_missing_values_match_numpy_reference(
    cardinalities, missing_embeddings, hierarchical
):
    rng = np.random.default_rng(len(cardinalities or ()) + 10)
    n_features = 3 if cardinalities is None else len(cardinalities)
    layer = AdvancedGraphFeatureLayer(
        embed_dim=8, num_heads=2, hierarchical=hierarchical, num_groups=2,
        edge_bias=True, categorical_cardinalities=cardinalities,
        missing_embeddings=missing_embeddings, seed=3, dtype="float64",
    )  # fmt: skip
    layer.build((None, n_features))
    _randomize_weights(layer, rng)
    x = rng.normal(size=(12, n_features))
    for f, n in enumerate(cardinalities or ()):
        if n:  # known codes, unknown codes (too large, negative, fractional)
            x[:, f] = rng.choice([*range(n), n, n + 3, -1, 0.5], size=12)
    x[rng.random(x.shape) < 0.2] = np.nan
    _assert_matches_reference(layer, x)


@pytest.mark.parametrize("numeric_embedding", ["linear", "periodic"])
@pytest.mark.parametrize("cardinalities", [None, (0, 3, 0, 0)])
def test_per_feature_numeric_embeddings_match_numpy_reference(
    numeric_embedding, cardinalities
):
    rng = np.random.default_rng(5)
    layer = AdvancedGraphFeatureLayer(
        embed_dim=8, num_heads=2, edge_bias=True, hierarchical=True, num_groups=2,
        numeric_embedding=numeric_embedding, frequency_scale=0.5,
        categorical_cardinalities=cardinalities, missing_embeddings=True,
        seed=3, dtype="float64",
    )  # fmt: skip
    layer.build((None, 4))
    _randomize_weights(layer, rng)
    x = rng.normal(size=(10, 4))
    if cardinalities:
        x[:, 1] = rng.choice([0, 1, 2, 5], size=10)
    x[rng.random(x.shape) < 0.2] = np.nan
    _assert_matches_reference(layer, x)


def test_per_feature_embeddings_give_the_scores_feature_identity():
    # the same value in two features: with the shared embedding their edges
    # from any feature score alike, with per-feature embeddings they differ
    x = np.full((1, 3), 0.7)
    for mode, alike in (("shared", True), ("linear", False), ("periodic", False)):
        layer = AdvancedGraphFeatureLayer(
            embed_dim=4, num_heads=1, numeric_embedding=mode, seed=0, dtype="float64"
        )
        adjacency = layer(x, return_attention_scores=True)[1].numpy()[0, 0]
        assert np.allclose(adjacency, 1 / 3) == alike, mode


def test_periodic_frequencies_start_at_their_scale():
    spreads = []
    for scale in (0.1, 3.0):
        layer = AdvancedGraphFeatureLayer(
            numeric_embedding="periodic", frequency_scale=scale, seed=0
        )
        layer.build((None, 64))
        assert layer.frequencies.shape == (64, 16)
        spreads.append(layer.frequencies.numpy().std())
    np.testing.assert_allclose(spreads, [0.1, 3.0], rtol=0.1)


def test_general_embeddings_compute_the_same_for_numbers():
    x = np.random.default_rng(0).normal(size=(7, 5))
    plain = AdvancedGraphFeatureLayer(embed_dim=8, num_heads=2, seed=0, dtype="float64")
    general = AdvancedGraphFeatureLayer(
        embed_dim=8, num_heads=2, seed=0, dtype="float64", missing_embeddings=True
    )
    outputs, adjacency = plain(x, return_attention_scores=True)
    general_outputs, general_adjacency = general(x, return_attention_scores=True)
    np.testing.assert_allclose(general_adjacency, adjacency, rtol=1e-12)
    np.testing.assert_allclose(general_outputs, outputs, rtol=1e-12)


def test_categorical_cardinalities_must_match_the_features():
    layer = AdvancedGraphFeatureLayer(categorical_cardinalities=[0, 2])
    with pytest.raises(ValueError, match="one entry per feature; got 2 entries for 3"):
        layer.build((None, 3))
    with pytest.raises(ValueError, match="categorical_cardinalities entries"):
        AdvancedGraphFeatureLayer(categorical_cardinalities=[0, -1])


def test_edge_bias_singles_out_feature_pairs():
    layer = AdvancedGraphFeatureLayer(embed_dim=4, num_heads=1, edge_bias=True, seed=0)
    layer.build((None, 4))
    assert tuple(layer.edge_bias_weights.shape) == (1, 4, 4)
    x = np.ones((2, 4), dtype="float32")  # all features alike: a uniform graph
    _, before = layer(x, return_attention_scores=True)
    np.testing.assert_allclose(before.numpy(), 0.25, rtol=1e-6)
    bias = np.zeros((1, 4, 4), dtype="float32")
    bias[0, 0, 2] = 3.0
    layer.edge_bias_weights.assign(bias)
    _, after = layer(x, return_attention_scores=True)
    assert after.numpy()[0, 0, 0].argmax() == 2
    assert AdvancedGraphFeatureLayer.from_config(layer.get_config()).edge_bias


def test_heads_have_their_own_scoring_vectors():
    layer = AdvancedGraphFeatureLayer(embed_dim=8, num_heads=4, seed=0)
    layer.build((None, 5))
    assert tuple(layer.attention_kernel.shape) == (4, 3 * 2)
    kernel = layer.attention_kernel.numpy()
    assert not np.allclose(kernel[0], kernel[1])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"embed_dim": 10, "num_heads": 4}, "embed_dim"),
        ({"num_heads": 0}, "num_heads"),
        ({"embed_dim": 0}, "embed_dim"),
        ({"dropout_rate": 1.0}, "dropout_rate"),
        ({"dropout_rate": -0.1}, "dropout_rate"),
        ({"hierarchical": True, "num_groups": 0}, "num_groups"),
        ({"numeric_embedding": "piecewise"}, "numeric_embedding"),
        ({"frequency_scale": 0.0}, "frequency_scale"),
        ({"frequency_scale": float("inf")}, "frequency_scale"),
        ({"frequency_scale": "1"}, "frequency_scale"),
    ],
)
def test_invalid_arguments_raise_value_error_naming_them(kwargs, match):
    with pytest.raises(ValueError, match=match):
        AdvancedGraphFeatureLayer(**kwargs)


def test_num_groups_is_free_when_not_hierarchical():
    layer = AdvancedGraphFeatureLayer(hierarchical=False, num_groups=0)
    assert layer(np.zeros((2, 3))).shape == (2, 3)
    assert not hasattr(layer, "group_logits")
    rebuilt = AdvancedGraphFeatureLayer.from_config(layer.get_config())
    assert rebuilt(np.zeros((2, 3))).shape == (2, 3)


@pytest.mark.parametrize(
    "shape, match",
    [((None, 3, 4), "2-D"), ((None,), "2-D"), ((None, None), "features")],
)
def test_bad_input_shapes_raise_at_build(shape, match):
    with pytest.raises(ValueError, match=match):
        AdvancedGraphFeatureLayer().build(shape)


@pytest.mark.parametrize("hierarchical", [False, True])
def test_every_weight_exists_after_build(hierarchical):
    layer = AdvancedGraphFeatureLayer(
        embed_dim=8, num_heads=2, hierarchical=hierarchical, num_groups=3, seed=0
    )
    layer.build((None, 5))
    names = {v.path.split("/", 1)[1] for v in layer.trainable_variables}
    expected = {
        "embedding_kernel",
        "embedding_bias",
        "attention_kernel",
        "layer_norm/gamma",
        "layer_norm/beta",
        "output_projection/kernel",
        "output_projection/bias",
    }
    if hierarchical:
        expected |= {"group_logits", "group_projection/kernel", "group_projection/bias"}
    assert names == expected
    n_before_call = layer.count_params()
    layer(np.zeros((2, 5), "float32"))
    assert layer.count_params() == n_before_call
    # E + E + H*3d + LN 2E + (F*E*F + F); hierarchical adds F*G + G*E*F*E + F*E
    expected_count = 8 + 8 + 2 * 12 + 16 + (5 * 8 * 5 + 5)
    if hierarchical:
        expected_count += 5 * 3 + (3 * 8 * 5 * 8 + 5 * 8)
    assert n_before_call == expected_count


def test_seed_controls_initial_weights():
    def weights(seed):
        layer = AdvancedGraphFeatureLayer(embed_dim=8, num_heads=2, seed=seed)
        layer.build((None, 4))
        return [v.numpy() for v in layer.trainable_variables]

    for a, b in zip(weights(3), weights(3), strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.allclose(weights(3)[0], weights(4)[0])
    assert not np.allclose(weights(None)[0], weights(None)[0])


@pytest.mark.parametrize("hierarchical", [False, True])
def test_adjacency_and_groups_are_read_out_without_state_on_the_layer(hierarchical):
    layer = AdvancedGraphFeatureLayer(
        embed_dim=8, num_heads=2, hierarchical=hierarchical, num_groups=2, seed=0
    )
    x = np.random.default_rng(0).normal(size=(4, 6)).astype("float32")
    layer(x)
    attributes_before = dict(vars(layer))
    outputs, adjacency = layer(x, return_attention_scores=True)
    assert dict(vars(layer)).keys() == attributes_before.keys()
    assert tuple(outputs.shape) == (4, 6)
    assert tuple(adjacency.shape) == (4, 2, 6, 6)
    np.testing.assert_allclose(adjacency.numpy().sum(axis=-1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(layer(x).numpy(), outputs.numpy(), rtol=1e-6)
    if hierarchical:
        membership = layer.group_membership().numpy()
        assert membership.shape == (6, 2)
        np.testing.assert_allclose(membership.sum(axis=1), 1.0, rtol=1e-6)
    else:
        with pytest.raises(ValueError, match="hierarchical"):
            layer.group_membership()


def test_adjacency_differs_between_samples():
    layer = AdvancedGraphFeatureLayer(embed_dim=8, num_heads=2, seed=0)
    x = np.random.default_rng(1).normal(size=(2, 5)).astype("float32")
    _, adjacency = layer(x, return_attention_scores=True)
    assert not np.allclose(adjacency[0].numpy(), adjacency[1].numpy())


@pytest.mark.parametrize("hierarchical", [False, True])
def test_rows_are_independent_of_their_batch(hierarchical):
    layer = AdvancedGraphFeatureLayer(
        embed_dim=8, num_heads=2, hierarchical=hierarchical, num_groups=2, seed=0
    )
    x = np.random.default_rng(2).normal(size=(50, 6))
    full = layer(x).numpy()
    for rows in (slice(0, 1), slice(3, 10), slice(49, 50)):
        np.testing.assert_allclose(
            layer(x[rows]).numpy(), full[rows], rtol=1e-5, atol=1e-6
        )


def test_unknown_batch_size_and_tf_function():
    layer = AdvancedGraphFeatureLayer(embed_dim=8, num_heads=2, seed=0)
    compiled = tf.function(
        lambda x: layer(x, training=False),
        input_signature=[tf.TensorSpec([None, 5], tf.float32)],
    )
    for batch in (1, 7, 33):
        x = np.random.default_rng(batch).normal(size=(batch, 5)).astype("float32")
        np.testing.assert_allclose(
            compiled(x).numpy(), layer(x).numpy(), rtol=1e-5, atol=1e-6
        )


@pytest.mark.parametrize(
    "policy, compute, variable",
    [
        ("float32", "float32", "float32"),
        ("float64", "float64", "float64"),
        ("mixed_float16", "float16", "float32"),
    ],
)
def test_dtype_policies(policy, compute, variable):
    inputs = keras.Input(shape=(6,))
    layer = AdvancedGraphFeatureLayer(
        embed_dim=8, num_heads=2, hierarchical=True, num_groups=2, seed=0, dtype=policy
    )
    outputs = keras.layers.Dense(1, dtype="float32")(layer(inputs))
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="mse")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 6)).astype("float32")
    history = model.fit(x, rng.normal(size=(64, 1)), epochs=2, batch_size=16, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    result, adjacency = layer(x, return_attention_scores=True)
    assert result.dtype == compute
    assert adjacency.dtype == compute
    assert {v.dtype for v in layer.trainable_variables} == {variable}
    assert np.isfinite(result.numpy().astype("float64")).all()


def _random_data(n_features, n_samples=64, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n_samples, n_features)).astype("float32"), rng


def _fit_and_check(model, x, targets, loss):
    before = [w.copy() for w in model.get_weights()]
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss=loss)
    history = model.fit(x, targets, epochs=2, batch_size=16, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    changed = [
        not np.array_equal(a, b)
        for a, b in zip(before, model.get_weights(), strict=True)
    ]
    assert all(changed[:-1])  # every weight moves (dropout seed state aside)


def test_documented_sequential_model_trains():
    x, rng = _random_data(8)
    model = keras.Sequential(
        [
            keras.Input(shape=(8,)),
            AdvancedGraphFeatureLayer(embed_dim=16, num_heads=4, seed=0),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    _fit_and_check(model, x, rng.integers(0, 2, size=(64, 1)), "binary_crossentropy")


def test_documented_functional_model_trains():
    x, rng = _random_data(8)
    inputs = keras.Input(shape=(8,))
    hidden = AdvancedGraphFeatureLayer(embed_dim=16, num_heads=4, seed=0)(inputs)
    hidden = keras.layers.Dense(32, activation="relu")(hidden)
    outputs = keras.layers.Dense(1)(hidden)
    _fit_and_check(keras.Model(inputs, outputs), x, rng.normal(size=(64, 1)), "mse")


def test_documented_stacked_hierarchical_model_trains():
    x, rng = _random_data(12)
    inputs = keras.Input(shape=(12,))
    hidden = AdvancedGraphFeatureLayer(
        embed_dim=16, num_heads=4, hierarchical=True, num_groups=4, seed=0
    )(inputs)
    hidden = AdvancedGraphFeatureLayer(
        embed_dim=16, num_heads=4, hierarchical=True, num_groups=3, seed=1
    )(hidden)
    outputs = keras.layers.Dense(3, activation="softmax")(hidden)
    model = keras.Model(inputs, outputs)
    _fit_and_check(
        model, x, rng.integers(0, 3, size=64), "sparse_categorical_crossentropy"
    )


def test_documented_two_output_model_trains():
    x, rng = _random_data(10)
    inputs = keras.Input(shape=(10,))
    shared = AdvancedGraphFeatureLayer(embed_dim=16, num_heads=4, seed=0)(inputs)
    label = keras.layers.Dense(1, activation="sigmoid", name="label")(shared)
    amount = keras.layers.Dense(1, name="amount")(shared)
    model = keras.Model(inputs, {"label": label, "amount": amount})
    targets = {
        "label": rng.integers(0, 2, size=(64, 1)),
        "amount": rng.normal(size=(64, 1)),
    }
    _fit_and_check(model, x, targets, {"label": "binary_crossentropy", "amount": "mse"})


def test_attention_scores_in_a_functional_model():
    inputs = keras.Input(shape=(5,))
    outputs, adjacency = AdvancedGraphFeatureLayer(embed_dim=8, num_heads=2, seed=0)(
        inputs, return_attention_scores=True
    )
    assert tuple(adjacency.shape) == (None, 2, 5, 5)
    model = keras.Model(inputs, [outputs, adjacency])
    x = np.random.default_rng(0).normal(size=(3, 5)).astype("float32")
    out, adj = model.predict(x, verbose=0)
    assert out.shape == (3, 5) and adj.shape == (3, 2, 5, 5)


def test_config_round_trip():
    layer = AdvancedGraphFeatureLayer(
        embed_dim=12, num_heads=3, hierarchical=True, num_groups=5, dropout_rate=0.2,
        seed=7, name="graph", categorical_cardinalities=[0, 4, 0],
        missing_embeddings=True, numeric_embedding="periodic", frequency_scale=0.3,
    )  # fmt: skip
    config = layer.get_config()
    clone = AdvancedGraphFeatureLayer.from_config(config)
    assert clone.get_config() == config
    for key, value in dict(
        embed_dim=12,
        num_heads=3,
        hierarchical=True,
        num_groups=5,
        dropout_rate=0.2,
        seed=7,
        categorical_cardinalities=[0, 4, 0],
        missing_embeddings=True,
        numeric_embedding="periodic",
        frequency_scale=0.3,
    ).items():
        assert config[key] == value
    assert layer.compute_output_shape((None, 9)) == (None, 9)


@pytest.mark.parametrize(
    "hierarchical, categorical, numeric_embedding",
    [(False, False, "shared"), (True, True, "shared"), (False, True, "periodic")],
)
def test_model_survives_keras_save_and_load(
    tmp_path, hierarchical, categorical, numeric_embedding
):
    cardinalities = [3, 0, 0, 0, 2, 0] if categorical else None
    inputs = keras.Input(shape=(6,))
    hidden = AdvancedGraphFeatureLayer(
        embed_dim=8, num_heads=2, hierarchical=hierarchical, num_groups=3, seed=0,
        categorical_cardinalities=cardinalities, missing_embeddings=categorical,
        numeric_embedding=numeric_embedding,
    )(inputs)  # fmt: skip
    model = keras.Model(inputs, keras.layers.Dense(2)(hidden))
    x = np.random.default_rng(0).normal(size=(16, 6)).astype("float32")
    if categorical:
        x[:, 0] = np.arange(16) % 4
        x[:, 4] = np.arange(16) % 3
        x[::5, 1] = np.nan
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, np.zeros((16, 2)), epochs=1, verbose=0)
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)  # safe_mode stays on
    np.testing.assert_array_equal(
        loaded.predict(x, verbose=0), model.predict(x, verbose=0)
    )


def test_layers_of_neighbouring_seeds_start_from_unrelated_weights():
    layers = []
    for seed in (0, 1):
        layer = AdvancedGraphFeatureLayer(
            embed_dim=8, num_heads=2, hierarchical=True, num_groups=2, seed=seed
        )
        layer.build((None, 5))
        layers.append({w.path.split("/")[-1]: w.numpy() for w in layer.weights})
    first, second = layers
    for name, value in second.items():
        for other, reference in first.items():
            if reference.shape == value.shape and value.std() > 0:
                assert not np.allclose(value, reference), (name, other)


@pytest.mark.parametrize(
    "dropped, edge_bias, training, graph, dtype",
    [
        (False, True, True, False, "float32"),
        (True, True, True, False, "float32"),
        (True, False, True, True, "float64"),  # traced, unknown batch size
        (False, False, False, False, "float64"),  # inference
    ],
)
def test_large_graphs_train_a_chunk_of_targets_at_a_time(
    monkeypatch, dropped, edge_bias, training, graph, dtype
):
    # the large-F path (recomputed chunks, hand-written gradient) against the
    # whole graph (op by op): same outputs, same gradients for every weight
    from skgraphfeat import _attention, layers

    monkeypatch.setattr(layers, "_COMPILED_MIN_EDGES", np.inf)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(5, 7)).astype(dtype)
    x[0, 2] = np.nan
    results = []
    for whole in (10**9, 0):  # whole graph; chunks of 2 targets
        monkeypatch.setattr(_attention, "WHOLE_GRAPH_VALUES", whole)
        monkeypatch.setattr(_attention, "CHUNK_VALUES", 2 * 2 * 7 * 4)
        layer = AdvancedGraphFeatureLayer(
            embed_dim=8, num_heads=2, edge_bias=edge_bias, dtype=dtype,
            numeric_embedding="linear", missing_embeddings=True,
            dropout_rate=0.3 if dropped else 0.0, seed=0,
        )  # fmt: skip
        layer.build((None, 7))
        _randomize_weights(layer, np.random.default_rng(1))

        def step(x, layer=layer):
            with tf.GradientTape() as tape:
                outputs = layer(x, training=training)
                loss = tf.reduce_sum(outputs * np.arange(7, dtype=dtype))
            return [outputs, *tape.gradient(loss, layer.trainable_variables)]

        if graph:
            spec = tf.TensorSpec((None, 7), dtype)
            step = tf.function(step, input_signature=[spec])
        results.append(step(tf.constant(x)))
    for whole, chunked in zip(*results, strict=True):
        np.testing.assert_allclose(chunked.numpy(), whole.numpy(), rtol=2e-4, atol=2e-5)


def test_the_chunked_path_is_only_for_large_graphs_without_adjacency():
    from skgraphfeat import _attention

    assert _attention.target_chunk(4, 256, 4) is None  # 2**20 differences
    assert _attention.target_chunk(4, 257, 4) == 2**18 // (4 * 257 * 4)
    layer = AdvancedGraphFeatureLayer(
        embed_dim=8, num_heads=2, numeric_embedding="linear", seed=0
    )
    # 2 * 400**2 * 4 differences per sample: chunked unless the adjacency
    # is asked for
    x = np.random.default_rng(0).normal(size=(2, 400)).astype("float32")
    outputs, adjacency = layer(x, return_attention_scores=True)  # whole graph
    np.testing.assert_allclose(layer(x).numpy(), outputs.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(adjacency.numpy().sum(-1), 1.0, rtol=1e-5)
