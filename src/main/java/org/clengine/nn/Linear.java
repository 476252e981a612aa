package org.clengine.nn;

import org.clengine.backend.Backend;
import org.clengine.matmul.Gemm;
import org.clengine.matmul.MatmulBias;
import org.clengine.matmul.MatmulParams;
import org.clengine.matmul.MatmulShape;
import org.clengine.core.DType;
import org.clengine.core.Tensor;

/**
 * A fully connected layer, PyTorch's {@code nn.Linear}: y [N,out] = x [N,in] · weightᵀ + bias, weight [out,in], as
 * one GEMM with the bias (and a fused ReLU) in its epilogue. Backward: dx = dy · weight and
 * dweight = dyᵀ · x (GEMMs with a transposed operand), dbias = 1ᵀ · dy (a GEMM with a ones row).
 */
public final class Linear extends Module implements ReluFusable {
    private final int in;
    private final int out;
    private final Parameter weight;
    private final Parameter bias;
    private boolean relu;
    private Tensor x;
    private Tensor y;

    public Linear(Backend backend, int in, int out, boolean bias, Init init) {
        super(backend);
        Tensor.elementCount(out, in);
        this.in = in;
        this.out = out;
        this.weight = parameter("weight", init.kaimingUniform(out * in, in), out, in);
        this.bias = bias ? parameter("bias", init.kaimingUniform(out, in), out) : null;
    }

    @Override
    public String toString() {
        return "Linear(" + in + "→" + out + ")";
    }

    public Parameter weight() {
        return weight;
    }

    /** The bias, or null when built without one. */
    public Parameter bias() {
        return bias;
    }

    @Override
    public void fuseRelu() {
        relu = true;
    }

    @Override
    public boolean reluFused() {
        return relu;
    }

    @Override
    public Tensor forward(Tensor input) {
        expectShape(toString(), input, -1, in);
        int n = input.dim(0);
        x = input;
        y = workspace("y", x.dtype(), n, out);
        MatmulParams p = MatmulParams.DEFAULT.withBias(bias == null ? MatmulBias.NONE : MatmulBias.PER_COLUMN)
                .withRelu(relu);
        backend.matmul().gemm(Gemm.of(y, x, weight.valueAs(x.dtype()), new MatmulShape(1, n, out, in, false, true)).params(p)
                .bias(bias == null ? null : bias.value()));
        return y;
    }

    @Override
    public Tensor backward(Tensor dy) {
        expectForward(toString(), x);
        expectShape(toString() + " backward", dy, y.shape());
        int n = x.dim(0);
        Tensor g = dy;
        if (relu) {
            g = workspace("dy_relu", dy.dtype(), n, out);
            backend.elementwise().reluBackward(g, dy, y);
        }
        backend.matmul().gemm(Gemm.of(weight.grad(), g, x, new MatmulShape(1, out, in, n, true, false)));
        if (bias != null) {
            Tensor ones = ones(g.dtype(), n);
            backend.matmul().gemm(Gemm.of(bias.grad(), ones, g, MatmulShape.of(1, out, n)));
        }
        if (!inputGradient()) return null;
        Tensor dx = workspace("dx", g.dtype(), n, in);
        backend.matmul().gemm(Gemm.of(dx, g, weight.valueAs(g.dtype()), MatmulShape.of(n, in, out)));
        return dx;
    }

    /** n ones of {@code dtype} (the bias gradient is their product with dy, which must share dy's dtype). */
    private Tensor ones(DType dtype, int n) {
        Tensor ones = workspace("ones", dtype, n);
        if (dtype == DType.F32) {
            backend.elementwise().fill(ones, 1f);
        } else {
            float[] host = new float[n];
            java.util.Arrays.fill(host, 1f);
            ones.copyFrom(host); // exact in every dtype
        }
        return ones;
    }
}
