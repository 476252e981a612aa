package org.clengine.nn;

import org.clengine.backend.Backend;
import org.clengine.conv2d.Conv2dParams;
import org.clengine.conv2d.Conv2dShape;
import org.clengine.core.Tensor;

/**
 * 2-D convolution, PyTorch's {@code nn.Conv2d}: weight [K, C/groups, R, S], optional bias [K], square kernel,
 * stride and padding. With a fused ReLU the forward output is relu(conv) and backward masks dy with y &gt; 0.
 */
public final class Conv2d extends Module implements ReluFusable {
    private final Parameter weight;
    private final Parameter bias;
    private Conv2dParams params;
    private Tensor x;
    private Tensor y;

    public Conv2d(Backend backend, int inChannels, int outChannels, int kernel, int stride, int padding,
            boolean bias, Init init) {
        super(backend);
        this.params = Conv2dParams.DEFAULT.withStride(stride, stride).withPadding(padding, padding);
        int fanIn = inChannels * kernel * kernel;
        Tensor.elementCount(outChannels, inChannels, kernel, kernel);
        this.weight = parameter("weight", init.kaimingUniform(outChannels * fanIn, fanIn), outChannels, inChannels,
                kernel, kernel);
        this.bias = bias ? parameter("bias", init.kaimingUniform(outChannels, fanIn), outChannels) : null;
    }

    @Override
    public void fuseRelu() {
        params = params.withRelu(true);
    }

    @Override
    public boolean reluFused() {
        return params.relu();
    }

    public Parameter weight() {
        return weight;
    }

    @Override
    public Tensor forward(Tensor input) {
        prepare(input);
        backend.conv2d().forward(y, x, weight.valueAs(x.dtype()), biasValue(), params);
        return y;
    }

    /** Checks the input, records it for backward and returns the output tensor, not yet computed. */
    Tensor prepare(Tensor input) {
        expectShape(toString(), input, -1, weight.value().dim(1), -1, -1);
        Conv2dShape s = Conv2dShape.of(input.shape(), weight.value().shape(), params);
        x = input;
        y = workspace("y", input.dtype(), s.yDims());
        return y;
    }

    @Override
    public String toString() {
        int[] w = weight.value().shape();
        return "Conv2d(" + w[1] + "→" + w[0] + ", " + w[2] + "×" + w[3] + ")";
    }

    Tensor biasValue() {
        return bias == null ? null : bias.value();
    }

    /** The bias, or null when built without one. */
    public Parameter bias() {
        return bias;
    }

    /** Stride, padding and the fused ReLU (exporters read the geometry). */
    public Conv2dParams params() {
        return params;
    }

    @Override
    public Tensor backward(Tensor dy) {
        expectForward(toString(), x);
        expectShape(toString() + " backward", dy, y.shape());
        Tensor g = dy;
        if (params.relu()) {
            g = workspace("dy_relu", dy.dtype(), dy.shape());
            backend.elementwise().reluBackward(g, dy, y);
        }
        Conv2dParams plain = params.withRelu(false);
        backend.conv2d().backwardWeights(weight.grad(), bias == null ? null : bias.grad(), g, x, plain);
        if (!inputGradient()) return null;
        Tensor dx = workspace("dx", x.dtype(), x.shape());
        backend.conv2d().backwardData(dx, g, weight.valueAs(g.dtype()), plain);
        return dx;
    }
}
