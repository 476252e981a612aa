package org.clengine.backend;

import org.clengine.batchnorm.BatchNormReference;
import org.clengine.conv2d.Conv2dReference;
import org.clengine.core.Memory;
import org.clengine.elementwise.ElementwiseReference;
import org.clengine.loss.LossReference;
import org.clengine.matmul.MatmulReference;
import org.clengine.pooling.PoolingReference;
import org.clengine.sgd.SgdReference;

/** The oracle: every op as plain Java loops with double accumulation, on the host. Needs no OpenCL. */
public final class ReferenceBackend implements Backend {
    private final BatchNormReference batchNorm = new BatchNormReference();
    private final Conv2dReference conv2d = new Conv2dReference();
    private final MatmulReference matmul = new MatmulReference();
    private final PoolingReference pooling = new PoolingReference();
    private final ElementwiseReference elementwise = new ElementwiseReference();
    private final LossReference loss = new LossReference();
    private final SgdReference sgd = new SgdReference();

    @Override
    public Memory memory() {
        return Memory.HOST;
    }

    @Override
    public BatchNormReference batchNorm() {
        return batchNorm;
    }

    @Override
    public Conv2dReference conv2d() {
        return conv2d;
    }

    @Override
    public MatmulReference matmul() {
        return matmul;
    }

    @Override
    public PoolingReference pooling() {
        return pooling;
    }

    @Override
    public ElementwiseReference elementwise() {
        return elementwise;
    }

    @Override
    public LossReference loss() {
        return loss;
    }

    @Override
    public SgdReference sgd() {
        return sgd;
    }

    @Override
    public void close() {
        // nothing native to release
    }
}
