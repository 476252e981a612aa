package org.clengine.bench;

import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.clengine.device.Device;
import org.clengine.elementwise.CopyKernel;
import org.clengine.device.DeviceBuffer;
import org.clengine.device.DeviceInfo;
import org.clengine.verify.Comparison;
import org.clengine.verify.RandomFill;
import org.clengine.verify.Tolerance;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The device's bandwidth ceiling, measured in the same run as the ops it bounds: {@code copy_float4} of
 * kernels/copy.cl from one buffer of {@code floats} floats into another. GB/s count the read and the write. The
 * launch geometry mirrors batch norm's apply kernels ({@code BatchNormTuning.forDevice}): on CPUs few work-items
 * each streaming a long span, local size 1; on GPUs many short spans in groups of 256 that coalesce.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
@State(Scope.Benchmark)
public class CopyBench {

    /** Floats per buffer; the runner passes each shape's largest tensor. Defaults: the batch norm shapes. */
    @Param({"6422528", "12845056", "262144"})
    public String floats;

    private Device device;
    private DeviceBuffer src, dst;
    private long n4, span;
    private long[] global, local;

    /** Launch geometry: float4s per work-item and the local size. */
    record Geometry(long span4, long local) {
        static Geometry forDevice(DeviceInfo info) {
            boolean cpu = info.typeName().equals("cpu");
            return new Geometry(cpu ? 4096 : 2, Math.min(cpu ? 1 : 256, info.maxWorkGroupSize()));
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        long n = Long.parseLong(floats);
        n4 = (n + 3) / 4;
        device = Device.open();
        Geometry g = Geometry.forDevice(device.info());
        span = g.span4();
        long items = (n4 + span - 1) / span;
        global = new long[] {(items + g.local() - 1) / g.local() * g.local()};
        local = new long[] {g.local()};
        src = device.allocate(n4 * 16);
        dst = device.allocate(n4 * 16);
        check();
        copy();
    }

    /** The copy must copy: random data through the kernel, read back, compared bit for bit. */
    private void check() {
        float[] data = new RandomFill(BatchNormBench.SEED).normal(Math.toIntExact(n4 * 4));
        device.write(src, data);
        device.fill(dst, Float.NaN, n4 * 4);
        copy();
        float[] got = new float[data.length];
        device.read(dst, got);
        Comparison c = Comparison.of("dst", data, got, Tolerance.EXACT);
        if (!c.passed()) throw new IllegalStateException("copy_float4 does not copy: " + c);
        System.out.printf(Locale.ROOT, "check copy_float4 over %d floats (span %d float4, local %d) on %s: exact%n",
                n4 * 4, span, local[0], device.info().name());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (dst != null) dst.close();
        if (src != null) src.close();
        if (device != null) device.close();
    }

    @Benchmark
    public void copy() {
        device.launch(CopyKernel.COPY_FLOAT4.binding(), "", global, local, dst, src, n4, span);
        device.finish();
    }
}
