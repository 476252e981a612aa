package org.clengine.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Labelled images in memory: {@code count} images of channels×height×width floats (NCHW order) and their labels.
 * Pixels come from unsigned bytes scaled to [0, 1] and then normalised as the caller asks.
 */
public record Dataset(String name, float[] images, int[] labels, int count, int channels, int height, int width,
        int classes) {

    public int imageSize() {
        return channels * height * width;
    }

    /**
     * Reads an IDX image file ([N, H, W] unsigned bytes) and its label file ([N], values below {@code classes}).
     * Mismatched counts, labels out of range and non-image files are clear errors.
     */
    public static Dataset fromIdx(String name, Path images, Path labels, int classes) throws IOException {
        IdxFile img = IdxFile.read(images);
        IdxFile lab = IdxFile.read(labels);
        if (img.dims().length != 3) {
            throw new IdxFormatException(images + " holds " + IdxFile.dimsText(img.dims()) + "; images must be "
                    + "N×height×width");
        }
        if (lab.dims().length != 1) {
            throw new IdxFormatException(labels + " holds " + IdxFile.dimsText(lab.dims()) + "; labels must be N");
        }
        if (img.count() != lab.count()) {
            throw new IdxFormatException(images.getFileName() + " has " + img.count() + " images but "
                    + labels.getFileName() + " has " + lab.count() + " labels");
        }
        int n = img.count(), size = img.itemSize();
        if (n == 0 || size == 0) {
            throw new IdxFormatException(images + " holds " + IdxFile.dimsText(img.dims()) + ": no pixels to learn "
                    + "from");
        }
        float[] x = new float[n * size];
        byte[] raw = img.data();
        for (int i = 0; i < x.length; i++) x[i] = (raw[i] & 0xff) / 255f;
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = lab.data()[i] & 0xff;
            if (y[i] >= classes) {
                throw new IdxFormatException(labels + ": label " + i + " is " + y[i] + ", expected fewer than "
                        + classes + " classes");
            }
        }
        return new Dataset(name, x, y, n, 1, img.dims()[1], img.dims()[2], classes);
    }

    /** Mean and standard deviation of every pixel of the set, in double. */
    public double[] meanStd() {
        double sum = 0, sq = 0;
        for (float v : images) sum += v;
        double mean = sum / images.length;
        for (float v : images) sq += (v - mean) * (v - mean);
        return new double[] {mean, Math.sqrt(sq / images.length)};
    }

    /** Pixels become (x − mean)/std, in place: pass the training set's statistics for both sets. */
    public Dataset normalize(double mean, double std) {
        for (int i = 0; i < images.length; i++) images[i] = (float) ((images[i] - mean) / std);
        return this;
    }

    /** The first {@code n} items (the same arrays when n covers them all). */
    public Dataset limit(int n) {
        if (n >= count) return this;
        if (n < 1) throw new IllegalArgumentException("limit must be at least 1, got " + n);
        return new Dataset(name, java.util.Arrays.copyOf(images, n * imageSize()), java.util.Arrays.copyOf(labels, n),
                n, channels, height, width, classes);
    }

    /**
     * The Fashion-MNIST or MNIST pair in {@code dir}: {@code train-images-idx3-ubyte[.gz]} and
     * {@code train-labels-idx1-ubyte[.gz]} (prefix {@code t10k} for the test set).
     */
    public static Dataset mnistFormat(Path dir, boolean train) throws IOException {
        String prefix = train ? "train" : "t10k";
        return fromIdx(dir.getFileName() + (train ? " train" : " test"), find(dir, prefix + "-images-idx3-ubyte"),
                find(dir, prefix + "-labels-idx1-ubyte"), 10);
    }

    private static Path find(Path dir, String stem) throws IOException {
        for (String suffix : new String[] {".gz", ""}) {
            Path p = dir.resolve(stem + suffix);
            if (Files.isRegularFile(p)) return p;
        }
        throw new IOException("no " + stem + " or " + stem + ".gz in " + dir + (Files.isDirectory(dir) ? ""
                : " (the directory does not exist; Fashion-MNIST comes with Debian's dataset-fashion-mnist)"));
    }
}
