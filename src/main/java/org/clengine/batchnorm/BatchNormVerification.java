package org.clengine.batchnorm;

import java.util.ArrayList;
import java.util.List;
import org.clengine.core.DType;
import org.clengine.verify.Comparison;
import org.clengine.verify.OpVerification;

/**
 * verify's batch norm rows: ResNet-50's BN layers at batch 2, the 2-D benchmark shape and awkward sizes. Shapes of up
 * to {@link #HALF_ROWS_UP_TO} elements (the coverage shapes among them, so Oclgrind checks those builds) also run
 * every variant with F16 and BF16 activations, rows labelled {@code f16 train}, ....
 */
public final class BatchNormVerification implements OpVerification<BatchNormOps> {
    /** The largest shape with 16-bit rows: small, so verify and Oclgrind stay quick. */
    public static final long HALF_ROWS_UP_TO = 1 << 16;

    @Override
    public List<String> shapes() {
        return List.of("mb2ic64ih112iw112", "mb2ic64ih56iw56", "mb2ic256ih56iw56", "mb2ic128ih28iw28",
                "mb2ic512ih28iw28", "mb2ic256ih14iw14", "mb2ic1024ih14iw14", "mb2ic512ih7iw7", "mb2ic2048ih7iw7",
                "mb128ic2048", "mb32ic64ih56iw56", "mb1ic1ih1iw2", "mb7ic13ih11iw17", "mb97ic5");
    }

    /**
     * Under either family's default policy: the row path (H·W ≥ 16), the positions path's three kernels each way
     * (H·W = 9) and the single-launch path (N×C input, N within one row chunk).
     */
    @Override
    public List<String> coverageShapes() {
        return List.of("mb3ic5ih7iw9", "mb9ic2ih3iw3", "mb13ic37");
    }

    @Override
    public List<Row> run(BatchNormOps device, BatchNormOps reference, String descriptor, long seed) {
        BatchNormShape shape = BatchNormShape.parse(descriptor);
        List<Row> rows = new ArrayList<>();
        for (DType act : DType.values()) {
            if (act != DType.F32 && shape.elements() > HALF_ROWS_UP_TO) continue;
            String prefix = act == DType.F32 ? "" : act.name().toLowerCase(java.util.Locale.ROOT) + " ";
            for (BatchNormVariant v : BatchNormVariant.values()) {
                for (Comparison c : BatchNormVerifier.run(device, reference, shape, v, seed, act)) {
                    rows.add(new Row(descriptor, prefix + v.label(), c));
                }
            }
        }
        rows.addAll(GhostRenormVerification.rows(device, reference, descriptor, seed));
        return rows;
    }
}
