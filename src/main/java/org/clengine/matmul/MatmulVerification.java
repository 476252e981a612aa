package org.clengine.matmul;

import static org.clengine.core.DType.BF16;
import static org.clengine.core.DType.F16;
import static org.clengine.core.DType.F32;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.clengine.verify.OpVerification;

/**
 * verify's GEMM rows: the benchmark shapes, ResNet-50 convolution GEMMs, awkward sizes. Each descriptor runs on
 * every path (plain, packed, B read in place) with alpha/beta, over a NaN-filled C with beta = 0, with a bias and
 * ReLU, as sub-matrices, with small integers that must match exactly, and with A, B, C in F16/BF16. A path is forced by running the device's
 * ops with their policy's path changed; the reference has one path (AUTO).
 */
public final class MatmulVerification implements OpVerification<MatmulOps> {

    @Override
    public List<String> shapes() {
        return List.of("m1n1k1", "m7n93k257", "m93n7k257tatb", "m257n257k257ta", "m256n256k256tb",
                "m512n512k512", "m64n3136k576", "m576n3136k64", "m256n784k2304",
                "m1000n1k2048", "m1n1000k2048tb", "b4m31n37k41", "m17n19k4096");
    }

    /**
     * Small enough for Oclgrind: a 1×1×1; M and N each one full register-tile panel and a partial one under both
     * families' tiles, with K over the CPU family's K block (257: two blocks) and not a multiple of the pack length;
     * both transposed; strided batches.
     */
    @Override
    public List<String> coverageShapes() {
        return List.of("m1n1k1", "m19n37k257", "m37n19k41tatb", "b3m9n35k17");
    }

    @Override
    public List<Row> run(MatmulOps device, MatmulOps reference, String descriptor, long seed) {
        MatmulShape s = MatmulShape.parse(descriptor);
        List<MatmulCase> cases = List.of(
                MatmulCase.of(s, MatmulParams.DEFAULT),
                MatmulCase.of(s, MatmulParams.of(-1.5f, 0.75f)).padded(),
                MatmulCase.of(s, MatmulParams.of(0.5f, 0).withBias(MatmulBias.PER_COLUMN).withRelu(true)),
                MatmulCase.of(s, MatmulParams.of(2, -1).withBias(MatmulBias.PER_ROW)).withIntegers(),
                // 16-bit storage: each (A/B dtype, C dtype) pair is its own build of the kernels
                MatmulCase.of(s, MatmulParams.of(-1.5f, 0.75f)).padded().withTypes(new MatmulTypes(BF16, BF16)),
                MatmulCase.of(s, MatmulParams.DEFAULT.withBias(MatmulBias.PER_ROW).withRelu(true))
                        .withTypes(new MatmulTypes(F16, F16)),
                MatmulCase.of(s, MatmulParams.DEFAULT).withTypes(new MatmulTypes(F16, F32)),
                MatmulCase.of(s, MatmulParams.of(0.5f, 0).withBias(MatmulBias.PER_COLUMN).withRelu(true))
                        .withTypes(new MatmulTypes(BF16, F32)));
        List<MatmulVerifier.Prepared> prepared = cases.stream().map(c -> MatmulVerifier.prepare(reference, c, seed))
                .toList();
        List<Row> rows = new ArrayList<>();
        for (MatmulPath path : paths(device)) {
            MatmulOps ops = device.policy() == null ? device : device.withPolicy(device.policy().withPath(path));
            for (MatmulVerifier.Prepared p : prepared) {
                MatmulCase mc = p.matmulCase();
                String variant = path.name().toLowerCase(Locale.ROOT) + " " + mc.params().label()
                        + (mc.label().contains("ld+") ? " ld+" : "") + (mc.integers() ? " int" : "")
                        + (mc.types().equals(MatmulTypes.F32) ? "" : " " + mc.types().label());
                rows.add(new Row(descriptor, variant, MatmulVerifier.compare(ops, p)));
            }
        }
        return rows;
    }

    /** Every path on a device; the reference, which has no policy, computes one way. */
    private static List<MatmulPath> paths(MatmulOps device) {
        return device.policy() != null
                ? List.of(MatmulPath.PLAIN, MatmulPath.PACKED, MatmulPath.DIRECT_B, MatmulPath.DIRECT_AB,
                    MatmulPath.TILED, MatmulPath.AUTO)
                : List.of(MatmulPath.AUTO);
    }
}
