package org.clengine.device;


/**
 * The device's measured compute ceiling: {@code peak_fma} of kernels/peak.cl, {@value #CHAINS} independent
 * {@code float16} FMA chains per work-item, 8 work-items per compute unit on CPUs. What GEMM and convolution
 * benchmarks report their fraction of. Measured, not computed from the clock: a shared or throttled machine gives
 * less than cores × FLOP/cycle × GHz, and the fraction should be of what the device can do now.
 */
public final class Ceilings {
    public static final String FILE = "peak.cl";
    public static final String KERNEL = "peak_fma";
    /** peak_fma's binding: the kernel the ceiling launches. */
    public static final KernelBinding PEAK_FMA = KernelBinding.of(FILE, KERNEL, KernelBinding.buffer("out"),
            KernelBinding.i32("iters"), KernelBinding.f32("a"), KernelBinding.f32("b"));
    /** Independent float16 chains per work-item: enough to hide FMA latency on two pipes, few enough for registers. */
    public static final int CHAINS = 18;
    /** The chain step acc = fma(acc, A, B): converges to B / (1 − A) = 2, never denormal. */
    static final float A = 0.5f;
    static final float B = 1.0f;

    private Ceilings() {
    }

    /** Launch geometry of {@code peak_fma}: work-items and local size. */
    public record FmaLaunch(long items, long local) {
        public static FmaLaunch forDevice(DeviceInfo info) {
            // 8 items per unit, not 1: PoCL's threads take work-groups as they come, so when another process
            // holds a core for a while the other thread takes over its share instead of the launch waiting for it
            if (info.typeName().equals("cpu")) return new FmaLaunch(8L * info.computeUnits(), 1);
            long local = Math.min(64, info.maxWorkGroupSize());
            return new FmaLaunch(info.computeUnits() * 2048L / local * local, local);
        }

        /** FLOPs of one launch: 2 per lane per chain per step. */
        public double flops(int iters) {
            return 2.0 * 16 * CHAINS * items * iters;
        }
    }

    /** The best of several timed launches of {@code iters} steps each. */
    public record FmaPeak(double gflops, double bestMs, int iters, FmaLaunch launch) {
    }

    /** The device's fp32 FMA throughput in GFLOP/s: the best of 5 launches of about 0.1 s each. */
    public static double fmaPeakGflops(Device device) {
        return fmaPeak(device, 5, 0.1).gflops();
    }

    /**
     * Calibrates the steps per launch to about {@code seconds} (doubling from 1024 until the fastest of 3 launches
     * takes 20 ms, after a first launch that builds and specialises the kernel: a launch slowed by another process
     * must not end the calibration early), then returns the fastest of {@code repeats} launches, each enqueue +
     * finish, wall clock.
     */
    public static FmaPeak fmaPeak(Device device, int repeats, double seconds) {
        FmaLaunch l = FmaLaunch.forDevice(device.info());
        try (DeviceBuffer out = device.allocate(l.items() * Float.BYTES)) {
            int iters = 1024;
            best(device, out, l, iters, 1);
            double ms;
            while ((ms = best(device, out, l, iters, 3)) < 20 && iters < (1 << 29)) iters *= 2;
            iters = (int) Math.min(1 << 30, Math.max(1024, iters * (seconds * 1e3 / ms)));
            double best = best(device, out, l, iters, Math.max(1, repeats));
            return new FmaPeak(l.flops(iters) / best / 1e6, best, iters, l);
        }
    }

    /** The fastest of {@code launches} launches, in ms. */
    private static double best(Device device, DeviceBuffer out, FmaLaunch l, int iters, int launches) {
        double best = Double.POSITIVE_INFINITY;
        for (int i = 0; i < launches; i++) {
            long start = System.nanoTime();
            launch(device, out, l, iters);
            device.finish();
            best = Math.min(best, (System.nanoTime() - start) / 1e6);
        }
        return best;
    }

    /** Enqueues {@code peak_fma} once, {@code iters} steps per chain, into {@code out} (one float per work-item). */
    public static void launch(Device device, DeviceBuffer out, FmaLaunch l, int iters) {
        device.launch(PEAK_FMA, "-DCHAINS=" + CHAINS, new long[] {l.items()}, new long[] {l.local()}, out, iters, A,
                B);
    }

    /** The kernel's twin: out[item] after {@code iters} steps, with the kernel's fma steps and order of sums. */
    public static float expected(long item, int iters) {
        float[] s = new float[16];
        for (int c = 0; c < CHAINS; c++) {
            for (int lane = 0; lane < 16; lane++) {
                float acc = lane / 16.0f + (float) (item * CHAINS + c);
                for (int i = 0; i < iters; i++) acc = Math.fma(acc, A, B);
                s[lane] = c == 0 ? acc : s[lane] + acc;
            }
        }
        float t = s[0];
        for (int lane = 1; lane < 16; lane++) t += s[lane];
        return t;
    }
}
