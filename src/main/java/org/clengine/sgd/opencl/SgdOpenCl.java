package org.clengine.sgd.opencl;

import static org.clengine.core.TensorChecks.ceilDiv;
import static org.clengine.core.TensorChecks.roundUp;
import static org.clengine.device.ClTensor.buffer;

import org.clengine.core.DType;
import org.clengine.core.Tensor;
import org.clengine.device.Device;
import org.clengine.sgd.SgdKernel;
import org.clengine.sgd.SgdOps;
import org.clengine.sgd.SgdParams;
import org.clengine.sgd.SgdPolicy;

/**
 * SGD on one OpenCL device through kernels/sgd.cl: one work-item per span of parameters ({@link SgdPolicy}).
 * Arguments are checked by {@link SgdOps}.
 */
public final class SgdOpenCl extends SgdOps {
    private final Device device;
    private final SgdPolicy policy;

    public SgdOpenCl(Device device, SgdPolicy policy) {
        super(device);
        if (policy == null) throw new IllegalArgumentException("policy is null");
        this.device = device;
        this.policy = policy;
    }

    public SgdPolicy policy() {
        return policy;
    }

    /**
     * MOMENTUM=0 builds a kernel that neither reads nor writes the (null) buffer; COPY=1 with ACT=1|2 one that also
     * stores the new weights into the 16-bit copy (F16|BF16); without a copy the options are the fp32 kernel's.
     */
    @Override
    protected void updateChecked(Tensor param, Tensor momentumBuffer, Tensor grad, SgdParams p, Tensor halfCopy) {
        long n = param.size(), span = policy.span(), local = policy.local();
        String copy = halfCopy == null ? "" : " -DCOPY=1 -DACT=" + (halfCopy.dtype() == DType.F16 ? 1 : 2);
        device.launch(SgdKernel.UPDATE.binding(), "-DMOMENTUM=" + (p.hasMomentum() ? 1 : 0) + copy,
                new long[] {roundUp(ceilDiv(n, span), local)}, new long[] {local}, buffer(param),
                buffer(momentumBuffer), buffer(halfCopy), buffer(grad), p.lr(), p.momentum(), p.weightDecay(), n,
                span);
    }
}
