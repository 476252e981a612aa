package org.clengine.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.clengine.conv2d.Conv2dShape;

/**
 * How the runner reads {@link Conv2dBench}: ops {@code conv2d_fwd}, {@code conv2d_bwd_data},
 * {@code conv2d_bwd_weights} (variant plain), {@code conv2d_gemm} (the forward's GEMM, the ceiling) and
 * {@code conv2d_bn_fwd_train} (variants fused, unfused; on {@link Conv2dBench#BN_SHAPE} only). Fractions are of
 * the {@code conv2d_gemm} row of the same layer in the same run; that row's own fraction is of the FMA peak when
 * the run measured one.
 */
final class Conv2dFamily implements BenchFamily {
    static final List<String> METHODS = List.of("forward", "backwardData", "backwardWeights");
    static final List<String> BN_VARIANTS = List.of("fused", "unfused");

    @Override
    public String stem() {
        return "conv2d";
    }

    @Override
    public Class<?> benchmark() {
        return Conv2dBench.class;
    }

    @Override
    public List<String> shapes() {
        return Conv2dBench.SHAPES;
    }

    @Override
    public List<String> variants() {
        return List.of("plain", "fused", "unfused");
    }

    @Override
    public String op(String method) {
        return Conv2dBench.OPS.get(method);
    }

    /** The convolution's FLOPs (2·N·K·P·Q·C/g·R·S) for every op; for conv + BN the BN's few FLOPs are not counted. */
    @Override
    public Work work(String op, String shape, String variant) {
        if (!variants().contains(variant)) {
            throw new IllegalArgumentException("unknown conv2d variant '" + variant + "'; known: " + variants());
        }
        return new Work(Math.round(Conv2dShape.parse(shape).flops()), 0);
    }

    @Override
    public long copyFloats(String shape) {
        return 0;
    }

    @Override
    public List<PythonPeer> peers() {
        return List.of(PythonPeer.TORCH_CONV);
    }

    @Override
    public List<Trials> trials(List<String> shapes, List<String> variants, boolean peers) {
        List<Trials> out = new ArrayList<>();
        if (variants.contains("plain")) {
            out.add(trials(METHODS, shapes, List.of("plain"), BenchSystems.CLENGINE));
            List<String> dense = shapes.stream().filter(d -> Conv2dShape.parse(d).groups() == 1).toList();
            if (!dense.isEmpty()) out.add(trials(List.of("gemm"), dense, List.of("plain"), BenchSystems.CLENGINE));
            if (peers && BenchSystems.nd4jPresent()) {
                out.add(trials(List.of("forward"), shapes, List.of("plain"), Conv2dBench.ND4J));
            }
        }
        List<String> bn = variants.stream().filter(BN_VARIANTS::contains).toList();
        if (!bn.isEmpty() && shapes.contains(Conv2dBench.BN_SHAPE)) {
            out.add(trials(List.of("convBatchNorm"), List.of(Conv2dBench.BN_SHAPE), bn, BenchSystems.CLENGINE));
        }
        return out;
    }

    private static Trials trials(List<String> methods, List<String> shapes, List<String> variants, String system) {
        return new Trials(Conv2dBench.class, methods, Map.of("shape", shapes, "variant", variants,
                "system", List.of(system)));
    }

    @Override
    public List<String> notes(boolean peers) {
        List<String> out = new ArrayList<>(List.of("conv2d_gemm: clengine's batched matmul with the layer's forward "
                + "GEMM shape (e.g. b32m64n3136k576 for mb32ic64ih56iw56oc64kh3kw3ph1), W shared (stride 0), on a "
                + "random col matrix made in setup; the forward itself runs im2col and the same GEMM in chunks of "
                + "images (≤ 8 MiB of col, at least one image; 1×1 layers read x in one piece)",
                "conv2d_bn_fwd_train: conv2dBatchNormForwardTraining (fused: BN "
                + "statistics taken chunk by chunk as the conv writes) vs conv2dForward then batchNormForwardTraining "
                + "(unfused); GFLOP/s count the conv only"));
        if (peers && BenchSystems.nd4jPresent()) {
            out.add("nd4j: ND4J " + Nd4jConv.version() + " nd4j-native " + Nd4jConv.EXTENSION.substring(1)
                    + " (oneDNN inside), conv2d (OIYX weights) or depthwise_conv2d, NCHW, forward only, its "
                    + "default threads (one per core)");
        }
        return out;
    }

    /** GFLOP/s over the same layer's conv2d_gemm GFLOP/s; the GEMM row itself over the FMA peak, if measured. */
    @Override
    public Double fraction(Row row, List<Row> rows) {
        if (row.gflops() == null) return null;
        if (row.op().equals("conv2d_gemm")) return MatmulBench.peakFraction(row, rows);
        return rows.stream().filter(r -> r.op().equals("conv2d_gemm") && r.shape().equals(row.shape())
                && r.system().equals(BenchSystems.CLENGINE)).findFirst().map(g -> row.gflops() / g.gflops())
                .orElse(null);
    }
}
