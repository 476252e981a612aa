package org.clengine.elementwise;

import static org.clengine.core.HostTensor.data;

import java.util.Arrays;
import org.clengine.core.HostTensor;
import org.clengine.core.Memory;
import org.clengine.core.Tensor;

/**
 * Elementwise ops as plain loops on the host, the oracle for kernels/elementwise.cl. All arrays have one length. The
 * static methods are the math on arrays, for tests that work by hand. A 16-bit output is rounded once at the end, as
 * the kernels' store rounds (copy, ReLU and the add's gradient only move values, which are already rounded).
 */
public final class ElementwiseReference extends ElementwiseOps {

    public ElementwiseReference() {
        super(Memory.HOST);
    }

    @Override
    protected void copyChecked(Tensor dst, Tensor src) {
        System.arraycopy(data(src), 0, data(dst), 0, src.size());
    }

    /** The host array holds src's values exactly; dst's dtype rounds them once. */
    @Override
    protected void convertChecked(Tensor dst, Tensor src) {
        float[] s = data(src), d = data(dst);
        for (int i = 0; i < d.length; i++) d[i] = dst.dtype().round(s[i]);
    }

    @Override
    protected void fillChecked(Tensor t, float value) {
        Arrays.fill(data(t), t.dtype().round(value));
    }

    @Override
    protected void scaleChecked(Tensor y, Tensor x, float alpha) {
        scale(data(y), data(x), alpha);
        HostTensor.round(y);
    }

    @Override
    protected void addChecked(Tensor y, Tensor a, Tensor b) {
        add(data(y), data(a), data(b));
        HostTensor.round(y);
    }

    @Override
    protected void addBackwardChecked(Tensor da, Tensor db, Tensor dy) {
        copyChecked(da, dy);
        copyChecked(db, dy);
    }

    @Override
    protected void reluForwardChecked(Tensor y, Tensor x) {
        reluForward(data(y), data(x));
    }

    @Override
    protected void reluBackwardChecked(Tensor dx, Tensor dy, Tensor y) {
        reluBackward(data(dx), data(dy), data(y));
    }

    @Override
    protected void sigmoidForwardChecked(Tensor y, Tensor x) {
        sigmoidForward(data(y), data(x));
        HostTensor.round(y);
    }

    @Override
    protected void sigmoidBackwardChecked(Tensor dx, Tensor dy, Tensor y) {
        sigmoidBackward(data(dx), data(dy), data(y));
        HostTensor.round(dx);
    }

    public static void scale(float[] y, float[] x, float alpha) {
        for (int i = 0; i < y.length; i++) y[i] = (float) ((double) alpha * x[i]);
    }

    public static void add(float[] y, float[] a, float[] b) {
        for (int i = 0; i < y.length; i++) y[i] = (float) ((double) a[i] + b[i]);
    }

    public static void reluForward(float[] y, float[] x) {
        for (int i = 0; i < y.length; i++) y[i] = x[i] < 0 ? 0 : x[i];
    }

    /** The mask is the forward output: y &gt; 0 (NaN passes nothing). */
    public static void reluBackward(float[] dx, float[] dy, float[] y) {
        for (int i = 0; i < dx.length; i++) dx[i] = y[i] > 0 ? dy[i] : 0;
    }

    public static void sigmoidForward(float[] y, float[] x) {
        for (int i = 0; i < y.length; i++) y[i] = (float) (1 / (1 + Math.exp(-(double) x[i])));
    }

    public static void sigmoidBackward(float[] dx, float[] dy, float[] y) {
        for (int i = 0; i < dx.length; i++) dx[i] = (float) ((double) dy[i] * y[i] * (1 - (double) y[i]));
    }
}
