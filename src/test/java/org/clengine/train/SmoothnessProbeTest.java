package org.clengine.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.clengine.backend.Backend;
import org.clengine.data.Batches;
import org.clengine.data.Dataset;
import org.clengine.nn.LrSchedule;
import org.clengine.nn.Parameter;
import org.clengine.nn.Sequential;
import org.clengine.nn.Sgd;
import org.clengine.testing.TestBackends;
import org.junit.jupiter.api.Test;

/**
 * {@link Trainer#lossAndGradient} and {@link SmoothnessProbe} on the reference backend (bitwise deterministic) with
 * train's CNN at 8×8: the gradient is a step's gradient without the step, and a probe leaves the model, its
 * running statistics and the optimizer's momentum exactly as they were.
 */
class SmoothnessProbeTest {
    static final int BATCH = 8;
    static final double LR = 0.05;
    static final Backend REF = TestBackends.REFERENCE;
    static final Dataset DATA = DeviceMemoryTest.synthetic(32, 5, 8, 8, 5, 11);

    /** A model with its optimizer and trainer, the same weights for the same seed. */
    private record Run(Sequential net, Sgd sgd, Trainer trainer) implements AutoCloseable {
        static Run of(Models.Norm norm) {
            Sequential net = Models.build(Models.Kind.CNN, REF, 1, 8, 8, 5, norm, 3);
            Sgd sgd = new Sgd(net.parameters(), LR, 0.9, 0);
            return new Run(net, sgd, new Trainer(net, sgd, LrSchedule.constant(LR), BATCH));
        }

        @Override
        public void close() {
            trainer.close();
            sgd.close();
            net.close();
        }
    }

    @Test
    void lossAndGradientIsAStepWithoutTheUpdate() {
        Batches batches = new Batches(DATA, BATCH, true);
        try (Run a = Run.of(Models.Norm.BEFORE_RELU); Run b = Run.of(Models.Norm.BEFORE_RELU)) {
            Map<String, int[]> weights = bits(a.net, false);
            double loss = a.trainer.lossAndGradient(batches, 1);
            Trainer.Step step = b.trainer.trainStep(batches, 1);
            assertEquals(step.loss(), loss, 0, "the same loss as the step's");
            a.net.parameters().forEach((k, p) -> assertArrayEquals(b.net.parameters().get(k).grad().toArray(),
                    p.grad().toArray(), 0, k + ": the step's gradient"));
            Map<String, int[]> after = bits(a.net, false);
            a.net.parameters().keySet().forEach(k -> assertArrayEquals(weights.get(k), after.get(k),
                    k + " was not updated"));
            assertEquals(0, a.trainer.steps(), "no step counted");
        }
    }

    @Test
    void probeLeavesModelStatisticsAndMomentumBitIdentical() {
        for (Models.Norm norm : List.of(Models.Norm.BEFORE_RELU, Models.Norm.NONE)) {
            SmoothnessProbe probe = new SmoothnessProbe(0.05, 0.2, 0.4);
            Batches ba = new Batches(DATA, BATCH, true);
            Batches bb = new Batches(DATA, BATCH, true);
            try (Run a = Run.of(norm); Run b = Run.of(norm)) {
                for (int s = 0; s < 2; s++) {
                    a.trainer.trainStep(ba, s);
                    b.trainer.trainStep(bb, s);
                }
                Map<String, int[]> before = bits(a.net, true);
                SmoothnessProbe.Result r = probe.probe(a.trainer, ba, 2);
                assertTrue(Double.isFinite(r.beta()) && r.beta() > 0, r.toString());
                assertStateEquals(before, bits(a.net, true), norm + ": right after the probe");
                // the probed run goes on exactly as the unprobed one: momentum buffers and step count untouched
                for (int s = 2; s < 4; s++) {
                    a.trainer.trainStep(ba, s);
                    b.trainer.trainStep(bb, s);
                }
                assertStateEquals(bits(b.net, true), bits(a.net, true), norm + ": two steps after the probe");
                assertEquals(b.trainer.steps(), a.trainer.steps());
            }
        }
    }

    /** One step size: the band is the loss at w − ηg, and β is the gradient change over ‖ηg‖, computed by hand. */
    @Test
    void probeMeasuresWhatItSays() {
        double eta = 0.3;
        Batches batches = new Batches(DATA, BATCH, true);
        try (Run a = Run.of(Models.Norm.BEFORE_RELU)) {
            a.trainer.trainStep(batches, 0);
            SmoothnessProbe.Result r = new SmoothnessProbe(eta).probe(a.trainer, batches, 1);

            List<Parameter> ps = List.copyOf(a.net.parameters().values());
            double loss = a.trainer.lossAndGradient(batches, 1);
            float[][] g = new float[ps.size()][];
            for (int i = 0; i < g.length; i++) g[i] = ps.get(i).grad().toArray();
            for (int i = 0; i < g.length; i++) {
                float[] w = ps.get(i).value().toArray();
                for (int j = 0; j < w.length; j++) w[j] = (float) (w[j] - eta * g[i][j]);
                ps.get(i).value().copyFrom(w);
            }
            double moved = a.trainer.lossAndGradient(batches, 1);
            float[][] h = new float[ps.size()][];
            for (int i = 0; i < h.length; i++) h[i] = ps.get(i).grad().toArray();

            assertEquals(loss, r.loss(), 0);
            assertEquals(moved, r.lossMin(), 0);
            assertEquals(moved, r.lossMax(), 0);
            assertNotEquals(loss, moved, "the step moved the loss");
            double gNorm = SmoothnessProbe.distance(g, null);
            assertEquals(gNorm, r.gradientNorm(), 1e-12 * gNorm);
            double change = SmoothnessProbe.distance(g, h);
            assertEquals(change, r.gradientChange(), 1e-12 * change);
            assertEquals(change / (eta * gNorm), r.beta(), 1e-9 * r.beta());
        }
    }

    @Test
    void stepSizesMustBePositive() {
        assertThrows(IllegalArgumentException.class, SmoothnessProbe::new);
        assertThrows(IllegalArgumentException.class, () -> new SmoothnessProbe(0.1, 0));
        assertThrows(IllegalArgumentException.class, () -> new SmoothnessProbe(Double.NaN));
    }

    /** Raw bits of every parameter value (and, with {@code all}, gradient, buffer and counter), by name. */
    private static Map<String, int[]> bits(Sequential net, boolean all) {
        Map<String, int[]> out = new LinkedHashMap<>();
        net.parameters().forEach((k, p) -> {
            out.put(k, raw(p.value().toArray()));
            if (all) out.put(k + ".grad", raw(p.grad().toArray()));
        });
        if (all) {
            net.buffers().forEach((k, t) -> out.put(k, raw(t.toArray())));
            net.counters().forEach((k, v) -> out.put(k, new int[] {(int) (long) v, (int) (v >>> 32)}));
        }
        return out;
    }

    private static int[] raw(float[] v) {
        int[] bits = new int[v.length];
        for (int i = 0; i < v.length; i++) bits[i] = Float.floatToRawIntBits(v[i]);
        return bits;
    }

    private static void assertStateEquals(Map<String, int[]> expected, Map<String, int[]> got, String when) {
        assertEquals(expected.keySet(), got.keySet(), when);
        expected.forEach((k, v) -> assertArrayEquals(v, got.get(k), when + ": " + k + " differs"));
    }
}
