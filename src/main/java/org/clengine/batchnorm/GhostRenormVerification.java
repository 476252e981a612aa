package org.clengine.batchnorm;

import java.util.ArrayList;
import java.util.List;
import org.clengine.verify.Comparison;
import org.clengine.verify.OpVerification.Row;

/**
 * verify's ghost batch norm and batch renormalization rows, on batch norm's shapes: every
 * {@link GhostRenormVariant}, ghost with {@link GhostRenormVariant#virtualBatch}'s virtual batch (named in the row).
 */
final class GhostRenormVerification {
    private GhostRenormVerification() {
    }

    static List<Row> rows(BatchNormOps device, BatchNormOps reference, String descriptor, long seed) {
        BatchNormShape shape = BatchNormShape.parse(descriptor);
        int vb = GhostRenormVariant.virtualBatch(shape.n(), shape.hw());
        List<Row> rows = new ArrayList<>();
        for (GhostRenormVariant v : GhostRenormVariant.values()) {
            String label = v.mode == GhostRenormVariant.Mode.GHOST ? v.label() + "_vb" + vb : v.label();
            for (Comparison c : GhostRenormVerifier.run(device, reference, shape, v, vb, seed)) {
                rows.add(new Row(descriptor, label, c));
            }
        }
        return rows;
    }
}
