package org.clengine.bench;

import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.clengine.device.Ceilings;
import org.clengine.device.Device;
import org.clengine.device.DeviceBuffer;
import org.clengine.device.DeviceInfo;
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
 * The device's compute ceiling, measured in the same run as the GEMMs it bounds: {@code peak_fma} of kernels/peak.cl
 * ({@link Ceilings}: 18 independent float16 FMA chains per work-item, 8 work-items per compute unit on CPUs), a
 * fixed number of steps per launch. GFLOP/s = 2 · 16 lanes · 18 chains · items · steps / median time. The row's
 * {@code shape}, {@code variant} and {@code system} are fixed labels.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
@State(Scope.Benchmark)
public class PeakBench {
    static final String OP = "peak_fma";

    @Param({"fma"})
    public String shape;

    @Param({"float16x18"})
    public String variant;

    @Param({"peak"})
    public String system;

    private Device device;
    private DeviceBuffer out;
    private Ceilings.FmaLaunch launch;
    private int iters;

    /** Steps per launch: 2^24 chain steps in all, 9.7 GFLOP, ≈ 25–40 ms at 250–400 GFLOP/s. */
    static int iters(Ceilings.FmaLaunch l) {
        return (int) Math.max(1024, (1L << 24) / l.items());
    }

    /** FLOPs of one invocation on this device. */
    static double flops(DeviceInfo info) {
        Ceilings.FmaLaunch l = Ceilings.FmaLaunch.forDevice(info);
        return l.flops(iters(l));
    }

    /** What one invocation does on the chosen device, for the notes. */
    static String flopsLine() {
        Ceilings.FmaLaunch l = Ceilings.FmaLaunch.forDevice(org.clengine.device.DeviceManager.choose().device());
        return String.format(Locale.ROOT, "%d work-items (local %d) × %d chains × 16 lanes × %d steps × 2 FLOP = "
                + "%.2f GFLOP per invocation", l.items(), l.local(), Ceilings.CHAINS, iters(l), l.flops(iters(l)) / 1e9);
    }

    @Setup(Level.Trial)
    public void setUp() {
        device = Device.open();
        launch = Ceilings.FmaLaunch.forDevice(device.info());
        iters = iters(launch);
        out = device.allocate(launch.items() * Float.BYTES);
        int steps = 37;
        Ceilings.launch(device, out, launch, steps);
        float[] got = new float[(int) launch.items()];
        device.read(out, got);
        for (int i = 0; i < got.length; i++) {
            if (got[i] != Ceilings.expected(i, steps)) {
                throw new IllegalStateException("peak_fma item " + i + " gave " + got[i] + ", its twin "
                        + Ceilings.expected(i, steps));
            }
        }
        System.out.printf(Locale.ROOT, "check peak_fma on %s: %d work-items (local %d) match the twin bit for bit; "
                + "timed with %d steps per launch%n", device.info().name(), launch.items(), launch.local(), iters);
        fma();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (out != null) out.close();
        if (device != null) device.close();
    }

    @Benchmark
    public void fma() {
        Ceilings.launch(device, out, launch, iters);
        device.finish();
    }
}
