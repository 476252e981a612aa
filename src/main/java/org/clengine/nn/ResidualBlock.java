package org.clengine.nn;

import org.clengine.backend.Backend;
import org.clengine.core.Tensor;

/**
 * ResNet's basic block: y = relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)), 3×3 convolutions without bias,
 * conv1 with the block's stride; the shortcut is x itself, or (when the stride or channel count changes) a 1×1
 * convolution with that stride and a batch norm ("downsample.0", "downsample.1", as torchvision names them).
 * bn2, the add and the last ReLU run as one fused kernel (BN+add+ReLU); bn1 and its ReLU as BN+ReLU; in training
 * each convolution hands its output's batch statistics to its batch norm as it writes (conv → BN statistics).
 * Without batch norm the convolutions get biases, conv1 a fused ReLU, and the tail is a plain add then ReLU.
 */
public final class ResidualBlock extends Module {
    private final Conv2d conv1;
    private final Conv2d conv2;
    private final BatchNorm bn1;
    private final BatchNorm bn2;
    private final Sequential downsample;
    private final Add add;
    private final Activation relu;

    public ResidualBlock(Backend backend, int in, int out, int stride, boolean batchNorm, Init init) {
        super(backend);
        conv1 = child("conv1", new Conv2d(backend, in, out, 3, stride, 1, !batchNorm, init));
        bn1 = batchNorm ? child("bn1", BatchNorm.batchNorm2d(backend, out)) : null;
        conv2 = child("conv2", new Conv2d(backend, out, out, 3, 1, 1, !batchNorm, init));
        bn2 = batchNorm ? child("bn2", BatchNorm.batchNorm2d(backend, out)) : null;
        if (stride != 1 || in != out) {
            Conv2d proj = new Conv2d(backend, in, out, 1, stride, 0, !batchNorm, init);
            downsample = child("downsample", batchNorm ? new Sequential(backend, proj, BatchNorm.batchNorm2d(backend,
                    out)) : new Sequential(backend, proj));
        } else {
            downsample = null;
        }
        if (batchNorm) {
            bn1.fuseRelu();
            bn2.fuseAddRelu();
            add = null;
            relu = null;
        } else {
            conv1.fuseRelu();
            add = child("add", new Add(backend));
            relu = child("relu", Activation.relu(backend));
        }
    }

    @Override
    public void requireInputGradient(boolean on) {
        super.requireInputGradient(on);
        conv1.requireInputGradient(on);
        if (downsample != null) downsample.requireInputGradient(on);
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor shortcut = downsample == null ? x : downsample.forward(x);
        if (bn1 != null) return bn2.forwardAfter(conv2, bn1.forwardAfter(conv1, x, null), shortcut);
        return relu.forward(add.forward(conv2.forward(conv1.forward(x)), shortcut));
    }

    @Override
    public Tensor backward(Tensor dy) {
        Tensor dsum;
        Tensor dshort;
        if (bn2 != null) {
            dsum = bn2.backward(dy);
            dshort = bn2.residualGradient();
        } else {
            dsum = add.backward(relu.backward(dy));
            dshort = dsum;
        }
        Tensor g = conv2.backward(dsum);
        if (bn1 != null) g = bn1.backward(g);
        Tensor dxMain = conv1.backward(g);
        if (downsample != null) dshort = downsample.backward(dshort);
        if (!inputGradient()) return null;
        Tensor dx = workspace("dx", dxMain.dtype(), dxMain.shape());
        backend.elementwise().add(dx, dxMain, dshort);
        return dx;
    }
}
