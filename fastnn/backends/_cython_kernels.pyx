# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Compiled kernels of the Cython back end: a whole training epoch in one call, without the GIL.

Twin of :mod:`fastnn.backends.numba_cpu` (same workspace plan, same loops, same maths; the
formulas are in :mod:`fastnn.backends.numpy_ref`).  Every kernel is written once over Cython's
fused type ``floating`` and compiled for float32 and float64.  Matrices are C-contiguous and are
handled as raw pointers with their row length; every product goes to ``sgemm``/``dgemm`` (from
:mod:`scipy.linalg.cython_blas`).  BLAS is column-major, so a row-major ``C = A @ B`` is computed
as the column-major ``C^T = B^T A^T``: pass ``B`` first.

The ``def`` entry points at the bottom take the :class:`fastnn._spec.NetSpec` arrays one by one
(``NetSpec.arrays()``) and release the GIL for the whole computation.
"""
from cython cimport floating
from libc.math cimport (erf, erff, exp, expf, expm1, expm1f, fabs, isfinite, log, log1p, log1pf,
                        pow, sqrt, sqrtf, tanh, tanhf)
from libc.stdint cimport int64_t, uint64_t
from libc.stdlib cimport free, malloc
from libc.string cimport memcpy, memset
from scipy.linalg.cython_blas cimport dgemm, sgemm

# Bumped whenever an entry point's signature changes, so a stale build reports itself (cython_cpu).
ABI = 6

# Codes of fastnn._spec (kept equal by tests/test_cython.py).
cdef enum:
    IDENTITY, SIGMOID, TANH, RELU, LEAKY_RELU, ELU, PRELU, GELU, GELU_TANH, SILU, SOFTPLUS
cdef enum:
    MSE, BCE, SOFTMAX_CE, HINGE
cdef enum:
    SGD, ADAGRAD, RMSPROP, ADAM
cdef enum:
    OPT_CODE, OPT_LR, OPT_MOMENTUM, OPT_NESTEROV, OPT_BETA1, OPT_BETA2, OPT_EPS, OPT_ALPHA, \
        OPT_WEIGHT_DECAY, OPT_LR_DECAY
# Columns of the per-layer workspace plan: the layer input (after dropout), its dropout scale
# mask, Z and A.  Identity layers share A with Z; layers without dropout read the previous A.
cdef enum:
    P_IN, P_MASK, P_Z, P_A, P_COLS

EXPECTED_CODES = {"activations": (IDENTITY, SIGMOID, TANH, RELU, LEAKY_RELU, ELU, PRELU, GELU,
                                  GELU_TANH, SILU, SOFTPLUS),
                  "losses": (MSE, BCE, SOFTMAX_CE, HINGE),
                  "optimizers": (SGD, ADAGRAD, RMSPROP, ADAM)}


cdef struct Net:
    # The spec (borrowed pointers into the NetSpec arrays); the inputs as sparse rows (``x_ptr``
    # NULL when they come dense), which the first layer visits non-zero by non-zero when
    # ``by_rows`` (else, under input dropout, each batch is scattered into a dense block); the
    # sample weights (NULL: none) and whether the penalty is divided by each batch's weight sum.
    Py_ssize_t n_layers
    const int64_t* sizes
    const int64_t* act
    const double* act_alpha
    const int64_t* w_off
    const int64_t* b_off
    const int64_t* p_off
    const double* l1
    const double* l2
    const double* drop
    const double* train_bias
    int loss
    const int64_t* x_ptr
    const int64_t* x_idx
    const void* x_val
    bint by_rows
    const double* weights
    bint per_weight


cdef struct Plan:
    # Offsets into the flat workspace: ``layer[l * P_COLS + col]`` per layer, then the gathered
    # targets, two gradient ping-pong buffers of ``d_len`` values each, and the total length.
    Py_ssize_t* layer
    Py_ssize_t y_off
    Py_ssize_t d_off
    Py_ssize_t d_len
    Py_ssize_t length


# --- dropout hash: the same splitmix64 counter hash as numpy_ref.dropout_uniform -----------------

cdef inline uint64_t _mix(uint64_t x) noexcept nogil:
    x = x + 0x9E3779B97F4A7C15ULL
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL
    return x ^ (x >> 31)


# --- workspace ------------------------------------------------------------------------------------

cdef void _plan(const Net* net, Py_ssize_t rows, bint training, bint sparse_input,
               Plan* plan) noexcept nogil:
    """Fill ``plan``, whose ``layer`` array must hold ``n_layers * P_COLS`` offsets; a
    ``sparse_input`` is not staged (the first layer's input is empty unless dropout needs it)."""
    cdef Py_ssize_t layer, fan_in, fan_out, offset = 0, widest = 0
    cdef Py_ssize_t* row
    for layer in range(net.n_layers):
        row = plan.layer + layer * P_COLS
        fan_in, fan_out = net.sizes[layer], net.sizes[layer + 1]
        widest = max(widest, fan_out)   # gradients of layer outputs (and so of inputs 1..), not of X
        row[P_MASK] = -1
        if layer == 0 or (training and net.drop[layer] > 0):
            row[P_IN] = offset
            if (training and net.drop[layer] > 0) or not (layer == 0 and sparse_input):
                offset += rows * fan_in
        else:
            row[P_IN] = plan.layer[(layer - 1) * P_COLS + P_A]
        if training and net.drop[layer] > 0:
            row[P_MASK] = offset
            offset += rows * fan_in
        row[P_Z] = offset
        offset += rows * fan_out
        if net.act[layer] == IDENTITY:
            row[P_A] = row[P_Z]
        else:
            row[P_A] = offset
            offset += rows * fan_out
    plan.y_off = offset
    offset += rows * net.sizes[net.n_layers]
    plan.d_off = offset
    plan.d_len = rows * widest
    plan.length = offset + 2 * plan.d_len


# --- matrix products: BLAS for every size -----------------------------------------------------------
# OpenBLAS's small-matrix kernels beat compiled loops at every shape measured, down to 10x2x8
# (benchmarks/small_products.py), so there is no loop path.

cdef inline void _gemm(char* ta, char* tb, int m, int n, int k, floating* A, int lda,
                       floating* B, int ldb, floating beta, floating* C, int ldc) noexcept nogil:
    """Column-major ``C (m, n) = op(A) @ op(B) + beta * C`` with BLAS."""
    cdef floating one = 1
    if floating is float:
        sgemm(ta, tb, &m, &n, &k, &one, A, &lda, B, &ldb, &beta, C, &ldc)
    else:
        dgemm(ta, tb, &m, &n, &k, &one, A, &lda, B, &ldb, &beta, C, &ldc)


cdef inline void _mm_bias(floating* A, floating* B, floating* C, Py_ssize_t m, Py_ssize_t k,
                          Py_ssize_t n) noexcept nogil:
    """``C (m, n) += A (m, k) @ B (k, n)`` (C holds the bias rows)."""
    _gemm(b"N", b"N", <int>n, <int>m, <int>k, B, <int>n, A, <int>k, 1, C, <int>n)


cdef inline void _mm_tn(floating* A, floating* B, floating* C, Py_ssize_t m, Py_ssize_t k,
                        Py_ssize_t n) noexcept nogil:
    """``C (k, n) = A (m, k).T @ B (m, n)``."""
    _gemm(b"N", b"T", <int>n, <int>k, <int>m, B, <int>n, A, <int>k, 0, C, <int>n)


cdef inline void _mm_nt(floating* A, floating* B, floating* C, Py_ssize_t m, Py_ssize_t n,
                        Py_ssize_t k) noexcept nogil:
    """``C (m, k) = A (m, n) @ B (k, n).T``."""
    _gemm(b"T", b"N", <int>k, <int>m, <int>n, B, <int>n, A, <int>n, 0, C, <int>k)


# --- activations: forward and derivative side by side ---------------------------------------------
# One tight loop per activation (the branch is taken once per layer, so the loops vectorise).

cdef inline floating _exp(floating x) noexcept nogil:
    return expf(x) if floating is float else exp(x)


cdef inline floating _sqrt(floating x) noexcept nogil:
    return sqrtf(x) if floating is float else sqrt(x)


cdef inline floating _tanh(floating x) noexcept nogil:
    return tanhf(x) if floating is float else tanh(x)


cdef inline float _tanh32(float z) noexcept nogil:
    """tanh as the Numba twin computes it in float32: Eigen's clamped rational minimax fit (max
    error 3.5e-7), which gcc vectorises where libm's tanhf is a call per element."""
    cdef float x = min(max(z, -7.90531110763549805), 7.90531110763549805)
    cdef float x2 = x * x
    cdef float p = -2.76076847742355e-16
    p = p * x2 + 2.00018790482477e-13
    p = p * x2 + -8.60467152213735e-11
    p = p * x2 + 5.12229709037114e-08
    p = p * x2 + 1.48572235717979e-05
    p = p * x2 + 6.37261928875436e-04
    p = p * x2 + 4.89352455891786e-03
    cdef float q = 1.19825839466702e-06
    q = q * x2 + 1.18534705686654e-04
    q = q * x2 + 2.26843463243900e-03
    q = q * x2 + 4.89352518554385e-03
    return x * p / q


cdef inline floating _erf(floating x) noexcept nogil:
    return erff(x) if floating is float else erf(x)


cdef inline floating _log1p(floating x) noexcept nogil:
    return log1pf(x) if floating is float else log1p(x)


cdef inline floating _sigmoid(floating z) noexcept nogil:
    """The logistic function; exp(-|z|) never overflows."""
    cdef floating e = _exp(-z if z > 0 else z)
    return 1 / (1 + e) if z >= 0 else e / (1 + e)


# GELU's constants: 1/sqrt(2), 1/sqrt(2 pi), and the tanh form's sqrt(2/pi) and cubic coefficient.
DEF SQRT_HALF = 0.7071067811865476
DEF INV_SQRT_2PI = 0.3989422804014327
DEF GELU_C = 0.7978845608028654
DEF GELU_K = 0.044715


cdef void _activate(int code, floating alpha, const floating* prelu, const floating* Z, floating* A,
                    Py_ssize_t rows, Py_ssize_t cols) noexcept nogil:
    """``A = f(Z)`` over a (rows, cols) block (identity layers never get here: A is Z)."""
    cdef Py_ssize_t i, j, size = rows * cols
    cdef floating e, z
    if code == RELU:
        for i in range(size):
            A[i] = Z[i] if Z[i] > 0 else 0
    elif code == TANH:
        for i in range(size):
            A[i] = _tanh32(Z[i]) if floating is float else tanh(Z[i])
    elif code == SIGMOID:
        for i in range(size):
            e = _exp(-Z[i] if Z[i] > 0 else Z[i])   # exp(-|z|) never overflows
            A[i] = 1 / (1 + e) if Z[i] >= 0 else e / (1 + e)
    elif code == LEAKY_RELU:
        for i in range(size):
            A[i] = Z[i] if Z[i] > 0 else alpha * Z[i]
    elif code == ELU:
        for i in range(size):
            z = Z[i]
            if z <= 0:
                z = alpha * (expm1f(z) if floating is float else expm1(z))
            A[i] = z
    elif code == GELU:
        for i in range(size):
            A[i] = 0.5 * Z[i] * (1 + _erf(Z[i] * SQRT_HALF))
    elif code == GELU_TANH:
        for i in range(size):
            z = Z[i]
            A[i] = 0.5 * z * (1 + _tanh(GELU_C * (z + GELU_K * z * z * z)))
    elif code == SILU:
        for i in range(size):
            A[i] = Z[i] * _sigmoid(Z[i])
    elif code == SOFTPLUS:
        for i in range(size):
            z = Z[i]
            A[i] = (z if z > 0 else 0) + _log1p(_exp(-fabs(z)))
    else:  # PReLU: one slope per column
        for i in range(rows):
            for j in range(cols):
                z = Z[i * cols + j]
                A[i * cols + j] = z if z > 0 else prelu[j] * z


cdef void _activation_backward(int code, floating alpha, const floating* prelu, floating* g_prelu,
                               const floating* Z, const floating* A, floating* D,
                               Py_ssize_t rows, Py_ssize_t cols) noexcept nogil:
    """Turn dA (in ``D``) into dZ in place; PReLU slope gradients go into ``g_prelu``."""
    cdef Py_ssize_t i, j, size = rows * cols
    cdef floating z, t
    if code == RELU:
        for i in range(size):
            D[i] = D[i] if Z[i] > 0 else 0
    elif code == TANH:
        for i in range(size):
            D[i] *= 1 - A[i] * A[i]
    elif code == SIGMOID:
        for i in range(size):
            D[i] *= A[i] * (1 - A[i])
    elif code == LEAKY_RELU:
        for i in range(size):
            D[i] = D[i] if Z[i] > 0 else alpha * D[i]
    elif code == ELU:
        for i in range(size):
            D[i] = D[i] if Z[i] > 0 else (A[i] + alpha) * D[i]
    elif code == GELU:                  # Phi(z) + z phi(z)
        for i in range(size):
            z = Z[i]
            D[i] *= 0.5 * (1 + _erf(z * SQRT_HALF)) + z * INV_SQRT_2PI * _exp(-0.5 * z * z)
    elif code == GELU_TANH:
        for i in range(size):
            z = Z[i]
            t = _tanh(GELU_C * (z + GELU_K * z * z * z))
            D[i] *= 0.5 * (1 + t) + 0.5 * z * (1 - t * t) * GELU_C * (1 + 3 * GELU_K * z * z)
    elif code == SILU:                  # s (1 + z (1 - s)), s = sigmoid(z)
        for i in range(size):
            t = _sigmoid(Z[i])
            D[i] *= t * (1 + Z[i] * (1 - t))
    elif code == SOFTPLUS:
        for i in range(size):
            D[i] *= _sigmoid(Z[i])
    else:  # PReLU: dL/da_j = sum over rows of dA * z where z <= 0
        memset(g_prelu, 0, cols * sizeof(floating))
        for i in range(rows):
            for j in range(cols):
                if Z[i * cols + j] <= 0:
                    g_prelu[j] += D[i * cols + j] * Z[i * cols + j]
                    D[i * cols + j] *= prelu[j]


# --- losses ---------------------------------------------------------------------------------------

cdef double _softmax_row(const floating* z, const floating* y, floating* d, Py_ssize_t cols,
                         double scale, double* correct) noexcept nogil:
    """Softmax cross-entropy of one row: returns its loss, writes ``scale * dL/dz`` into ``d``."""
    cdef Py_ssize_t j, best = 0, ybest = 0
    cdef double m = z[0], s = 0, ysum = 0, yz = 0, lse
    for j in range(1, cols):
        if z[j] > m:
            m = z[j]
            best = j
        if y[j] > y[ybest]:
            ybest = j
    for j in range(cols):
        s += exp(z[j] - m)                     # the row max is subtracted: exp never overflows
        ysum += y[j]
        yz += y[j] * <double>z[j]
    lse = m + log(s)
    for j in range(cols):
        d[j] = <floating>(scale * (exp(z[j] - lse) * ysum - y[j]))
    if best == ybest:
        correct[0] += 1
    return lse * ysum - yz


cdef double _loss(int code, const floating* A, const floating* Y, floating* D, Py_ssize_t rows,
                  Py_ssize_t cols, double scale, double* correct, const double* weights,
                  const int64_t* ids) noexcept nogil:
    """Sum of per-sample losses (each times its weight ``weights[ids[i]]`` when ``weights`` is
    given; ``ids`` NULL means rows 0..rows-1); ``D = scale * weight * dL/dA``; adds the number
    correct to ``correct``."""
    cdef Py_ssize_t i, j, k
    cdef double total = 0, hits, z, y, e, margin, wi = 1, rs = scale
    for i in range(rows):
        if weights != NULL:
            wi = weights[ids[i] if ids != NULL else i]
            rs = scale * wi
        if code == SOFTMAX_CE:
            total += wi * _softmax_row(A + i * cols, Y + i * cols, D + i * cols, cols, rs, correct)
            continue
        hits = 0
        for j in range(cols):
            k = i * cols + j
            z = A[k]
            y = Y[k]
            if code == MSE:
                total += wi * (0.5 * (z - y) * (z - y))
                D[k] = <floating>(rs * (z - y))
            elif code == BCE:
                e = exp(-fabs(z))
                total += wi * (max(z, 0.0) - z * y + log1p(e))
                D[k] = <floating>(rs * ((1 / (1 + e) if z >= 0 else e / (1 + e)) - y))
                hits += (z > 0) == (y > 0.5)
            else:  # hinge
                margin = 1 - y * z
                total += wi * margin if margin > 0 else 0
                D[k] = <floating>(-rs * y) if margin > 0 else 0
                hits += (z > 0) == (y > 0)
        correct[0] += hits / cols
    return total


cdef double _weight_sum(const Net* net, const int64_t* ids, Py_ssize_t rows) noexcept nogil:
    """The batch's weight sum (its row count without weights)."""
    cdef Py_ssize_t i
    cdef double total = 0
    if net.weights == NULL:
        return rows
    for i in range(rows):
        total += net.weights[ids[i] if ids != NULL else i]
    return total


cdef void _scatter_rows(const Net* net, const int64_t* ids, Py_ssize_t rows, floating* Xb,
                        Py_ssize_t n_in) noexcept nogil:
    """The sparse rows ``ids`` as a dense (rows, n_in) block (for dropout on the input)."""
    cdef Py_ssize_t i, q
    cdef const floating* values = <const floating*>net.x_val
    memset(Xb, 0, rows * n_in * sizeof(floating))
    for i in range(rows):
        for q in range(net.x_ptr[ids[i]], net.x_ptr[ids[i] + 1]):
            Xb[i * n_in + net.x_idx[q]] = values[q]


# --- forward and backward through the whole network on the rows staged in the workspace -----------

cdef void _dropout(Py_ssize_t layer, double rate, uint64_t seed, int64_t t, const int64_t* ids,
                   const floating* source, floating* mask, floating* out,
                   Py_ssize_t rows, Py_ssize_t cols) noexcept nogil:
    """Inverted dropout of ``source`` into ``out``, keeping the scale mask for backward."""
    cdef Py_ssize_t i, j
    cdef double keep = 1.0 - rate
    cdef uint64_t batch_key = _mix(seed ^ _mix(<uint64_t>t)), row_key, u
    for i in range(rows):
        row_key = _mix(batch_key ^ <uint64_t>ids[i])
        for j in range(cols):
            u = _mix(row_key ^ ((<uint64_t>layer << 32) | <uint64_t>j))
            mask[i * cols + j] = <floating>(1.0 / keep) if (u >> 11) * 2.0 ** -53 < keep else 0
            out[i * cols + j] = source[i * cols + j] * mask[i * cols + j]


cdef inline floating* _slopes(const Net* net, floating* buf, Py_ssize_t layer) noexcept nogil:
    """The PReLU slopes of ``layer`` inside the flat buffer ``buf``, or NULL when it has none."""
    return buf + net.p_off[layer] if net.p_off[layer] >= 0 else NULL


cdef void _sparse_rows_times(const Net* net, const int64_t* ids, Py_ssize_t rows,
                             const floating* W, floating* Z, Py_ssize_t m) noexcept nogil:
    """``Z (rows, m) += X[ids] @ W``: for each non-zero (p, x) of a row, x times row p of W."""
    cdef Py_ssize_t i, j, q
    cdef floating x
    cdef const floating* w
    cdef const floating* values = <const floating*>net.x_val
    for i in range(rows):
        for q in range(net.x_ptr[ids[i]], net.x_ptr[ids[i] + 1]):
            x, w = values[q], W + net.x_idx[q] * m
            for j in range(m):
                Z[i * m + j] += x * w[j]


cdef void _sparse_rows_transposed_times(const Net* net, const int64_t* ids, Py_ssize_t rows,
                                        const floating* D, floating* G, Py_ssize_t k,
                                        Py_ssize_t m) noexcept nogil:
    """``G (k, m) = X[ids].T @ D``: for each non-zero (p, x) of row i, x times row i of D into
    row p of G."""
    cdef Py_ssize_t i, j, q
    cdef floating x
    cdef floating* g
    cdef const floating* values = <const floating*>net.x_val
    memset(G, 0, k * m * sizeof(floating))
    for i in range(rows):
        for q in range(net.x_ptr[ids[i]], net.x_ptr[ids[i] + 1]):
            x, g = values[q], G + net.x_idx[q] * m
            for j in range(m):
                g[j] += x * D[i * m + j]


cdef void _forward(const Net* net, const Plan* plan, floating* params, floating* work,
                   Py_ssize_t rows, bint training, uint64_t seed, int64_t t,
                   const int64_t* ids) noexcept nogil:
    """Forward pass of the ``rows`` staged inputs; dropout (training) uses sample ids ``ids``."""
    cdef Py_ssize_t layer, i, j, fan_in, fan_out
    cdef const Py_ssize_t* row
    cdef floating* Z
    cdef floating* b
    for layer in range(net.n_layers):
        row = plan.layer + layer * P_COLS
        fan_in, fan_out = net.sizes[layer], net.sizes[layer + 1]
        if training and net.drop[layer] > 0:
            _dropout(layer, net.drop[layer], seed, t, ids,
                     work + (row[P_IN] if layer == 0 else plan.layer[(layer - 1) * P_COLS + P_A]),
                     work + row[P_MASK], work + row[P_IN], rows, fan_in)
        Z = work + row[P_Z]
        b = params + net.b_off[layer]
        for i in range(rows):
            for j in range(fan_out):
                Z[i * fan_out + j] = b[j]
        if layer == 0 and net.by_rows:
            _sparse_rows_times(net, ids, rows, params + net.w_off[0], Z, fan_out)
        else:
            _mm_bias(work + row[P_IN], params + net.w_off[layer], Z, rows, fan_in, fan_out)
        if net.act[layer] != IDENTITY:
            _activate(net.act[layer], net.act_alpha[layer], _slopes(net, params, layer), Z,
                      work + row[P_A], rows, fan_out)


cdef double _penalty(const floating* W, floating* gW, Py_ssize_t size, double l1,
                     double l2) noexcept nogil:
    """Add the L1/L2 gradient of the weights ``W`` into ``gW``; return the penalty value."""
    cdef Py_ssize_t i
    cdef double w, value = 0
    for i in range(size):
        w = W[i]
        value += l1 * fabs(w) + l2 * w * w
        gW[i] += <floating>(l1 * ((w > 0) - (w < 0)) + 2 * l2 * w)
    return value


cdef double _penalty_value(const Net* net, const floating* params) noexcept nogil:
    """The L1/L2 penalty of every layer's weights (no gradient, not divided by any weights)."""
    cdef Py_ssize_t layer, i, size
    cdef double w, value = 0
    cdef const floating* W
    for layer in range(net.n_layers):
        if net.l1[layer] == 0 and net.l2[layer] == 0:
            continue
        W = params + net.w_off[layer]
        size = net.sizes[layer] * net.sizes[layer + 1]
        for i in range(size):
            w = W[i]
            value += net.l1[layer] * fabs(w) + net.l2[layer] * w * w
    return value


cdef double _backward(const Net* net, const Plan* plan, floating* params, floating* grad,
                      floating* work, Py_ssize_t rows, bint training, const int64_t* ids,
                      double* correct) noexcept nogil:
    """Loss of the staged batch (mean, plus penalty) and its gradient into ``grad``; the batch's
    rows are ``ids`` (NULL: rows 0..rows-1), for the sparse rows and the weights."""
    cdef Py_ssize_t layer, i, j, fan_in, fan_out, ping = 0, n_out = net.sizes[net.n_layers]
    cdef const Py_ssize_t* row = plan.layer + (net.n_layers - 1) * P_COLS
    cdef floating* D = work + plan.d_off
    cdef floating* D_prev
    cdef floating* gb
    cdef floating* mask
    cdef double w_sum = _weight_sum(net, ids, rows)
    cdef double scale = (1.0 / w_sum if w_sum > 0 else 0.0) if net.weights != NULL else 1.0 / rows
    cdef double penalty_scale = scale if net.per_weight else 1.0
    cdef double value = _loss(net.loss, work + row[P_A], work + plan.y_off, D, rows, n_out,
                              scale, correct, net.weights, ids)
    value = value / rows if net.weights == NULL else value * scale
    for layer in range(net.n_layers - 1, -1, -1):
        row = plan.layer + layer * P_COLS
        fan_in, fan_out = net.sizes[layer], net.sizes[layer + 1]
        D = work + plan.d_off + ping * plan.d_len
        if net.act[layer] != IDENTITY:
            _activation_backward(net.act[layer], net.act_alpha[layer], _slopes(net, params, layer),
                                 _slopes(net, grad, layer), work + row[P_Z], work + row[P_A], D,
                                 rows, fan_out)
        if layer == 0 and net.by_rows:
            _sparse_rows_transposed_times(net, ids, rows, D, grad + net.w_off[0], fan_in, fan_out)
        else:
            _mm_tn(work + row[P_IN], D, grad + net.w_off[layer], rows, fan_in, fan_out)
        gb = grad + net.b_off[layer]
        memset(gb, 0, fan_out * sizeof(floating))
        if net.train_bias[layer] != 0:          # else the bias is not trained: gradient 0
            for i in range(rows):
                for j in range(fan_out):
                    gb[j] += D[i * fan_out + j]
        if net.l1[layer] != 0 or net.l2[layer] != 0:
            value += _penalty(params + net.w_off[layer], grad + net.w_off[layer],
                              fan_in * fan_out, net.l1[layer] * penalty_scale,
                              net.l2[layer] * penalty_scale)
        if layer > 0:
            ping = 1 - ping
            D_prev = work + plan.d_off + ping * plan.d_len
            _mm_nt(D, params + net.w_off[layer], D_prev, rows, fan_out, fan_in)
            if training and net.drop[layer] > 0:
                mask = work + row[P_MASK]
                for i in range(rows * fan_in):
                    D_prev[i] *= mask[i]
    return value


# --- optimizer: one loop over the flat parameter buffer (PyTorch's update rules) ------------------
# Arithmetic in the parameter dtype, like the reference; branches hoisted out of the loops.

cdef void _update(const double* opt, floating* params, floating* grad, floating* m, floating* v,
                  Py_ssize_t size, int64_t t) noexcept nogil:
    """One optimizer step ``t`` (1-based); ``grad`` is scratch (weight decay is added into it)."""
    cdef Py_ssize_t i
    cdef int code = <int>opt[OPT_CODE]
    cdef floating lr = opt[OPT_LR], wd = opt[OPT_WEIGHT_DECAY], eps = opt[OPT_EPS]
    cdef floating mu = opt[OPT_MOMENTUM], b1 = opt[OPT_BETA1], b2 = opt[OPT_BETA2]
    cdef floating alpha = opt[OPT_ALPHA]
    cdef bint nesterov = opt[OPT_NESTEROV] != 0
    cdef floating clr = opt[OPT_LR] / (1 + (t - 1) * opt[OPT_LR_DECAY])
    cdef floating step_size = opt[OPT_LR] / (1 - pow(opt[OPT_BETA1], <double>t))
    cdef floating sqrt_bc2 = sqrt(1 - pow(opt[OPT_BETA2], <double>t))
    if wd != 0:
        for i in range(size):
            grad[i] += wd * params[i]
    if code == SGD and mu == 0:
        for i in range(size):
            params[i] -= lr * grad[i]
    elif code == SGD:
        for i in range(size):
            m[i] = mu * m[i] + grad[i]
            params[i] -= lr * (grad[i] + mu * m[i] if nesterov else m[i])
    elif code == ADAGRAD:
        for i in range(size):
            m[i] += grad[i] * grad[i]
            params[i] -= clr * grad[i] / (_sqrt(m[i]) + eps)
    elif code == RMSPROP:
        for i in range(size):
            m[i] = alpha * m[i] + (1 - alpha) * grad[i] * grad[i]
            if mu == 0:
                params[i] -= lr * grad[i] / (_sqrt(m[i]) + eps)
            else:
                v[i] = mu * v[i] + grad[i] / (_sqrt(m[i]) + eps)
                params[i] -= lr * v[i]
    else:  # Adam
        for i in range(size):
            m[i] = b1 * m[i] + (1 - b1) * grad[i]
            v[i] = b2 * v[i] + (1 - b2) * grad[i] * grad[i]
            params[i] -= step_size * m[i] / (_sqrt(v[i]) / sqrt_bc2 + eps)


# --- entry points ---------------------------------------------------------------------------------
# Every entry point takes the spec as ``NetSpec.arrays()`` followed by ``train_bias`` and
# ``penalty_per_weight``; the inputs as dense ``X`` or as sparse rows ``(x_ptr, x_idx, x_val)``
# (then ``X`` has no rows); ``weights`` are the sample weights (empty: none); ``order`` lists the
# rows to use (their ids for the sparse rows and the weights).

cdef Net _net(const int64_t[::1] sizes, const int64_t[::1] act, const double[::1] act_alpha,
              const int64_t[::1] w_off, const int64_t[::1] b_off, const int64_t[::1] p_off,
              const double[::1] l1, const double[::1] l2, const double[::1] drop, int loss,
              const double[::1] train_bias, bint per_weight):
    """The spec's arrays as a :c:type:`Net` of borrowed pointers (the arrays outlive the call),
    with dense inputs and no weights (see :func:`_inputs`)."""
    cdef Net net
    net.n_layers = act.shape[0]
    net.sizes, net.act, net.act_alpha = &sizes[0], &act[0], &act_alpha[0]
    net.w_off, net.b_off, net.p_off = &w_off[0], &b_off[0], &p_off[0]
    net.l1, net.l2, net.drop = &l1[0], &l2[0], &drop[0]
    net.train_bias = &train_bias[0]
    net.loss = loss
    net.per_weight = per_weight
    net.x_ptr = net.x_idx = NULL
    net.x_val = NULL
    net.by_rows = False
    net.weights = NULL
    return net


cdef void _inputs(Net* net, const int64_t[::1] x_ptr, const int64_t[::1] x_idx,
                  const floating[::1] x_val, bint training):
    """Attach the sparse rows to ``net`` when they are given."""
    if x_ptr.shape[0] > 0:
        net.x_ptr = &x_ptr[0]
        if x_idx.shape[0] > 0:          # an all-zero X has no non-zeros to point at
            net.x_idx, net.x_val = &x_idx[0], &x_val[0]
        net.by_rows = not (training and net.drop[0] > 0)


cdef void _weigh(Net* net, const double[::1] weights):
    """Attach the sample weights to ``net`` when they are given."""
    if weights.shape[0] > 0:
        net.weights = &weights[0]


cdef Plan _new_plan(const Net* net, Py_ssize_t rows, bint training) except *:
    """A workspace plan for ``rows`` rows; the caller frees ``plan.layer``."""
    cdef Plan plan
    plan.layer = <Py_ssize_t*>malloc(net.n_layers * P_COLS * sizeof(Py_ssize_t))
    if plan.layer == NULL:
        raise MemoryError()
    _plan(net, rows, training, net.x_ptr != NULL, &plan)
    return plan


cdef void _stage(const Net* net, const Plan* plan, const floating[:, ::1] X,
                 const floating[:, ::1] Y, const int64_t* ids, Py_ssize_t rows,
                 floating* work, bint targets) noexcept nogil:
    """Copy the batch ``ids`` into the workspace: its inputs (unless the first layer reads the
    sparse rows itself) and, with ``targets``, its targets."""
    cdef Py_ssize_t i, n_in = net.sizes[0], n_out = net.sizes[net.n_layers]
    cdef floating* Xb = work + plan.layer[P_IN]
    if net.x_ptr == NULL:
        for i in range(rows):
            memcpy(Xb + i * n_in, &X[ids[i], 0], n_in * sizeof(floating))
    elif not net.by_rows:
        _scatter_rows(net, ids, rows, Xb, n_in)
    if targets:
        for i in range(rows):
            memcpy(work + plan.y_off + i * n_out, &Y[ids[i], 0], n_out * sizeof(floating))


def workspace_length(const int64_t[::1] sizes, const int64_t[::1] act, const double[::1] act_alpha,
                     const int64_t[::1] w_off, const int64_t[::1] b_off, const int64_t[::1] p_off,
                     const double[::1] l1, const double[::1] l2, const double[::1] drop, int loss,
                     const double[::1] train_bias, bint per_weight, Py_ssize_t rows,
                     bint training, bint sparse_input):
    """Length of the flat workspace the kernels need for batches of ``rows`` rows (inputs as
    sparse rows when ``sparse_input``)."""
    cdef Net net = _net(sizes, act, act_alpha, w_off, b_off, p_off, l1, l2, drop, loss,
                        train_bias, per_weight)
    cdef Plan plan
    plan.layer = <Py_ssize_t*>malloc(net.n_layers * P_COLS * sizeof(Py_ssize_t))
    if plan.layer == NULL:
        raise MemoryError()
    _plan(&net, rows, training, sparse_input, &plan)
    free(plan.layer)
    return plan.length


cdef double _epoch(Net* net, Plan* plan, floating* params, floating* state0,
                   floating* state1, Py_ssize_t n_params, const floating[:, ::1] X,
                   const floating[:, ::1] Y, const int64_t* order, Py_ssize_t n,
                   Py_ssize_t batch_size, const double* opt, int64_t step, uint64_t seed,
                   floating* work, floating* grad, double* correct) noexcept nogil:
    """One epoch over the ``n`` rows ``order``; returns the loss summed over rows and adds the
    hits to ``correct``."""
    cdef Py_ssize_t batch, start, rows
    cdef const int64_t* ids
    cdef double total = 0
    for batch in range((n + batch_size - 1) // batch_size):
        start = batch * batch_size
        rows = min(batch_size, n - start)
        ids = &order[start]
        _stage(net, plan, X, Y, ids, rows, work, True)
        _forward(net, plan, params, work, rows, True, seed, step + batch + 1, ids)
        total += rows * _backward(net, plan, params, grad, work, rows, True, ids, correct)
        _update(opt, params, grad, state0, state1, n_params, step + batch + 1)
    return total


def train_epoch(const int64_t[::1] sizes, const int64_t[::1] act, const double[::1] act_alpha,
                const int64_t[::1] w_off, const int64_t[::1] b_off, const int64_t[::1] p_off,
                const double[::1] l1, const double[::1] l2, const double[::1] drop, int loss,
                const double[::1] train_bias, bint per_weight,
                floating[::1] params, floating[:, ::1] state, const floating[:, ::1] X,
                const floating[:, ::1] Y, const int64_t[::1] order, Py_ssize_t batch_size,
                const double[::1] opt, int64_t step, uint64_t seed, floating[::1] work,
                floating[::1] grad, const int64_t[::1] x_ptr, const int64_t[::1] x_idx,
                const floating[::1] x_val, const double[::1] weights):
    """One epoch of mini-batch training; returns ``(mean loss, accuracy)`` (see fastnn.backends).

    ``work`` holds ``workspace_length(..., batch_size, True, sparse)`` values and ``grad``
    ``len(params)``.
    """
    cdef Net net = _net(sizes, act, act_alpha, w_off, b_off, p_off, l1, l2, drop, loss,
                        train_bias, per_weight)
    _inputs(&net, x_ptr, x_idx, x_val, True)
    _weigh(&net, weights)
    cdef Plan plan = _new_plan(&net, batch_size, True)
    cdef Py_ssize_t n = order.shape[0]
    cdef double total, correct = 0
    with nogil:
        total = _epoch(&net, &plan, &params[0], &state[0, 0], &state[1, 0], params.shape[0], X,
                       Y, &order[0], n, batch_size, &opt[0], step, seed, &work[0], &grad[0],
                       &correct)
    free(plan.layer)
    return total / n, correct / n


def train_epochs(const int64_t[::1] sizes, const int64_t[::1] act, const double[::1] act_alpha,
                 const int64_t[::1] w_off, const int64_t[::1] b_off, const int64_t[::1] p_off,
                 const double[::1] l1, const double[::1] l2, const double[::1] drop, int loss,
                 const double[::1] train_bias, bint per_weight,
                 floating[::1] params, floating[:, ::1] state, const floating[:, ::1] X,
                 const floating[:, ::1] Y, const int64_t[:, ::1] orders, Py_ssize_t batch_size,
                 const double[:, ::1] opts, int64_t step, uint64_t seed, floating[::1] work,
                 floating[::1] grad, const int64_t[::1] x_ptr, const int64_t[::1] x_idx,
                 const floating[::1] x_val, const double[::1] weights, floating[::1] older,
                 double[:, ::1] history):
    """Epoch ``e`` over the rows ``orders[e]`` with ``opts[e]``, for every row of ``orders``,
    each as :func:`train_epoch`; ``history[e]`` gets its summed loss and hits, a non-finite loss
    ends the loop after it, and before the last of several epochs the weights and optimizer
    state are copied into ``older`` (params, then state).
    """
    cdef Net net = _net(sizes, act, act_alpha, w_off, b_off, p_off, l1, l2, drop, loss,
                        train_bias, per_weight)
    _inputs(&net, x_ptr, x_idx, x_val, True)
    _weigh(&net, weights)
    cdef Plan plan = _new_plan(&net, batch_size, True)
    cdef Py_ssize_t n_epochs = orders.shape[0], n = orders.shape[1], p = params.shape[0]
    cdef Py_ssize_t epoch, batches = (n + batch_size - 1) // batch_size
    cdef double correct
    with nogil:
        for epoch in range(n_epochs):
            if n_epochs > 1 and epoch == n_epochs - 1:
                memcpy(&older[0], &params[0], p * sizeof(floating))
                memcpy(&older[p], &state[0, 0], 2 * p * sizeof(floating))
            correct = 0
            history[epoch, 0] = _epoch(&net, &plan, &params[0], &state[0, 0], &state[1, 0], p,
                                       X, Y, &orders[epoch, 0], n, batch_size, &opts[epoch, 0],
                                       step + epoch * batches, seed, &work[0], &grad[0],
                                       &correct)
            history[epoch, 1] = correct
            if not isfinite(history[epoch, 0]):
                break
    free(plan.layer)


def loss_and_grad(const int64_t[::1] sizes, const int64_t[::1] act, const double[::1] act_alpha,
                  const int64_t[::1] w_off, const int64_t[::1] b_off, const int64_t[::1] p_off,
                  const double[::1] l1, const double[::1] l2, const double[::1] drop, int loss,
                  const double[::1] train_bias, bint per_weight,
                  floating[::1] params, const floating[:, ::1] X, const floating[:, ::1] Y,
                  floating[::1] grad, floating[::1] work, const int64_t[::1] x_ptr,
                  const int64_t[::1] x_idx, const floating[::1] x_val, const double[::1] weights,
                  const int64_t[::1] order):
    """Mean loss plus penalty over the rows ``order`` (all of them, in order) without dropout;
    the gradient goes into ``grad``.  ``work`` holds ``workspace_length(..., len(order), False,
    sparse)`` values.
    """
    cdef Net net = _net(sizes, act, act_alpha, w_off, b_off, p_off, l1, l2, drop, loss,
                        train_bias, per_weight)
    _inputs(&net, x_ptr, x_idx, x_val, False)
    _weigh(&net, weights)
    cdef Plan plan = _new_plan(&net, order.shape[0], False)
    cdef Py_ssize_t rows = order.shape[0]
    cdef double value, correct = 0
    with nogil:
        _stage(&net, &plan, X, Y, &order[0], rows, &work[0], True)
        memset(&grad[0], 0, grad.shape[0] * sizeof(floating))
        _forward(&net, &plan, &params[0], &work[0], rows, False, 0, 0, &order[0])
        value = _backward(&net, &plan, &params[0], &grad[0], &work[0], rows, False, &order[0],
                          &correct)
    free(plan.layer)
    return value


def predict(const int64_t[::1] sizes, const int64_t[::1] act, const double[::1] act_alpha,
            const int64_t[::1] w_off, const int64_t[::1] b_off, const int64_t[::1] p_off,
            const double[::1] l1, const double[::1] l2, const double[::1] drop, int loss,
            const double[::1] train_bias, bint per_weight,
            floating[::1] params, const floating[:, ::1] X,
            floating[:, ::1] out, Py_ssize_t chunk, floating[::1] work,
            const int64_t[::1] x_ptr, const int64_t[::1] x_idx, const floating[::1] x_val,
            const int64_t[::1] order):
    """Network outputs for the rows ``order`` into ``out``, ``chunk`` rows at a time.

    ``work`` holds ``workspace_length(..., chunk, False, sparse)`` values.
    """
    cdef Net net = _net(sizes, act, act_alpha, w_off, b_off, p_off, l1, l2, drop, loss,
                        train_bias, per_weight)
    _inputs(&net, x_ptr, x_idx, x_val, False)
    cdef Plan plan = _new_plan(&net, chunk, False)
    cdef Py_ssize_t n = order.shape[0], n_out = out.shape[1], part, start, rows
    cdef const floating* result = &work[0] + plan.layer[(net.n_layers - 1) * P_COLS + P_A]
    with nogil:
        for part in range((n + chunk - 1) // chunk):
            start = part * chunk
            rows = min(chunk, n - start)
            _stage(&net, &plan, X, X, &order[start], rows, &work[0], False)
            _forward(&net, &plan, &params[0], &work[0], rows, False, 0, 0, &order[start])
            memcpy(&out[start, 0], result, rows * n_out * sizeof(floating))
    free(plan.layer)
    return out


def evaluate(const int64_t[::1] sizes, const int64_t[::1] act, const double[::1] act_alpha,
             const int64_t[::1] w_off, const int64_t[::1] b_off, const int64_t[::1] p_off,
             const double[::1] l1, const double[::1] l2, const double[::1] drop, int loss,
             const double[::1] train_bias, bint per_weight,
             floating[::1] params, const floating[:, ::1] X, const floating[:, ::1] Y,
             Py_ssize_t chunk, floating[::1] work, const int64_t[::1] x_ptr,
             const int64_t[::1] x_idx, const floating[::1] x_val, const double[::1] weights,
             const int64_t[::1] order):
    """``(mean loss + penalty, accuracy)`` over the rows ``order``, without dropout or a
    gradient (the mean weighted by ``weights`` when given).

    ``work`` holds ``workspace_length(..., chunk, False, sparse)`` values.
    """
    cdef Net net = _net(sizes, act, act_alpha, w_off, b_off, p_off, l1, l2, drop, loss,
                        train_bias, per_weight)
    _inputs(&net, x_ptr, x_idx, x_val, False)
    _weigh(&net, weights)
    cdef Plan plan = _new_plan(&net, chunk, False)
    cdef Py_ssize_t n = order.shape[0], n_out = Y.shape[1], part, start, rows
    cdef const floating* result = &work[0] + plan.layer[(net.n_layers - 1) * P_COLS + P_A]
    cdef double total = 0, correct = 0, w_sum, scale
    with nogil:
        for part in range((n + chunk - 1) // chunk):
            start = part * chunk
            rows = min(chunk, n - start)
            _stage(&net, &plan, X, Y, &order[start], rows, &work[0], True)
            _forward(&net, &plan, &params[0], &work[0], rows, False, 0, 0, &order[start])
            total += _loss(net.loss, result, &work[0] + plan.y_off, &work[0] + plan.d_off, rows,
                           n_out, 1.0, &correct, net.weights, &order[start])
        if net.weights == NULL:
            total = total / n + _penalty_value(&net, &params[0]) * (1.0 / n if per_weight else 1.0)
        else:
            w_sum = _weight_sum(&net, &order[0], n)
            scale = 1.0 / w_sum if w_sum > 0 else 0.0
            total = total * scale + _penalty_value(&net, &params[0]) * (scale if per_weight else 1.0)
    free(plan.layer)
    return total, correct / n
