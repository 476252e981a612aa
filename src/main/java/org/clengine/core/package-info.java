/**
 * Tensors and where they live: {@link org.clengine.core.Tensor}, the {@link org.clengine.core.Memory} that holds
 * it (the host, or an OpenCL device), {@link org.clengine.core.TensorScope} for closing many at once, and the
 * argument checks every op shares. The bottom of the engine: it imports no other clengine package.
 */
package org.clengine.core;
