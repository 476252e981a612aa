package org.clengine.batchnorm;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.util.ArrayList;
import java.util.List;
import org.clengine.core.Memory;
import org.clengine.core.Tensor;
import org.clengine.core.TensorScope;
import org.clengine.device.Device;
import org.clengine.testing.TestBackends;
import org.clengine.verify.BadInputCase;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** Every bad call of batch norm's bad-input cases is a clear exception naming the problem, on both backends. */
class BatchNormArgsTest {

    @TestFactory
    List<DynamicTest> badCallsFailClearly() {
        BatchNormOps cl = TestBackends.openCl().batchNorm();
        Device otherDevice = Device.open(TestBackends.device().info());
        Runtime.getRuntime().addShutdownHook(new Thread(otherDevice::close));
        BatchNormOps reference = TestBackends.REFERENCE.batchNorm();
        List<DynamicTest> tests = new ArrayList<>();
        for (BatchNormOps ops : List.of(reference, cl)) {
            Memory other = ops == reference ? otherDevice : Memory.HOST;
            for (BadInputCase<BatchNormOps> c : BatchNormFamily.DESCRIPTION.badInputs()) {
                tests.add(dynamicTest(ops.memory().name() + ": " + c.op() + ": " + c.name(), () -> {
                    BadInputCase.Outcome o = c.run(ops, ops.memory(), other);
                    assertTrue(o.passed(), "'" + o.message() + "' should contain '" + c.words() + "'");
                }));
            }
        }
        return tests;
    }

    /** Without a ReLU, backward does not read y: whatever is given (here a tensor of another shape) is accepted. */
    @TestFactory
    List<DynamicTest> backwardWithoutReluIgnoresY() {
        List<DynamicTest> tests = new ArrayList<>();
        for (BatchNormOps ops : List.of(TestBackends.REFERENCE.batchNorm(), TestBackends.openCl().batchNorm())) {
            tests.add(dynamicTest(ops.memory().name(), () -> {
                try (TensorScope s = new TensorScope(ops.memory())) {
                    Tensor x = s.full(0.5f, 2, 3, 4);
                    BatchNormSaved saved = new BatchNormSaved(s.full(0f, 3), s.full(1f, 3));
                    assertDoesNotThrow(() -> ops.backward(BatchNormBackward.of(s.full(0f, 2, 3, 4),
                            s.full(1f, 2, 3, 4), x, saved).forwardOutput(s.full(1f, 7))));
                }
            }));
        }
        return tests;
    }
}
