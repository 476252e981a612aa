package org.clengine.conv2d;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.clengine.core.DType;
import org.clengine.verify.Comparison;
import org.clengine.verify.OpVerification;

/** verify's conv2d rows: ResNet-style layers at batch 1–2 and awkward configurations, in F32 and in 16 bits. */
public final class Conv2dVerification implements OpVerification<Conv2dOps> {

    @Override
    public List<String> shapes() {
        return List.of("mb2ic64ih56oc64kh3ph1", "mb2ic64ih56oc256kh1", "mb1ic128ih28oc128kh3ph1",
                "mb1ic256ih14oc256kh3ph1", "mb2ic64ih56oc128kh3sh2ph1", "g64mb2ic64ih28oc64kh3ph1",
                "mb3ic7ih13iw11oc5kh3kw2sh2sw1ph1pw0pb2pr1dh1dw0", "mb1ic1ih1oc1kh1");
    }

    @Override
    public List<String> coverageShapes() {
        // the row (depthwise) kernels; direct kernels (taps beyond the row kernels); the GEMM path with stride 1
        // (im2col, flipped filter, per-image weight GEMMs); backward-weights by dot products (P·Q >= 256); strided
        // backward-data by phases, and with dilation (col2im); the blocked kernel (3×3, 64 output channels: one
        // block) where the CPU family's AUTO takes it
        return List.of("mb2ic3ih7oc4kh3ph1", "mb1ic2ih8oc3kh6ph2", "mb2ic8ih7oc8kh3ph1", "mb1ic8ih16oc8kh3ph1",
                "mb2ic8ih9oc8kh3sh2ph1", "mb2ic8ih9oc8kh3sh2ph2dh1", "mb1ic3ih6oc64kh3ph1");
    }

    @Override
    public List<Row> run(Conv2dOps device, Conv2dOps reference, String descriptor, long seed) {
        Conv2dShape shape = Conv2dShape.parse(descriptor);
        List<Row> rows = new ArrayList<>();
        for (Conv2dVerifier.Variant v : Conv2dVerifier.Variant.values()) {
            for (Comparison c : Conv2dVerifier.run(device, reference, shape, v, seed)) {
                rows.add(new Row(descriptor, v.label(), c));
            }
            // one 16-bit dtype per (shape, op), alternating, so both builds of every kernel run at half the cost
            DType half = (descriptor.length() + v.ordinal()) % 2 == 0 ? DType.BF16 : DType.F16;
            if (!device.takes(half)) continue;
            for (Comparison c : Conv2dVerifier.run(device, reference, shape, v, half, seed)) {
                rows.add(new Row(descriptor, v.label() + " " + half.name().toLowerCase(Locale.ROOT), c));
            }
        }
        return rows;
    }
}
