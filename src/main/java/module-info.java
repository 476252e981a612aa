/**
 * clengine: an OpenCL compute engine for the JVM. The exported packages are the API: tensors and memories
 * ({@code core}), devices and kernel bindings ({@code device}), verification ({@code verify}), one package per op
 * family, the backends that sum them ({@code backend}) and the layers, training, data and ONNX support built on those.
 * The OpenCL implementation of each op ({@code org.clengine.OP.opencl}) is internal: it is reached through
 * {@code backend.OpenClBackend}, never named by users.
 */
// JOCL 2.0.6 has no module descriptor nor Automatic-Module-Name: it is the automatic module "jocl", named after its
// jar. It is required transitively because the device API shows its handles (DeviceInfo.id(), Device.kernel(...)).
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module org.clengine {
    requires transitive jocl;
    requires org.slf4j;

    exports org.clengine.core;
    exports org.clengine.device;
    exports org.clengine.verify;
    exports org.clengine.backend;
    exports org.clengine.batchnorm;
    exports org.clengine.conv2d;
    exports org.clengine.matmul;
    exports org.clengine.pooling;
    exports org.clengine.elementwise;
    exports org.clengine.loss;
    exports org.clengine.sgd;
    exports org.clengine.nn;
    exports org.clengine.train;
    exports org.clengine.data;
    exports org.clengine.onnx;
    exports org.clengine.distributed;
}
