package org.clengine.sgd;

import static org.clengine.core.TensorChecks.presence;
import static org.clengine.core.TensorChecks.require;

import org.clengine.core.Aliasing;
import org.clengine.core.DType;
import org.clengine.core.Memory;
import org.clengine.core.TensorChecks;
import org.clengine.core.Tensor;

/**
 * Checks SGD calls; both backends call these. param and the momentum buffer are updated in place (that is the
 * op); neither may share storage with grad or with the other (views included): each is read and written as its
 * own array.
 */
public final class SgdArgs {
    private SgdArgs() {
    }

    public static void check(Memory b, Tensor param, Tensor momentumBuffer, Tensor grad, SgdParams p) {
        check(b, param, momentumBuffer, grad, p, null);
    }

    /** halfCopy: null, or F16/BF16 of param's shape, sharing storage with nothing else of the call. */
    public static void check(Memory b, Tensor param, Tensor momentumBuffer, Tensor grad, SgdParams p,
            Tensor halfCopy) {
        if (p == null) throw new IllegalArgumentException("params is null");
        require(b, "param", param);
        require(b, "grad", grad, param.shape());
        presence("momentum buffer", momentumBuffer, p.hasMomentum(), "when momentum is " + p.momentum());
        if (momentumBuffer != null) require(b, "momentum buffer", momentumBuffer, param.shape());
        if (halfCopy != null) {
            TensorChecks.requireAnyDType(b, "halfCopy", halfCopy, param.shape());
            if (halfCopy.dtype() == DType.F32) {
                throw new IllegalArgumentException("halfCopy must be F16 or BF16 (the 16-bit copy of the fp32 "
                        + "weights), got F32");
            }
        }
        Aliasing.outputs("param", param, "momentum buffer", momentumBuffer, "halfCopy", halfCopy)
                .inputs("grad", grad).check();
    }
}
