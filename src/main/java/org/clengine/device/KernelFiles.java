package org.clengine.device;

import java.util.List;

/** Every file under kernels/, with the build options it is usually built with. The coverage test keeps this complete. */
public final class KernelFiles {
    public record Entry(String file, String options) {
    }

    public static final List<Entry> ALL = List.of(
            new Entry("batchnorm.cl", "-DAFFINE=1 -DFUSE=0"),
            new Entry("copy.cl", ""),
            new Entry("conv2d.cl", "-DHAS_BIAS=1 -DRELU=0"),
            new Entry("conv2d_depthwise.cl", "-DHAS_BIAS=1 -DRELU=0 -DKR=3 -DKS=3"),
            new Entry("matmul.cl", "-DMR=8 -DVW=16 -DNV=2"),
            new Entry("elementwise.cl", ""),
            new Entry("pooling.cl", "-DCOUNT_PAD=1"),
            new Entry("loss.cl", "-DHAS_GRAD=1"),
            new Entry("sgd.cl", "-DMOMENTUM=1"),
            new Entry("peak.cl", "-DCHAINS=18"));

    private KernelFiles() {
    }
}
