package org.clengine.verify;

import java.util.function.Consumer;
import org.clengine.core.ClEngineException;
import org.clengine.core.DType;
import org.clengine.core.Memory;
import org.clengine.core.Tensor;
import org.clengine.core.TensorScope;

/**
 * A bad call to one op family's API ({@code O}: its ops object), with the words its exception must contain. Run on
 * every backend by the tests and by {@code verify}: a case passes when the call raises IllegalArgumentException or
 * the engine's exception naming the problem; no exception, another exception, or a crash fails it.
 */
public record BadInputCase<O>(String op, String name, String words, Consumer<Context<O>> call) {

    /** What a case gets: the ops under test, a scope for their tensors, and one for tensors of another memory. */
    public record Context<O>(O ops, TensorScope scope, TensorScope otherScope) {
        /** A tensor of the ops' own memory, filled with 0.5. */
        public Tensor t(int... shape) {
            return scope.full(0.5f, shape);
        }

        /** A tensor of the ops' own memory of {@code dtype}, filled with 0.5 (exact in every dtype). */
        public Tensor t(DType dtype, int... shape) {
            return scope.add(scope.memory().full(dtype, 0.5f, shape));
        }

        /** A tensor of another memory. */
        public Tensor foreign(int... shape) {
            return otherScope.full(0.5f, shape);
        }
    }

    public record Outcome(BadInputCase<?> c, String backend, boolean passed, String message) {
    }

    /** Runs this case on {@code ops} (whose tensors live in {@code memory}); {@code other} must be another memory. */
    public Outcome run(O ops, Memory memory, Memory other) {
        try (TensorScope s = new TensorScope(memory); TensorScope o = new TensorScope(other)) {
            call.accept(new Context<>(ops, s, o));
            return new Outcome(this, memory.name(), false, "no exception");
        } catch (IllegalArgumentException | ClEngineException e) {
            String m = String.valueOf(e.getMessage());
            return new Outcome(this, memory.name(), m.contains(words), m);
        } catch (RuntimeException e) {
            return new Outcome(this, memory.name(), false, e.toString());
        }
    }
}
