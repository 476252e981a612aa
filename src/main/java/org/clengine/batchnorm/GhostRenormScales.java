package org.clengine.batchnorm;

import java.util.HashMap;
import java.util.Map;
import org.clengine.batchnorm.BatchNormVerifier.Inputs;

/**
 * What each ghost / renorm output's error is measured against besides its own size (see
 * {@link org.clengine.verify.Comparison#of(String, float[], float[], org.clengine.verify.Tolerance, float[])}),
 * as {@link BatchNormVerifier} does for plain batch norm: y against |gamma·r·invstd|·max(|x|, |mean|) + |gamma·d|
 * (x − mean subtracts two fp32 values), a mean against its unit's spread, dx against |gamma·r·invstd·g|, dgamma and
 * dbeta against the L2 norm of their terms.
 */
final class Scales {
    private Scales() {
    }

    static Map<String, float[]> of(Inputs in, GhostRenormVariant v, int virtualBatch, Map<String, float[]> expected) {
        boolean ghost = v.mode == GhostRenormVariant.Mode.GHOST;
        int vb = ghost ? virtualBatch : in.shape().n();
        if (v.backward()) {
            GhostRenormVerifier.Saved saved = GhostRenormVerifier.Saved.of(in, v, virtualBatch);
            return backward(in, v, vb, saved);
        }
        return forward(in, v, vb, expected);
    }

    private static Map<String, float[]> forward(Inputs in, GhostRenormVariant v, int vb,
            Map<String, float[]> expected) {
        BatchNormShape s = in.shape();
        float[] mean = expected.get("mean");
        float[] invstd = expected.get("invstd");
        float[] r = expected.get("r");
        float[] d = expected.get("d");
        float[] y = new float[in.x().length];
        for (int i = 0; i < y.length; i++) {
            int c = (i / s.hw()) % s.c();
            int u = i / s.hw() / s.c() / vb * s.c() + c;
            double g = v.base.affine ? Math.abs(in.gamma()[c]) : 1;
            double rc = r == null ? 1 : Math.abs(r[c]);
            double dc = d == null ? 0 : Math.abs(d[c]);
            y[i] = (float) (g * rc * invstd[u] * Math.max(Math.abs(in.x()[i]), Math.abs(mean[u])) + g * dc);
        }
        float[] std = new float[mean.length];
        float[] channelStd = new float[s.c()];
        for (int u = 0; u < std.length; u++) {
            std[u] = 1 / invstd[u];
            channelStd[u % s.c()] = Math.max(channelStd[u % s.c()], std[u]);
        }
        Map<String, float[]> out = new HashMap<>();
        out.put("y", y);
        out.put("mean", std);
        out.put("run_mean", channelStd);
        return out;
    }

    private static Map<String, float[]> backward(Inputs in, GhostRenormVariant v, int vb,
            GhostRenormVerifier.Saved saved) {
        BatchNormShape s = in.shape();
        float[] dx = new float[in.dy().length];
        double[] gx2 = new double[s.c()];
        double[] g2 = new double[s.c()];
        for (int i = 0; i < dx.length; i++) {
            int c = (i / s.hw()) % s.c();
            int u = i / s.hw() / s.c() / vb * s.c() + c;
            double g = v.base.fusion.hasRelu() && !(saved.y()[i] > 0) ? 0 : in.dy()[i];
            double r = saved.r() == null ? 1 : saved.r()[c];
            double d = saved.d() == null ? 0 : saved.d()[c];
            double xhat = (in.x()[i] - saved.mean()[u]) * saved.invstd()[u];
            dx[i] = (float) Math.abs((v.base.affine ? in.gamma()[c] : 1) * r * saved.invstd()[u] * g);
            gx2[c] += r * g * xhat * r * g * xhat + d * g * d * g;
            g2[c] += g * g;
        }
        float[] dgamma = new float[s.c()];
        float[] dbeta = new float[s.c()];
        for (int c = 0; c < s.c(); c++) {
            dgamma[c] = (float) Math.sqrt(gx2[c]);
            dbeta[c] = (float) Math.sqrt(g2[c]);
        }
        return Map.of("dx", dx, "dgamma", dgamma, "dbeta", dbeta);
    }
}
