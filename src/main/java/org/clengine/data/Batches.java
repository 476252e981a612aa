package org.clengine.data;

import java.util.SplittableRandom;

/**
 * Mini-batches of a dataset in a seeded order: epoch e shuffles with seed·31 + e (Fisher–Yates), so the same seed
 * gives the same batches run after run. {@link #fill} copies one batch into reused host arrays, ready for one write
 * to the device.
 */
public final class Batches {
    private final Dataset data;
    private final int batch;
    private final boolean dropLast;
    private int[] order;

    public Batches(Dataset data, int batch, boolean dropLast) {
        if (batch < 1) throw new IllegalArgumentException("batch size must be at least 1, got " + batch);
        if (dropLast && batch > data.count()) {
            throw new IllegalArgumentException("batch size " + batch + " exceeds the " + data.count() + " items of "
                    + data.name());
        }
        this.data = data;
        this.batch = batch;
        this.dropLast = dropLast;
        this.order = identity(data.count());
    }

    /** Shuffles for this epoch; without a call the order is the file's. */
    public void shuffle(long seed, int epoch) {
        order = identity(data.count());
        SplittableRandom r = new SplittableRandom(seed * 31 + epoch);
        for (int i = order.length - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
    }

    public Dataset dataset() {
        return data;
    }

    public int count() {
        return dropLast ? data.count() / batch : (data.count() + batch - 1) / batch;
    }

    /** Items in batch {@code b}: the batch size, or what is left for the last. */
    public int size(int b) {
        return Math.min(batch, data.count() - b * batch);
    }

    /** Copies batch {@code b}'s images into {@code images} (size(b)·imageSize floats) and labels as floats. */
    public void fill(int b, float[] images, float[] labels) {
        int size = data.imageSize();
        for (int i = 0; i < size(b); i++) {
            int item = order[b * batch + i];
            System.arraycopy(data.images(), item * size, images, i * size, size);
            labels[i] = data.labels()[item];
        }
    }

    private static int[] identity(int n) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) a[i] = i;
        return a;
    }
}
