/**
 * One SGD step in place, with momentum and weight decay by PyTorch's formula. The contract ({@link
 * org.clengine.sgd.SgdOps}), parameters, reference and verification; the OpenCL implementation is internal.
 */
package org.clengine.sgd;
