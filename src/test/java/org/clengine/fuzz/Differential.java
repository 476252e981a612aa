package org.clengine.fuzz;

import java.util.List;
import org.clengine.backend.Backend;
import org.clengine.core.ClEngineException;
import org.clengine.core.TensorScope;
import org.clengine.testing.TestBackends;

/**
 * One call on both backends, judged: it runs on both and the outputs agree, or both refuse it with
 * IllegalArgumentException or the engine's exception and the same message (the backends' names aside). Anything
 * else is a failure: another exception, one backend refusing what the other ran, different messages, or outputs
 * that differ. A crash of the JVM ends the test run, which is a failure too.
 */
final class Differential {
    private Differential() {
    }

    /** The op under test: makes its tensors in {@code scope} (seeded data, alike on both), returns its outputs. */
    interface Call {
        List<float[]> run(Backend b, TensorScope scope);
    }

    /** What one backend did: outputs, or the message of the refusal, or the unexpected throwable. */
    private record Result(List<float[]> outputs, String refusal, Throwable broke) {
    }

    /** Runs {@code call} on both backends and tallies it in {@code run}; {@code relMax} bounds output differences. */
    static void check(FuzzRun run, String label, Call call, double relMax) {
        check(run, label, call, relMax, 0);
    }

    /**
     * As {@link #check(FuzzRun, String, Call, double)}, the bound taken relative to at least {@code floor}: for
     * outputs that are small differences of large terms (batch norm's dx over two values per channel), whose error
     * scales with the terms, not with the result.
     */
    static void check(FuzzRun run, String label, Call call, double relMax, double floor) {
        check(run, label, TestBackends.openCl(), call, relMax, floor);
    }

    /** As above, on the device backend {@code dev} (one with a forced path, say). */
    static void check(FuzzRun run, String label, Backend dev, Call call, double relMax, double floor) {
        Backend ref = TestBackends.REFERENCE;
        Result r = on(ref, call), d = on(dev, call);
        if (r.broke() != null || d.broke() != null) {
            Throwable t = r.broke() != null ? r.broke() : d.broke();
            run.fail(label + ": " + (r.broke() != null ? "reference" : "device") + " threw " + t);
        } else if (r.refusal() != null || d.refusal() != null) {
            String rm = neutral(r.refusal(), ref, dev), dm = neutral(d.refusal(), ref, dev);
            if (rm != null && rm.equals(dm)) run.refused();
            else run.fail(label + ": reference " + describe(rm) + ", device " + describe(dm));
        } else {
            String diff = compare(r.outputs(), d.outputs(), relMax, floor);
            if (diff == null) run.ran();
            else run.fail(label + ": " + diff);
        }
    }

    private static Result on(Backend b, Call call) {
        try (TensorScope scope = new TensorScope(b.memory())) {
            List<float[]> out = call.run(b, scope);
            return new Result(out, null, null);
        } catch (IllegalArgumentException | ClEngineException e) {
            return new Result(null, String.valueOf(e.getMessage()), null);
        } catch (RuntimeException | Error e) {
            return new Result(null, null, e);
        }
    }

    private static String neutral(String message, Backend ref, Backend dev) {
        return message == null ? null : message.replace(ref.name(), "B").replace(dev.name(), "B");
    }

    private static String describe(String refusal) {
        return refusal == null ? "ran" : "refused: " + refusal;
    }

    /** Null when every output agrees: NaN where the reference has NaN, equal infinities, else within relMax. */
    static String compare(List<float[]> ref, List<float[]> got, double relMax, double floor) {
        if (ref.size() != got.size()) return ref.size() + " outputs against " + got.size();
        for (int o = 0; o < ref.size(); o++) {
            float[] a = ref.get(o), b = got.get(o);
            if (a.length != b.length) return "output " + o + " has " + b.length + " floats, not " + a.length;
            double scale = floor;
            for (float v : a) if (Float.isFinite(v)) scale = Math.max(scale, Math.abs(v));
            double bound = relMax * scale + 1e-30;
            for (int i = 0; i < a.length; i++) {
                boolean same = Float.isNaN(a[i]) ? Float.isNaN(b[i])
                        : Float.isInfinite(a[i]) ? a[i] == b[i] : Math.abs((double) a[i] - b[i]) <= bound;
                if (!same) {
                    return "output " + o + " element " + i + ": reference " + a[i] + ", device " + b[i]
                            + " (bound " + bound + ")";
                }
            }
        }
        return null;
    }
}
