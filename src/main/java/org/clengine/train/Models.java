package org.clengine.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.clengine.backend.Backend;
import org.clengine.nn.Activation;
import org.clengine.nn.BatchNorm;
import org.clengine.nn.Conv2d;
import org.clengine.nn.Flatten;
import org.clengine.nn.Init;
import org.clengine.nn.Linear;
import org.clengine.nn.Module;
import org.clengine.nn.Pool;
import org.clengine.nn.ResidualBlock;
import org.clengine.nn.Sequential;
import org.clengine.pooling.Pool2dParams;

/**
 * The models {@code ./clengine train} offers, for C×H×W images and K classes. Batch norm goes before each ReLU
 * (fused with it), after it with {@code bnAfterRelu}, or nowhere with {@code batchNorm = false}; a convolution or
 * linear layer followed by batch norm has no bias (the norm's beta replaces it).
 * <ul>
 *   <li>{@code cnn}: [conv3×3 32, BN, ReLU, maxpool 2] → [conv3×3 64, BN, ReLU, maxpool 2] → flatten →
 *       linear 128, BN, ReLU → linear K</li>
 *   <li>{@code mlp}: flatten → [linear 256, BN, ReLU] × 2 → linear K</li>
 *   <li>{@code resnet}: conv3×3 16, BN, ReLU → residual blocks 16, 32 (stride 2), 64 (stride 2) → global average
 *       pool → linear K (batch norm before ReLU only)</li>
 * </ul>
 */
public final class Models {
    public enum Kind {
        CNN, MLP, RESNET;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Where batch norm goes. */
    public enum Norm { BEFORE_RELU, AFTER_RELU, NONE }

    private Models() {
    }

    public static Sequential build(Kind kind, Backend b, int channels, int height, int width, int classes, Norm norm,
            long seed) {
        Init init = new Init(seed);
        return switch (kind) {
            case CNN -> {
                List<Module> m = new ArrayList<>();
                convBlock(m, b, channels, 32, norm, init);
                m.add(Pool.max(b, Pool2dParams.of(2)));
                convBlock(m, b, 32, 64, norm, init);
                m.add(Pool.max(b, Pool2dParams.of(2)));
                m.add(new Flatten(b));
                linearBlock(m, b, 64 * (height / 4) * (width / 4), 128, norm, init);
                m.add(new Linear(b, 128, classes, true, init));
                yield new Sequential(b, m);
            }
            case MLP -> {
                List<Module> m = new ArrayList<>();
                m.add(new Flatten(b));
                linearBlock(m, b, channels * height * width, 256, norm, init);
                linearBlock(m, b, 256, 256, norm, init);
                m.add(new Linear(b, 256, classes, true, init));
                yield new Sequential(b, m);
            }
            case RESNET -> {
                if (norm == Norm.AFTER_RELU) {
                    throw new IllegalArgumentException("the resnet model puts batch norm before the ReLU only; "
                            + "use cnn or mlp for --bn-after-relu");
                }
                boolean bn = norm == Norm.BEFORE_RELU;
                List<Module> m = new ArrayList<>();
                convBlock(m, b, channels, 16, norm, init);
                m.add(new ResidualBlock(b, 16, 16, 1, bn, init));
                m.add(new ResidualBlock(b, 16, 32, 2, bn, init));
                m.add(new ResidualBlock(b, 32, 64, 2, bn, init));
                m.add(Pool.globalAvg(b));
                m.add(new Linear(b, 64, classes, true, init));
                yield new Sequential(b, m);
            }
        };
    }

    private static void convBlock(List<Module> m, Backend b, int in, int out, Norm norm, Init init) {
        m.add(new Conv2d(b, in, out, 3, 1, 1, norm != Norm.BEFORE_RELU, init));
        if (norm == Norm.BEFORE_RELU) m.add(BatchNorm.batchNorm2d(b, out));
        m.add(Activation.relu(b));
        if (norm == Norm.AFTER_RELU) m.add(BatchNorm.batchNorm2d(b, out));
    }

    private static void linearBlock(List<Module> m, Backend b, int in, int out, Norm norm, Init init) {
        m.add(new Linear(b, in, out, norm != Norm.BEFORE_RELU, init));
        if (norm == Norm.BEFORE_RELU) m.add(BatchNorm.batchNorm1d(b, out));
        m.add(Activation.relu(b));
        if (norm == Norm.AFTER_RELU) m.add(BatchNorm.batchNorm1d(b, out));
    }
}
