package org.clengine.matmul;

import org.clengine.core.DType;

/**
 * The storage dtypes of one GEMM: A and B share {@code in} (F32, F16 or BF16), C is {@code out} (F32 or {@code in});
 * every sum is fp32 whatever they are. The kernels take them as -D options ({@link #options}) and widen 16-bit values
 * as they load them, so no pass converts a whole matrix.
 */
public record MatmulTypes(DType in, DType out) {
    public static final MatmulTypes F32 = new MatmulTypes(DType.F32, DType.F32);

    public MatmulTypes {
        if (in == null || out == null) throw new IllegalArgumentException("dtype is null");
        if (out != DType.F32 && out != in) {
            throw new IllegalArgumentException("C is " + out + " but A and B are " + in
                    + ": C must be F32 or the inputs' dtype");
        }
    }

    /** The dtypes of a call's tensors, checked: A and B alike, C F32 or theirs. */
    public static MatmulTypes of(DType c, DType a, DType b) {
        if (a != b) {
            throw new IllegalArgumentException("A is " + a + " and B is " + b
                    + ": GEMM takes A and B of one dtype (convert one first)");
        }
        return new MatmulTypes(a, c);
    }

    /** The kernels' code for a dtype: 0 fp32, 1 fp16, 2 bf16 (kernels/matmul.cl's IN_DT, C_DT, PB_DT). */
    public static int code(DType t) {
        return t.ordinal();
    }

    /**
     * The -D options of these dtypes, with {@code inPlaceB} when matmul_packed reads B in place; empty for all-F32, so
     * an fp32 GEMM builds exactly the program it always did.
     */
    public String options(boolean inPlaceB) {
        if (this.equals(F32)) return "";
        String s = " -DIN_DT=" + code(in) + " -DC_DT=" + code(out);
        return inPlaceB && in != DType.F32 ? s + " -DPB_DT=" + code(in) : s;
    }

    /** {@code bf16>f32}, or {@code f32} when all alike: for labels. */
    public String label() {
        String i = in.name().toLowerCase(java.util.Locale.ROOT), o = out.name().toLowerCase(java.util.Locale.ROOT);
        return in == out ? i : i + ">" + o;
    }
}
