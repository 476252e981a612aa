/**
 * Labelled image data sets in memory: MNIST-format IDX files (plain or gzipped) read into {@link
 * org.clengine.data.Dataset}, normalised, limited, and cut into shuffled mini-batches ({@link
 * org.clengine.data.Batches}).
 */
package org.clengine.data;
