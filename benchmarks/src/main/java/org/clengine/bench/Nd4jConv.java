package org.clengine.bench;

import org.clengine.conv2d.Conv2dShape;
import org.nd4j.enums.WeightsFormat;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Conv2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.DepthwiseConv2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The ND4J peer of {@link Conv2dBench}: convolution forward on ND4J's CPU backend (nd4j-native, the onednn-avx2 build,
 * so oneDNN does the work where it supports the case), NCHW, fp32. Dense convolutions run {@code conv2d} with OIYX
 * weights, i.e. clengine's [K, C, R, S] as they are; depthwise ones (groups = C = K) run {@code depthwise_conv2d},
 * whose weights are [R, S, C, 1]. The output array is allocated once and reused.
 */
final class Nd4jConv implements AutoCloseable {
    /** JavaCPP picks the natives with this extension; only the onednn-avx2 ones are in the benchmarks jar. */
    static final String EXTENSION = "-onednn-avx2";

    private final DynamicCustomOp op;
    private final INDArray y;

    static {
        System.setProperty("org.bytedeco.javacpp.platform.extension", EXTENSION);
    }

    /** ND4J's version, backend and whether oneDNN is on, for the check line. */
    static String describe() {
        return "ND4J " + version() + ", " + Nd4j.getBackend().getClass()
                .getSimpleName() + ", oneDNN " + (Nd4j.getEnvironment().helpersAllowed() ? "allowed" : "off")
                + ", " + Nd4j.getEnvironment().maxThreads() + " threads";
    }

    /** nd4j-api's version from its Maven properties in the jar. */
    static String version() {
        try (var in = Nd4jConv.class.getResourceAsStream("/META-INF/maven/org.nd4j/nd4j-api/pom.properties")) {
            var p = new java.util.Properties();
            if (in != null) p.load(in);
            return p.getProperty("version", "(version unknown)");
        } catch (java.io.IOException e) {
            return "(version unknown)";
        }
    }

    Nd4jConv(Conv2dShape s, float[] x, float[] w) {
        var p = s.params();
        if (p.padTop() != p.padBottom() || p.padLeft() != p.padRight()) {
            throw new IllegalArgumentException("ND4J's conv2d takes symmetric padding; " + s + " has not");
        }
        Conv2DConfig config = Conv2DConfig.builder().kH(s.r()).kW(s.s()).sH(p.strideH()).sW(p.strideW())
                .pH(p.padTop()).pW(p.padLeft()).dH(p.dilationH()).dW(p.dilationW()).paddingMode(PaddingMode.VALID)
                .dataFormat("NCHW").weightsFormat(WeightsFormat.OIYX).build();
        INDArray in = Nd4j.create(x, new long[] {s.n(), s.c(), s.h(), s.w()}, DataType.FLOAT);
        y = Nd4j.create(DataType.FLOAT, s.n(), s.k(), s.p(), s.q());
        if (s.groups() == 1) {
            op = new Conv2D(in, Nd4j.create(w, new long[] {s.k(), s.c(), s.r(), s.s()}, DataType.FLOAT), null, y,
                    config);
        } else if (s.groups() == s.c() && s.k() == s.c()) {
            float[] rsc = new float[w.length]; // [C,1,R,S] -> [R,S,C,1]
            for (int c = 0; c < s.c(); c++) {
                for (int i = 0; i < s.r() * s.s(); i++) rsc[i * s.c() + c] = w[c * s.r() * s.s() + i];
            }
            Conv2DConfig dw = Conv2DConfig.builder().kH(s.r()).kW(s.s()).sH(p.strideH()).sW(p.strideW())
                    .pH(p.padTop()).pW(p.padLeft()).dH(p.dilationH()).dW(p.dilationW())
                    .paddingMode(PaddingMode.VALID).dataFormat("NCHW").build();
            op = new DepthwiseConv2D(in, Nd4j.create(rsc, new long[] {s.r(), s.s(), s.c(), 1}, DataType.FLOAT), null,
                    y, dw);
        } else {
            throw new IllegalArgumentException("ND4J has no grouped conv2d for " + s + " (dense or depthwise only)");
        }
    }

    /** y = conv(x, w); returns when done (ND4J's CPU ops are synchronous). */
    void forward() {
        Nd4j.exec(op);
    }

    float[] y() {
        return y.dup().data().asFloat();
    }

    @Override
    public void close() {
        y.close();
    }
}
