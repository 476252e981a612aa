package org.clengine.nn;

import org.clengine.backend.Backend;
import org.clengine.matmul.MatmulBias;
import org.clengine.matmul.MatmulParams;
import org.clengine.matmul.MatmulShape;
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
        y = workspace("y", n, out);
        MatmulParams p = MatmulParams.DEFAULT.withBias(bias == null ? MatmulBias.NONE : MatmulBias.PER_COLUMN)
                .withRelu(relu);
        backend.matmul(y, x, weight.value(), bias == null ? null : bias.value(),
                new MatmulShape(1, n, out, in, false, true), p);
        return y;
    }

    @Override
    public Tensor backward(Tensor dy) {
        expectForward(toString(), x);
        expectShape(toString() + " backward", dy, y.shape());
        int n = x.dim(0);
        Tensor g = dy;
        if (relu) {
            g = workspace("dy_relu", n, out);
            backend.reluBackward(g, dy, y);
        }
        backend.matmul(weight.grad(), g, x, null, new MatmulShape(1, out, in, n, true, false), MatmulParams.DEFAULT);
        if (bias != null) {
            Tensor ones = workspace("ones", n);
            backend.fill(ones, 1f);
            backend.matmul(bias.grad(), ones, g, null, MatmulShape.of(1, out, n), MatmulParams.DEFAULT);
        }
        if (!inputGradient()) return null;
        Tensor dx = workspace("dx", n, in);
        backend.matmul(dx, g, weight.value(), null, MatmulShape.of(n, in, out), MatmulParams.DEFAULT);
        return dx;
    }
}
