package org.clengine.bench;

import static org.jocl.CL.CL_CONTEXT_PLATFORM;
import static org.jocl.CL.CL_MEM_COPY_HOST_PTR;
import static org.jocl.CL.CL_MEM_READ_ONLY;
import static org.jocl.CL.CL_MEM_READ_WRITE;
import static org.jocl.CL.CL_TRUE;
import static org.jocl.CL.clCreateBuffer;
import static org.jocl.CL.clCreateContext;
import static org.jocl.CL.clEnqueueReadBuffer;
import static org.jocl.CL.clFinish;
import static org.jocl.CL.clReleaseCommandQueue;
import static org.jocl.CL.clReleaseContext;
import static org.jocl.CL.clReleaseMemObject;

import java.util.Arrays;
import java.util.List;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.clengine.device.DeviceInfo;
import org.clengine.device.DeviceManager;
import org.clengine.matmul.MatmulParams;
import org.clengine.matmul.MatmulShape;
import org.clengine.matmul.MatmulPath;
import org.clengine.matmul.MatmulPolicy;
import org.clengine.matmul.MatmulShapeClass;
import org.clengine.backend.OpenClBackend;
import org.clengine.core.Tensor;
import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.blast.CLBlast;
import org.jocl.blast.CLBlastLayout;
import org.jocl.blast.CLBlastTranspose;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_context_properties;
import org.jocl.cl_device_id;
import org.jocl.cl_mem;

/**
 * The GEMMs {@link MatmulBench} times, one per {@code system}: {@code C = A·B}, fp32, row major, dense. A system is
 * opened once per fork (a context, a library) and then makes GEMMs on given inputs, C starting as NaN so that a
 * GEMM that writes nothing fails its check.
 */
final class GemmSystems {
    static final String CLBLAST = "clblast";
    static final String OPENBLAS = "openblas";
    static final List<String> ALL = List.of(BenchSystems.CLENGINE, CLBLAST, OPENBLAS);

    /** The systems whose libraries this jar holds (the GPU kit's has no OpenBLAS). */
    static List<String> present() {
        return ALL.stream().filter(s -> switch (s) {
            case CLBLAST -> BenchSystems.onClassPath("org.jocl.blast.CLBlast");
            case OPENBLAS -> BenchSystems.onClassPath("org.bytedeco.openblas.global.openblas");
            default -> true;
        }).toList();
    }

    private GemmSystems() {
    }

    /** One system, open for a fork. */
    interface GemmSystem extends AutoCloseable {
        /**
         * A GEMM of shape {@code s} on inputs {@code a} (M×K) and {@code b} (K×N), taking the path the engine takes
         * for {@code pathOf} (the full benchmark shape when {@code s} is its cut-down check).
         */
        Gemm prepare(MatmulShape s, float[] a, float[] b, MatmulShape pathOf);

        @Override
        void close();
    }

    /** One prepared GEMM. */
    interface Gemm extends AutoCloseable {
        /** C = A·B, and waits for it. */
        void run();

        float[] result();

        @Override
        void close();
    }

    /** A library's version from its Maven properties inside this jar. */
    static String version(String group, String artifact) {
        String path = "/META-INF/maven/" + group + "/" + artifact + "/pom.properties";
        try (var in = GemmSystems.class.getResourceAsStream(path)) {
            var p = new java.util.Properties();
            if (in != null) p.load(in);
            return p.getProperty("version", "(version unknown)");
        } catch (java.io.IOException e) {
            return "(version unknown)";
        }
    }

    static GemmSystem open(String system) {
        if (system.startsWith(BenchSystems.CLENGINE + ":")) {
            return new Engine(system.substring(BenchSystems.CLENGINE.length() + 1));
        }
        return switch (system) {
            case BenchSystems.CLENGINE -> new Engine("");
            case CLBLAST -> new ClBlast();
            case OPENBLAS -> new OpenBlas();
            default -> throw new IllegalArgumentException("unknown GEMM system '" + system + "'; known: " + ALL);
        };
    }

    /**
     * clengine's matmul on the chosen device, with the path its default tuning picks for the benchmark shape; or, for
     * A/B runs in one JMH run (system {@code clengine:VARIANT}), the default policy changed by {@code variant}
     * ({@link #variant}).
     */
    private static final class Engine implements GemmSystem {
        private final OpenClBackend backend = OpenClBackend.open();
        private final String variant;

        Engine(String variant) {
            this.variant = variant;
        }

        @Override
        public Gemm prepare(MatmulShape s, float[] a, float[] b, MatmulShape pathOf) {
            MatmulPolicy policy = variant(backend.policy().matmul(), variant, pathOf);
            MatmulPath path = policy.pathFor(pathOf);
            OpenClBackend pinned = backend.withPolicy(backend.policy().withMatmul(policy.withPath(path)));
            Tensor ta = backend.tensor(a, a.length), tb = backend.tensor(b, b.length);
            Tensor tc = backend.full(Float.NaN, s.m() * s.n());
            org.clengine.matmul.Gemm call = org.clengine.matmul.Gemm.of(tc, ta, tb, s);
            return new Gemm() {
                public void run() {
                    pinned.matmul().gemm(call);
                    pinned.finish();
                }

                public float[] result() {
                    return tc.toArray();
                }

                public void close() {
                    tc.close();
                    tb.close();
                    ta.close();
                }
            };
        }

        @Override
        public void close() {
            backend.close();
        }
    }

    /**
     * {@code p} changed for shape {@code s} as {@code variant} says: empty, as it is; {@code packed}, {@code direct} or
     * {@code directab} that path (PACKED, DIRECT_B, DIRECT_AB) forced; {@code mc64nc256kc256b512} those blocks for
     * {@code s}'s shape class ({@link MatmulShapeClass}).
     */
    static MatmulPolicy variant(MatmulPolicy p, String variant, MatmulShape s) {
        if (variant.isEmpty()) return p;
        if (variant.equals("packed")) return p.withPath(MatmulPath.PACKED);
        if (variant.equals("direct")) return p.withPath(MatmulPath.DIRECT_B);
        if (variant.equals("directab")) return p.withPath(MatmulPath.DIRECT_AB);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("mc(\\d+)nc(\\d+)kc(\\d+)b(\\d+)")
                .matcher(variant);
        if (!m.matches()) {
            throw new IllegalArgumentException("clengine variant '" + variant
                    + "': packed, direct, directab or mcMncNkcKbB");
        }
        return p.withClass(MatmulShapeClass.of(s), new MatmulPolicy.Blocks(Integer.parseInt(m.group(1)),
                Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)), Integer.parseInt(m.group(4))));
    }

    /**
     * CLBlast's {@code Sgemm} on the same OpenCL device, in a context of its own. CLBlast compiles its kernels on the
     * first call in a context (≈ 10 s on PoCL) and caches them per context: one context serves the check and the
     * timing.
     */
    private static final class ClBlast implements GemmSystem {
        private final cl_context context;
        private final cl_command_queue queue;

        ClBlast() {
            CL.setExceptionsEnabled(true);
            CLBlast.setExceptionsEnabled(true);
            DeviceInfo info = DeviceManager.choose().device();
            cl_context_properties p = new cl_context_properties();
            p.addProperty(CL_CONTEXT_PLATFORM, info.platform());
            context = clCreateContext(p, 1, new cl_device_id[] {info.id()}, null, null, null);
            @SuppressWarnings("deprecation")
            cl_command_queue q = CL.clCreateCommandQueue(context, info.id(), 0, null);
            queue = q;
        }

        @Override
        public Gemm prepare(MatmulShape s, float[] a, float[] b, MatmulShape pathOf) {
            cl_mem ma = buffer(CL_MEM_READ_ONLY, a), mb = buffer(CL_MEM_READ_ONLY, b);
            float[] nan = new float[s.m() * s.n()];
            Arrays.fill(nan, Float.NaN);
            cl_mem mc = buffer(CL_MEM_READ_WRITE, nan);
            return new Gemm() {
                public void run() {
                    CLBlast.CLBlastSgemm(CLBlastLayout.CLBlastLayoutRowMajor, CLBlastTranspose.CLBlastTransposeNo,
                            CLBlastTranspose.CLBlastTransposeNo, s.m(), s.n(), s.k(), 1f, ma, 0, s.k(), mb, 0, s.n(),
                            0f, mc, 0, s.n(), queue, null);
                    clFinish(queue);
                }

                public float[] result() {
                    float[] c = new float[s.m() * s.n()];
                    clEnqueueReadBuffer(queue, mc, CL_TRUE, 0, (long) c.length * Sizeof.cl_float, Pointer.to(c), 0,
                            null, null);
                    return c;
                }

                public void close() {
                    clReleaseMemObject(mc);
                    clReleaseMemObject(mb);
                    clReleaseMemObject(ma);
                }
            };
        }

        private cl_mem buffer(long flags, float[] data) {
            return clCreateBuffer(context, flags | CL_MEM_COPY_HOST_PTR, (long) data.length * Sizeof.cl_float,
                    Pointer.to(data), null);
        }

        @Override
        public void close() {
            clReleaseCommandQueue(queue);
            clReleaseContext(context);
        }
    }

    /**
     * OpenBLAS's {@code cblas_sgemm} (the JavaCPP presets' build, as ND4J ships it), on off-heap arrays, with
     * OpenBLAS's own threads (one per processor unless OPENBLAS_NUM_THREADS says otherwise).
     */
    private static final class OpenBlas implements GemmSystem {
        @Override
        public Gemm prepare(MatmulShape s, float[] a, float[] b, MatmulShape pathOf) {
            FloatPointer pa = new FloatPointer(a), pb = new FloatPointer(b);
            float[] nan = new float[s.m() * s.n()];
            Arrays.fill(nan, Float.NaN);
            FloatPointer pc = new FloatPointer(nan);
            return new Gemm() {
                public void run() {
                    openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor, openblas_nolapack.CblasNoTrans,
                            openblas_nolapack.CblasNoTrans, s.m(), s.n(), s.k(), 1f, pa, s.k(), pb, s.n(), 0f, pc,
                            s.n());
                }

                public float[] result() {
                    float[] c = new float[s.m() * s.n()];
                    pc.get(c);
                    return c;
                }

                public void close() {
                    pc.close();
                    pb.close();
                    pa.close();
                }
            };
        }

        @Override
        public void close() {
        }
    }
}
