package org.clengine.elementwise;

/** Elementwise ops as plain loops, the oracle for kernels/elementwise.cl. All arrays have one length. */
public final class ElementwiseReference {
    private ElementwiseReference() {
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
