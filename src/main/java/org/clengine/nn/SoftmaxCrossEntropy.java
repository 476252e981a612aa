package org.clengine.nn;

import org.clengine.backend.Backend;
import org.clengine.core.Tensor;

/**
 * The loss: softmax + cross-entropy, mean over the batch (PyTorch's {@code nn.CrossEntropyLoss()}). One kernel
 * pass gives the loss, the count of correct predictions and, in training, the logits' gradient; {@link #result()}
 * holds {loss, correct} on the device, so a training step reads back two floats.
 */
public final class SoftmaxCrossEntropy implements AutoCloseable {
    private final Backend backend;
    private final Workspace workspace;
    private final Tensor result;
    private Tensor dlogits;

    public SoftmaxCrossEntropy(Backend backend) {
        this.backend = backend;
        this.workspace = new Workspace(backend);
        this.result = backend.full(0f, 2);
    }

    /**
     * Loss and count of logits [N,K] (F32, F16 or BF16) against labels [N] (class indices as floats); with {@code
     * gradient} also (softmax − one-hot)/N in the logits' dtype for {@link #backward()}.
     */
    public Tensor forward(Tensor logits, Tensor labels, boolean gradient) {
        if (logits == null || logits.rank() != 2) {
            throw new IllegalArgumentException("the loss expects logits [N, classes], got "
                    + (logits == null ? "null" : logits.shapeString()));
        }
        // 16-bit logits: the loss computes in fp32 (as autocast) and writes the gradient in their dtype
        dlogits = gradient ? workspace.get("dlogits", logits.dtype(), logits.shape()) : null;
        if (gradient) {
            backend.loss().softmaxCrossEntropy(result, dlogits, logits, labels);
        } else {
            backend.loss().softmaxCrossEntropy(result, logits, labels);
        }
        return result;
    }

    /** The gradient of the mean loss with respect to the logits, from the last forward with gradient. */
    public Tensor backward() {
        if (dlogits == null) throw new IllegalStateException("the last loss forward computed no gradient");
        return dlogits;
    }

    /** {mean loss, correct count} of the last forward, on the device. */
    public Tensor result() {
        return result;
    }

    @Override
    public void close() {
        workspace.close();
        result.close();
    }
}
