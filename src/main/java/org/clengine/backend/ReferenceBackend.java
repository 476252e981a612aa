package org.clengine.backend;

import org.clengine.batchnorm.BatchNormOps;
import org.clengine.conv2d.Conv2dOps;
import org.clengine.elementwise.ElementwiseOps;
import org.clengine.loss.LossOps;
import org.clengine.matmul.MatmulOps;
import org.clengine.pooling.PoolingOps;
import org.clengine.sgd.SgdOps;
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
    public BatchNormOps batchNorm() {
        return batchNorm;
    }

    @Override
    public Conv2dOps conv2d() {
        return conv2d;
    }

    @Override
    public MatmulOps matmul() {
        return matmul;
    }

    @Override
    public PoolingOps pooling() {
        return pooling;
    }

    @Override
    public ElementwiseOps elementwise() {
        return elementwise;
    }

    @Override
    public LossOps loss() {
        return loss;
    }

    @Override
    public SgdOps sgd() {
        return sgd;
    }

    @Override
    public void close() {
        // nothing native to release
    }
}
