package org.clengine.sgd;

import static org.clengine.core.HostTensor.data;

import org.clengine.core.HostTensor;
import org.clengine.core.Memory;
import org.clengine.core.Tensor;

/**
 * One SGD step as plain math in double on the host, the oracle for kernels/sgd.cl, rounding to fp32 where PyTorch's
 * tensors do (d, buf, p). buf is null when momentum is 0.
 * The static method is the math on arrays, for tests that work by hand.
 */
public final class SgdReference extends SgdOps {

    public SgdReference() {
        super(Memory.HOST);
    }

    @Override
    protected void updateChecked(Tensor param, Tensor momentumBuffer, Tensor grad, SgdParams params,
            Tensor halfCopy) {
        update(data(param), data(momentumBuffer), data(grad), params);
        if (halfCopy != null) { // the new fp32 weights, rounded once to the copy's dtype
            System.arraycopy(data(param), 0, data(halfCopy), 0, param.size());
            HostTensor.round(halfCopy);
        }
    }

    public static void update(float[] param, float[] buf, float[] grad, SgdParams p) {
        for (int i = 0; i < param.length; i++) {
            // d is an fp32 tensor in PyTorch (d_p.add(p, alpha=wd)) and a float in the kernel: rounded here too, or
            // a d past the float range would stay finite here and be infinite there
            double d = (float) (grad[i] + (double) p.weightDecay() * param[i]);
            if (buf != null) {
                buf[i] = (float) ((double) p.momentum() * buf[i] + d);
                d = buf[i];
            }
            param[i] = (float) (param[i] - (double) p.lr() * d);
        }
    }
}
