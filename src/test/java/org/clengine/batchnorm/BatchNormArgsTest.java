package org.clengine.batchnorm;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.util.ArrayList;
import java.util.List;
import org.clengine.backend.Backend;
import org.clengine.device.Device;
import org.clengine.backend.OpenClBackend;
import org.clengine.testing.TestBackends;
import org.clengine.backend.BadInputCases;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** Every bad call of BadInputCases is a clear exception naming the problem, on both backends. */
class BatchNormArgsTest {

    @TestFactory
    List<DynamicTest> badCallsFailClearly() {
        OpenClBackend cl = TestBackends.openCl();
        OpenClBackend otherDevice = new OpenClBackend(Device.open(cl.device().info()));
        Runtime.getRuntime().addShutdownHook(new Thread(otherDevice.device()::close));
        List<DynamicTest> tests = new ArrayList<>();
        for (Backend[] pair : new Backend[][] {{TestBackends.REFERENCE, otherDevice}, {cl, TestBackends.REFERENCE}}) {
            for (BadInputCases.Case c : BadInputCases.all()) {
                tests.add(dynamicTest(pair[0].name() + ": " + c.op() + ": " + c.name(), () -> {
                    BadInputCases.Outcome o = BadInputCases.run(c, pair[0], pair[1]);
                    assertTrue(o.passed(), "'" + o.message() + "' should contain '" + c.words() + "'");
                }));
            }
        }
        return tests;
    }
}
