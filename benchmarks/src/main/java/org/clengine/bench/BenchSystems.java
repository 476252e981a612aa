package org.clengine.bench;

import java.util.List;
import org.clengine.backend.Backend;
import org.clengine.backend.OpenClBackend;
import org.clengine.backend.ReferenceBackend;

/** The factory behind the benchmarks' {@code system} parameter: one benchmark class covers every backend. */
public final class BenchSystems {
    /** The engine on the chosen OpenCL device ({@code -Dclengine.device} / {@code CLENGINE_DEVICE}). */
    public static final String CLENGINE = "clengine";
    /** The pure-Java oracle: slow, there for scale and for runs on machines without OpenCL. */
    public static final String REFERENCE = "reference";

    public static final List<String> ALL = List.of(CLENGINE, REFERENCE);

    private BenchSystems() {
    }

    /**
     * Whether a peer's library is in this jar: the GPU kit's jar ({@code -Pkit}) leaves out the CPU-only peers
     * (ND4J, OpenBLAS) and keeps CLBlast, which runs on any OpenCL device.
     */
    static boolean onClassPath(String className) {
        try {
            Class.forName(className, false, BenchSystems.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** ND4J (nd4j-native) is in this jar. */
    static boolean nd4jPresent() {
        return onClassPath("org.nd4j.linalg.factory.Nd4j");
    }

    public static Backend open(String system) {
        return switch (system) {
            case CLENGINE -> OpenClBackend.open();
            case REFERENCE -> new ReferenceBackend();
            default -> throw new IllegalArgumentException("unknown system '" + system + "'; known: " + ALL);
        };
    }
}
