package org.clengine.verify;

import org.clengine.core.DType;

/**
 * How close a kernel's output must be to the reference's: relative L2 error ‖got − ref‖/‖ref‖ and the largest
 * element error relative to the reference's largest magnitude, max|got − ref| / max|ref|.
 */
public record Tolerance(double relL2, double relMax) {

    /**
     * Batch norm forward outputs (y, batch mean, invstd, running stats). fp32 unit roundoff is u = 6e-8. The
     * kernels sum a channel in 16 (or 8) lanes per chunk and then the chunk partials in order, so a sum of M terms
     * passes through about M/16/chunks + chunks + 16 additions; with M up to 10^6 the worst-case bound is ~10^-4,
     * the statistical one (random-walk, √k·u) ~10^-6. The reference rounds its double result to fp32 once. We
     * allow 1e-5: 10× the observed error, far below any error a real bug makes (those are O(1)).
     */
    public static final Tolerance BATCHNORM_FORWARD = new Tolerance(1e-5, 1e-5);

    /**
     * Batch norm backward outputs (dx, dgamma, dbeta, dz). dx = a·g + b·(x − mean) + k subtracts the means of g
     * and g·x̂ from g, so its relative error is the forward's amplified by the cancellation (|g|/|dx| ≈ 1–10 for
     * random data): 1e-4.
     */
    public static final Tolerance BATCHNORM_BACKWARD = new Tolerance(1e-4, 1e-4);

    /**
     * Batch norm on data whose mean dwarfs its spread (mean 1e4, std 1e-2; mean 1e6, std 1), every output against
     * a float64 computation from the same fp32 inputs: the target, 1e-5 relative L2 (the max is not
     * bounded separately: the L2 is the promise). Without the saved offset the fp32 mean alone is off by up to
     * ulp(mean)/2, 5% of such a spread.
     */
    public static final Tolerance BATCHNORM_LARGE_MEAN = new Tolerance(1e-5, Double.POSITIVE_INFINITY);

    /**
     * Synchronized batch norm (issue 16), every output over all ranks against float64 on the concatenated batch: the
     * issue's target, 1e-6 relative L2. The ranks' sums are merged in double on the host (Chan's formula), so the
     * statistics are rounded to fp32 once; what remains is the apply kernels' few fp32 roundings per value.
     */
    public static final Tolerance SYNC_BATCHNORM = new Tolerance(1e-6, Double.POSITIVE_INFINITY);

    /**
     * Data-parallel training against single-device training on the same batches (issue 16): losses, parameters and
     * running statistics over the first 20 steps within 1e-4 relative. The math is the same (SyncBN and summed
     * gradients make the full-batch step); what differs is the order of the sums, each step's rounding carried
     * into the next.
     */
    public static final Tolerance DATA_PARALLEL = new Tolerance(1e-4, 1e-4);

    /**
     * Convolution outputs, each a sum of {@code length} products accumulated in order in fp32: the random-walk
     * error of such a sum is about √length·u relative to the norm of its terms; we allow 4·√length·u (at least
     * 1e-6). The comparison measures it against the terms' size (see Comparison's scale).
     */
    public static Tolerance conv2d(long length) {
        double t = Math.max(1e-6, 4 * Math.sqrt(length) * 6e-8);
        return new Tolerance(t, 4 * t);
    }

    /**
     * A convolution output stored as {@code out}: {@link #conv2d(long)}, plus for a 16-bit output one rounding
     * (2u relative to the terms' size, u = 2^-11 for F16, 2^-8 for BF16: the argument of {@link #matmul(int, DType)}).
     */
    public static Tolerance conv2d(long length, DType out) {
        Tolerance t = conv2d(length);
        return new Tolerance(t.relL2() + 2 * unitRoundoff(out), t.relMax() + 2 * unitRoundoff(out));
    }

    /** Half an ulp at 1 of a stored dtype: 2^-24, 2^-11, 2^-8 (F32's counted in the fp32 bounds already: 0). */
    private static double unitRoundoff(DType t) {
        return switch (t) {
            case F32 -> 0;
            case F16 -> 0x1p-11;
            case BF16 -> 0x1p-8;
        };
    }

    /**
     * Sums of {@code terms} floats accumulated in order in fp32 against a double reference (average pooling, the
     * batch's loss): the same random-walk bound as {@link #conv2d}.
     */
    public static Tolerance sum(long terms) {
        return conv2d(terms);
    }

    /**
     * Sigmoid, softmax and the log-sum-exp of the loss: OpenCL's full-profile exp and log are within 3 ulp, and
     * each output adds a few fp32 roundings (≈ 2e-7 relative in all); we allow 1e-6.
     */
    public static final Tolerance TRANSCENDENTAL = new Tolerance(1e-6, 1e-6);

    /**
     * Softmax gradients over {@code classes}: each is exp(l − m)/s with s a sum of that many terms in fp32, so the
     * larger of {@link #TRANSCENDENTAL} and {@link #sum}(classes).
     */
    public static Tolerance softmax(long classes) {
        Tolerance s = sum(classes);
        return new Tolerance(Math.max(s.relL2(), TRANSCENDENTAL.relL2()), Math.max(s.relMax(),
                TRANSCENDENTAL.relMax()));
    }

    /**
     * The batch's mean loss: per-row log-sum-exp (3 ulp each) then a sum of N rows in fp32 (√N·u): 1e-5 covers
     * N up to 10^4.
     */
    public static final Tolerance LOSS = new Tolerance(1e-5, 1e-5);

    /**
     * SGD: d = g + wd·p, buf = m·buf + d, p − lr·buf, each rounded to fp32 once (the reference in double): a few
     * units of roundoff relative to the terms' magnitudes (|p| + lr·Σ|step|, SgdVerification.magnitudes); we allow
     * 1e-6. A wrong term (sign of the decay, a missing
     * momentum) moves p by lr·wd·p or more: 1e-3 with the parameters verify uses.
     */
    public static final Tolerance SGD = new Tolerance(1e-6, 1e-6);

    /**
     * Whole training steps of a small network (forward, loss, backward, SGD; gradients, updated parameters and
     * running statistics): every op's own error (≤ 1e-5 relative) passes through some twenty ops, and batch norm's
     * backward amplifies it by its cancellation. Measured on PoCL: ≤ 6e-5, and up to 1.6e-4 with batch norm after a
     * ReLU at batch 6, where a feature that is zero for most of the batch has a tiny variance and normalising it
     * magnifies rounding. We allow 1e-3; a wrong op gives O(1).
     */
    public static final Tolerance TRAINING_STEP = new Tolerance(1e-3, 1e-2);

    /**
     * A whole model's eval outputs on the engine against PyTorch's on the same weights (the safetensors
     * cross-check): some ten layers, each a sum of up to a few thousand fp32 products that the two frameworks
     * accumulate in different orders, so each layer differs by about √K·u relative and the differences add up
     * through the layers. Measured on PoCL against torch 1.13 on the CPU: below 1e-6. We allow 1e-5 relative L2
     * and 1e-4 of the largest output; a weight loaded into the wrong place (a transposed matrix, swapped running
     * statistics) gives O(1).
     */
    public static final Tolerance PEER_MODEL = new Tolerance(1e-5, 1e-4);

    /**
     * A whole exported model in ONNX Runtime against the same model on the engine (evaluation mode): a dozen ops
     * of fp32 sums of at most a few hundred terms each, summed in other orders by the two (√K·u ≈ 1e-6 per op).
     * The issue asks for 1e-5 relative L2; the largest element may be off by 1e-4 of the largest magnitude. A wrong
     * attribute (a pad on the wrong side, eps, a transposed weight) gives O(1e-1).
     */
    public static final Tolerance ONNX_RUNTIME = new Tolerance(1e-5, 1e-4);

    /**
     * A model run with batch norm folded into the convolutions against it unfolded: the folded weights w·s are
     * rounded to fp32 once more (u = 6e-8 each), and the convolution then sums them as before: within the
     * convolution's own error, which 1e-5 relative L2 covers as {@link #ONNX_RUNTIME} does.
     */
    public static final Tolerance ONNX_FOLDED = new Tolerance(1e-5, 1e-4);

    /**
     * An output stored in a 16-bit dtype (issue 15) whose fp32 computation is held to {@code fp32}. The kernels
     * compute in fp32 and round once when they store; the reference computes in double from the same rounded inputs
     * and rounds its output the same way (to nearest even). Where the two unrounded results fall on either side of a
     * rounding boundary they differ by one unit in the last place of the 16-bit value, 2·u of it, with u = 2^-11
     * for F16 (10 fraction bits) and 2^-8 for BF16 (7): at most 2·u of the element, so 2·u of the largest
     * magnitude (relMax) and 2·u of the norm (relL2) even if every element did. The fp32 error adds to that. F32
     * gives {@code fp32} itself. (One rounding's worth is all that separates the two, so a kernel that rounds the
     * wrong way passes this tolerance: {@link #HALF_MISMATCHES} catches that.)
     */
    public static Tolerance half(DType dtype, Tolerance fp32) {
        if (dtype == DType.F32) return fp32;
        double ulp = 2 * (dtype == DType.F16 ? 0x1p-11 : 0x1p-8);
        return new Tolerance(ulp + fp32.relL2(), ulp + fp32.relMax());
    }

    /**
     * The largest share of a 16-bit output's elements whose bits may differ from the reference's. Both round to
     * nearest even from results that agree to fp32's error, so they differ only where that error straddles a
     * rounding boundary: about (fp32 error)/(2·u) of the elements. A BF16 store that truncates instead made about
     * half of y's elements differ (planted in batchnorm.cl: 244 of 485); 5% leaves room for small tensors' luck.
     */
    public static final double HALF_MISMATCHES = 0.05;

    /** Results that must match bit for bit (small-integer inputs, identical runs). */
    public static final Tolerance EXACT = new Tolerance(0, 0);

    /**
     * GEMM's C, with errors measured against each element's scale |alpha|·Σ|a·b| + |beta·c| + |bias| rather than
     * |c| (a dot product of random signs is a small difference of large terms). The kernels sum the K products of
     * one element in order, one fma each (the packed kernel rounds once more per K block), so the error is at most
     * about K·u of the scale (Higham, fp32 u = 2^-24) and for random data grows like √K·u. We allow u·(8 + 2√K):
     * 6e-7 at K = 1, 8e-6 at K = 4096 — far below the 1/K a single lost or doubled term costs, so such bugs fail.
     */
    public static Tolerance matmul(int k) {
        double t = 0x1p-24 * (8 + 2 * Math.sqrt(k));
        return new Tolerance(t, t);
    }

    /**
     * GEMM with its C stored as {@code out}: {@link #matmul(int)}, plus for a 16-bit C one output rounding. The
     * kernel rounds its fp32 sum to 16 bits and the reference its double sum; where the two sums lie either side of
     * a rounding boundary the stored values differ by one 16-bit ulp, at most 2u·|c| (u = 2^-11 for F16, 2^-8 for
     * BF16), and |c| is at most the terms' scale the comparison divides by. Inputs add nothing: both read the same
     * rounded values.
     */
    public static Tolerance matmul(int k, DType out) {
        Tolerance t = matmul(k);
        return new Tolerance(t.relL2() + 2 * unitRoundoff(out), t.relMax() + 2 * unitRoundoff(out));
    }
}
