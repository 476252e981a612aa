package org.clengine.matmul;

import java.util.List;
import java.util.function.Consumer;
import org.clengine.core.DType;
import org.clengine.core.Tensor;
import org.clengine.verify.BadInputCase;
import org.clengine.verify.OpDescription;

/** GEMM as the engine registers it: kernels/matmul.cl's kernels, verify's rows and the calls it must refuse. */
public final class MatmulFamily {
    private static final MatmulShape S = MatmulShape.parse("m4n5k6"); // A 24 floats, B 30, C 20

    /** Bad calls: each refused before anything runs, with the same message on every backend. */
    public static final List<BadInputCase<MatmulOps>> BAD_INPUTS = List.of(
            bad("null call", "gemm call is null", c -> c.ops().gemm(null)),
            bad("null shape", "shape is null", c -> c.ops().gemm(Gemm.of(c.t(20), c.t(24), c.t(30), null))),
            bad("C too small", "C has 19 floats, m4n5k6 needs 20",
                    c -> c.ops().gemm(Gemm.of(c.t(19), c.t(24), c.t(30), S))),
            bad("C overlapping A", "C and A share storage (one tensor, or views of one) and their ranges overlap",
                    c -> {
                        Tensor x = c.t(64);
                        c.ops().gemm(Gemm.of(x, x, c.t(30), S).layout(MatmulLayout.contiguous(S).withC(20, 5, 20)));
                    }),
            bad("C a view of A", "C and A share storage (one tensor, or views of one) and their ranges overlap: "
                    + "floats [0, 20) and [0, 24)", c -> {
                        Tensor a = c.t(4, 6);
                        c.ops().gemm(Gemm.of(a.view(24), a, c.t(30), S));
                    }),
            bad("C a view of B", "C and B share storage", c -> {
                Tensor b = c.t(6, 5);
                c.ops().gemm(Gemm.of(b.view(30), c.t(24), b, S));
            }),
            bad("bias a view of C", "C and bias share storage", c -> {
                Tensor out = c.t(5);
                c.ops().gemm(Gemm.of(out, c.t(6), c.t(30), MatmulShape.of(1, 5, 6)).bias(out.view(1, 5).view(5))
                        .params(MatmulParams.DEFAULT.withBias(MatmulBias.PER_COLUMN)));
            }),
            bad("shape past int", "matmul C's batch·M·N", c -> MatmulShape.parse("b65536m65536n1k1")),
            bad("descriptor number past int", "is larger than 2147483647", c -> MatmulShape.parse("m4294967297n1k1")),
            bad("A of another memory", "belongs to backend",
                    c -> c.ops().gemm(Gemm.of(c.t(20), c.foreign(24), c.t(30), S))),
            bad("bias missing", "bias is required when the bias mode is PER_ROW",
                    c -> c.ops().gemm(Gemm.of(c.t(20), c.t(24), c.t(30), S)
                            .params(MatmulParams.DEFAULT.withBias(MatmulBias.PER_ROW)))),
            bad("shapes that do not chain", "do not chain", c -> c.ops().matmul(c.t(2, 3), c.t(2, 4), c.t(5, 3))),
            bad("A and B of two dtypes", "A is F16 and B is BF16: GEMM takes A and B of one dtype",
                    c -> c.ops().gemm(Gemm.of(c.t(20), c.t(DType.F16, 24), c.t(DType.BF16, 30), S))),
            bad("A F32, B F16", "A is F32 and B is F16", c -> c.ops().gemm(Gemm.of(c.t(20), c.t(24),
                    c.t(DType.F16, 30), S))),
            bad("C of a third dtype", "C is BF16 but A and B are F16: C must be F32 or the inputs' dtype",
                    c -> c.ops().gemm(Gemm.of(c.t(DType.BF16, 20), c.t(DType.F16, 24), c.t(DType.F16, 30), S))),
            bad("16-bit bias", "matmul gemm takes bias as F32 only, got bias [4] of dtype BF16", c -> c.ops().gemm(Gemm.of(c.t(20),
                    c.t(DType.BF16, 24), c.t(DType.BF16, 30), S).bias(c.t(DType.BF16, 4))
                    .params(MatmulParams.DEFAULT.withBias(MatmulBias.PER_ROW)))),
            bad("16-bit C too small", "C has 19 floats, m4n5k6 needs 20",
                    c -> c.ops().gemm(Gemm.of(c.t(DType.F16, 19), c.t(DType.F16, 24), c.t(DType.F16, 30), S))),
            bad("16-bit host array of the wrong length", "data has 23 floats",
                    c -> c.scope().add(c.scope().memory().tensor(DType.BF16, new float[23], 24))));

    public static final OpDescription<MatmulOps> DESCRIPTION = new OpDescription<>("matmul", MatmulKernel.bindings(),
            new MatmulVerification(), BAD_INPUTS);

    private MatmulFamily() {
    }


    private static BadInputCase<MatmulOps> bad(String name, String words,
            Consumer<BadInputCase.Context<MatmulOps>> call) {
        return new BadInputCase<>("matmul", name, words, call);
    }
}
