package org.clengine.sgd;

import org.clengine.sgd.SgdParams;

/** One SGD step as plain math in double, the oracle for kernels/sgd.cl. buf is null when momentum is 0. */
public final class SgdReference {
    private SgdReference() {
    }

    public static void update(float[] param, float[] buf, float[] grad, SgdParams p) {
        for (int i = 0; i < param.length; i++) {
            double d = grad[i] + (double) p.weightDecay() * param[i];
            if (buf != null) {
                buf[i] = (float) ((double) p.momentum() * buf[i] + d);
                d = buf[i];
            }
            param[i] = (float) (param[i] - (double) p.lr() * d);
        }
    }
}
