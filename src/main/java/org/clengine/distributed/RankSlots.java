package org.clengine.distributed;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.clengine.backend.Backend;
import org.clengine.core.Tensor;
import org.clengine.data.Batches;
import org.clengine.data.Dataset;

/** A rank's input tensors, one pair per slice shape, and the host arrays a global batch is filled into. */
final class RankSlots implements AutoCloseable {

    /** Images [n, C, H, W] and labels [n] on the rank's backend. */
    record Slot(Tensor images, Tensor labels) {
    }

    private final Backend backend;
    private final Map<List<Integer>, Slot> slots = new HashMap<>();
    private float[] batchImages = new float[0];
    private float[] batchLabels = new float[0];

    RankSlots(Backend backend) {
        this.backend = backend;
    }

    /** Fills global batch b on the host and writes samples [from, to) to the device. */
    Slot fill(Batches batches, int b, int from, int to) {
        Dataset d = batches.dataset();
        int size = d.imageSize();
        int global = batches.size(b);
        if (batchImages.length < global * size) batchImages = new float[global * size];
        if (batchLabels.length < global) batchLabels = new float[global];
        batches.fill(b, batchImages, batchLabels);
        float[] images = java.util.Arrays.copyOfRange(batchImages, from * size, to * size);
        float[] labels = java.util.Arrays.copyOfRange(batchLabels, from, to);
        return fill(images, labels, d.channels(), d.height(), d.width());
    }

    /** Writes a slice given on the host: images [n, C, H, W], labels [n]. */
    Slot fill(float[] images, float[] labels, int... imageShape) {
        if (images == null || labels == null || imageShape == null || imageShape.length != 3) {
            throw new IllegalArgumentException("a slice needs images, labels and the image shape {C, H, W}");
        }
        int n = labels.length;
        long expected = (long) n * imageShape[0] * imageShape[1] * imageShape[2];
        if (images.length != expected) {
            throw new IllegalArgumentException("images have " + images.length + " floats; " + n + " labels of "
                    + "images " + imageShape[0] + "x" + imageShape[1] + "x" + imageShape[2] + " need " + expected);
        }
        Slot slot = slots.computeIfAbsent(List.of(n, imageShape[0], imageShape[1], imageShape[2]),
                k -> new Slot(backend.full(0f, n, imageShape[0], imageShape[1], imageShape[2]), backend.full(0f, n)));
        slot.images().copyFrom(images);
        slot.labels().copyFrom(labels);
        return slot;
    }

    @Override
    public void close() {
        slots.values().forEach(s -> {
            s.labels().close();
            s.images().close();
        });
        slots.clear();
    }
}
