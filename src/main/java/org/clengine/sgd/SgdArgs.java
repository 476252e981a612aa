package org.clengine.sgd;

import static org.clengine.core.TensorChecks.presence;
import static org.clengine.core.TensorChecks.require;

import org.clengine.core.Aliasing;
import org.clengine.core.Memory;
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
        if (p == null) throw new IllegalArgumentException("params is null");
        require(b, "param", param);
        require(b, "grad", grad, param.shape());
        presence("momentum buffer", momentumBuffer, p.hasMomentum(), "when momentum is " + p.momentum());
        if (momentumBuffer != null) require(b, "momentum buffer", momentumBuffer, param.shape());
        Aliasing.outputs("param", param, "momentum buffer", momentumBuffer).inputs("grad", grad).check();
    }
}
