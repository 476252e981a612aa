/**
 * ONNX support: a protobuf reader for the parts of a model the engine runs, its operators mapped onto a {@link
 * org.clengine.backend.Backend}, and the runner of ONNX backend node tests ({@code ./clengine onnx-test}).
 */
package org.clengine.onnx;
