package org.clengine.nn;

import org.clengine.backend.Backend;
import org.clengine.pooling.Pool2dParams;
import org.clengine.pooling.Pool2dShape;
import org.clengine.core.Tensor;

/**
 * Pooling: PyTorch's {@code MaxPool2d}, {@code AvgPool2d} (count_include_pad as given) and global average pooling
 * ({@code AdaptiveAvgPool2d(1)} then flatten: [N,C,H,W] → [N,C]).
 */
public final class Pool extends Module {
    public enum Kind { MAX, AVG, GLOBAL_AVG }

    private final Kind kind;
    private final Pool2dParams params;
    private Tensor x;

    private Pool(Backend backend, Kind kind, Pool2dParams params) {
        super(backend);
        this.kind = kind;
        this.params = params;
    }

    public static Pool max(Backend backend, Pool2dParams params) {
        return new Pool(backend, Kind.MAX, params);
    }

    public static Pool avg(Backend backend, Pool2dParams params) {
        return new Pool(backend, Kind.AVG, params);
    }

    public static Pool globalAvg(Backend backend) {
        return new Pool(backend, Kind.GLOBAL_AVG, null);
    }

    public Kind kind() {
        return kind;
    }

    /** Window, stride and padding; null for global average pooling. */
    public Pool2dParams params() {
        return params;
    }

    @Override
    public Tensor forward(Tensor input) {
        expectShape(kind.name().toLowerCase(java.util.Locale.ROOT) + " pooling", input, -1, -1, -1, -1);
        x = input;
        if (kind == Kind.GLOBAL_AVG) {
            Tensor y = workspace("y", x.dtype(), x.dim(0), x.dim(1));
            backend.pooling().globalAvgForward(y, x);
            return y;
        }
        Tensor y = workspace("y", x.dtype(), Pool2dShape.of(x.shape(), params).yDims());
        if (kind == Kind.MAX) {
            backend.pooling().maxForward(y, x, params);
        } else {
            backend.pooling().avgForward(y, x, params);
        }
        return y;
    }

    @Override
    public Tensor backward(Tensor dy) {
        expectForward(kind + " pooling", x);
        if (!inputGradient()) return null;
        Tensor dx = workspace("dx", x.dtype(), x.shape());
        switch (kind) {
            case MAX -> backend.pooling().maxBackward(dx, dy, x, params);
            case AVG -> backend.pooling().avgBackward(dx, dy, params);
            case GLOBAL_AVG -> backend.pooling().globalAvgBackward(dx, dy);
        }
        return dx;
    }
}
