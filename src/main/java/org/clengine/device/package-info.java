/**
 * One OpenCL device opened for work: device discovery and choice, the context, queue, buffers and program cache,
 * typed kernel bindings checked at every launch, the kernel families (CPU, GPU) and the measured compute ceiling.
 * Everything an op needs to run a kernel of {@code kernels/*.cl}; nothing about any particular op.
 */
package org.clengine.device;
