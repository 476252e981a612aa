package org.clengine.nn;

import org.clengine.backend.Backend;
import org.clengine.conv.Conv2dParams;
import org.clengine.tensor.Tensor;

/**
 * A fully connected layer, PyTorch's {@code nn.Linear}: y [N,out] = x [N,in] · weightᵀ + bias, weight [out,in].
 * With a fused ReLU the output is relu(y) and backward masks dy with y &gt; 0.
 */
public final class Linear extends Module implements ReluFusable {
    private final int in;
    private final int out;
    private final Parameter weight;
    private final Parameter bias;
    private final Tensor weight4;
    private final Tensor weightGrad4;
    private Conv2dParams params = Conv2dParams.DEFAULT;
    private Tensor x;
    private Tensor y;

    public Linear(Backend backend, int in, int out, boolean bias, Init init) {
        super(backend);
        Tensor.elementCount(out, in);
        this.in = in;
        this.out = out;
        this.weight = parameter("weight", init.kaimingUniform(out * in, in), out, in);
        this.bias = bias ? parameter("bias", init.kaimingUniform(out, in), out) : null;
        this.weight4 = weight.value().view(out, in, 1, 1);
        this.weightGrad4 = weight.grad().view(out, in, 1, 1);
    }

    @Override
    public void fuseRelu() {
        params = params.withRelu(true);
    }

    @Override
    public boolean reluFused() {
        return params.relu();
    }

    @Override
    public Tensor forward(Tensor input) {
        expectShape("Linear(" + in + ", " + out + ")", input, 2, 1, in);
        int n = input.dim(0);
        x = input;
        y = workspace("y", n, out);
        backend.conv2dForward(y.view(n, out, 1, 1), x.view(n, in, 1, 1), weight4, bias == null ? null
                : bias.value(), params);
        return y;
    }

    @Override
    public Tensor backward(Tensor dy) {
        int n = x.dim(0);
        Tensor g = dy;
        if (params.relu()) {
            g = workspace("dy_relu", n, out);
            backend.reluBackward(g, dy, y);
        }
        Conv2dParams plain = params.withRelu(false);
        Tensor g4 = g.view(n, out, 1, 1);
        backend.conv2dBackwardWeights(weightGrad4, bias == null ? null : bias.grad(), g4, x.view(n, in, 1, 1), plain);
        if (!inputGradient()) return null;
        Tensor dx = workspace("dx", n, in);
        backend.conv2dBackwardData(dx.view(n, in, 1, 1), g4, weight4, plain);
        return dx;
    }
}
