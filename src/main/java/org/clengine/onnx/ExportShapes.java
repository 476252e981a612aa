package org.clengine.onnx;

import java.util.Arrays;
import org.clengine.conv2d.Conv2dParams;
import org.clengine.conv2d.Conv2dShape;
import org.clengine.pooling.Pool2dParams;
import org.clengine.pooling.Pool2dShape;

/**
 * The shapes {@link OnnxExport} follows through a model at batch 1: the graph's output needs its shape (ONNX's
 * checker requires one), and a model that does not fit the sample shape is refused at export, naming the module,
 * rather than written as a graph no runtime can run.
 */
final class ExportShapes {
    private ExportShapes() {
    }

    static int[] withBatch(int[] sample) {
        int[] s = new int[sample.length + 1];
        s[0] = 1;
        System.arraycopy(sample, 0, s, 1, sample.length);
        return s;
    }

    static int[] sample(int[] shape) {
        return Arrays.copyOfRange(shape, 1, shape.length);
    }

    static int[] conv(String path, int[] x, int[] w, Conv2dParams p) {
        if (x.length != 4 || x[1] != w[1] * p.groups()) throw misfit(path, x, "[N, " + w[1] * p.groups() + ", H, W]");
        return Conv2dShape.of(x, w, p).yDims();
    }

    static int[] pool(String path, int[] x, Pool2dParams p) {
        expectImages(path, x);
        return Pool2dShape.of(x, p).yDims();
    }

    static int[] flatten(String path, int[] x) {
        if (x.length < 2) throw misfit(path, x, "[N, ...]");
        return new int[] {1, Math.toIntExact(Arrays.stream(x).asLongStream().reduce(1, Math::multiplyExact))};
    }

    static void expectImages(String path, int[] x) {
        if (x.length != 4) throw misfit(path, x, "[N, C, H, W]");
    }

    static void expectFeatures(String path, int[] x, int features) {
        if (x.length != 2 || x[1] != features) throw misfit(path, x, "[N, " + features + "]");
    }

    static void expectChannels(String path, int[] x, int channels, boolean spatial) {
        boolean ok = spatial ? x.length == 4 : x.length == 2 || x.length == 3;
        if (!ok || x[1] != channels) {
            throw misfit(path, x, spatial ? "[N, " + channels + ", H, W]" : "[N, " + channels + "(, L)]");
        }
    }

    static void expectSame(String path, int[] main, int[] shortcut) {
        if (!Arrays.equals(main, shortcut)) {
            throw new IllegalArgumentException("module '" + path + "': its shortcut " + Arrays.toString(sample(
                    shortcut)) + " and main branch " + Arrays.toString(sample(main)) + " differ per sample");
        }
    }

    private static IllegalArgumentException misfit(String path, int[] x, String takes) {
        return new IllegalArgumentException("module '" + path + "' takes " + takes + " but gets [N, "
                + Arrays.toString(sample(x)).replaceAll("[\\[\\]]", "") + "] from the sample shape");
    }
}
