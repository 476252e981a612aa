package org.clengine.device;

import static org.jocl.CL.clSetKernelArg;

import java.util.List;
import java.util.Locale;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_kernel;

/**
 * One {@code __kernel} of {@code kernels/FILE}: its name and its parameters, named as in the source, with their
 * types. Every launch is checked against it before anything is set (a Java int where the kernel takes a long fails
 * here, naming the parameter), and a test parses every kernel signature in {@code kernels/*.cl} and compares it with
 * its binding (KernelSignatureTest).
 */
public record KernelBinding(String file, String name, List<Param> params) {

    /** The scalar and pointer types a kernel parameter may have. */
    public enum Type {
        /** {@code __global T *}: a {@link DeviceBuffer}, or null for a NULL pointer. */
        BUFFER,
        INT,
        LONG,
        FLOAT;

        boolean accepts(Object arg) {
            return switch (this) {
                case BUFFER -> arg == null || arg instanceof DeviceBuffer;
                case INT -> arg instanceof Integer;
                case LONG -> arg instanceof Long;
                case FLOAT -> arg instanceof Float;
            };
        }
    }

    public record Param(String name, Type type) {
    }

    public KernelBinding {
        params = List.copyOf(params);
    }

    public static KernelBinding of(String file, String name, Param... params) {
        return new KernelBinding(file, name, List.of(params));
    }

    public static Param buffer(String name) {
        return new Param(name, Type.BUFFER);
    }

    public static Param i32(String name) {
        return new Param(name, Type.INT);
    }

    public static Param i64(String name) {
        return new Param(name, Type.LONG);
    }

    public static Param f32(String name) {
        return new Param(name, Type.FLOAT);
    }

    /**
     * Throws, naming the kernel and the parameter, unless {@code args} fit the parameters one for one; and unless
     * every global size fits the kernels' int work-item ids (the shape records keep them far below; this is the
     * last line, so that a wrapped id never indexes a buffer).
     */
    void check(Object[] args, long[] global) {
        for (long g : global) {
            if (g < 1 || g > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(name + " launched with global size " + g
                        + "; the kernels take work-item ids as int");
            }
        }
        if (args.length != params.size()) {
            throw new IllegalArgumentException(name + " takes " + params.size() + " arguments, got " + args.length);
        }
        for (int i = 0; i < args.length; i++) {
            Param p = params.get(i);
            if (!p.type().accepts(args[i])) {
                throw new IllegalArgumentException(String.format(Locale.ROOT, "%s argument %d (%s) is a %s, got %s",
                        name, i, p.name(), p.type().name().toLowerCase(Locale.ROOT),
                        args[i] == null ? "null" : args[i].getClass().getSimpleName()));
            }
        }
    }

    /** Sets {@code args} (checked) as the kernel's arguments. */
    void set(cl_kernel kernel, Object[] args) {
        for (int i = 0; i < args.length; i++) {
            Object arg = args[i];
            if (arg == null) {
                clSetKernelArg(kernel, i, Sizeof.cl_mem, null);
            } else if (arg instanceof DeviceBuffer b) {
                clSetKernelArg(kernel, i, Sizeof.cl_mem, Pointer.to(b.mem()));
            } else if (arg instanceof Integer v) {
                clSetKernelArg(kernel, i, Sizeof.cl_int, Pointer.to(new int[] {v}));
            } else if (arg instanceof Long v) {
                clSetKernelArg(kernel, i, Sizeof.cl_long, Pointer.to(new long[] {v}));
            } else {
                clSetKernelArg(kernel, i, Sizeof.cl_float, Pointer.to(new float[] {(Float) arg}));
            }
        }
    }
}
