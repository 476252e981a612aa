package org.clengine.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.util.ArrayList;
import java.util.List;
import org.clengine.testing.TestBackends;
import org.clengine.verify.BadInputCase;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every bad-input case of every op family (and of tensors) on both backends: each must be refused with an exception
 * naming the problem, and the reference and the device must give the same message.
 */
class BadInputSuiteTest {

    @TestFactory
    List<DynamicTest> bothBackendsRefuseAlike() {
        OpenClBackend device = TestBackends.openCl();
        ReferenceBackend reference = TestBackends.REFERENCE;
        List<BadInputCase.Outcome> onDevice = BadInputCases.run(device, reference);
        List<BadInputCase.Outcome> onReference = BadInputCases.run(reference, device);
        assertEquals(onDevice.size(), onReference.size());
        List<DynamicTest> tests = new ArrayList<>();
        for (int i = 0; i < onDevice.size(); i++) {
            BadInputCase.Outcome d = onDevice.get(i), r = onReference.get(i);
            tests.add(dynamicTest(d.c().op() + ": " + d.c().name(), () -> {
                assertTrue(d.passed(), () -> "device: expected '" + d.c().words() + "', got " + d.message());
                assertTrue(r.passed(), () -> "reference: expected '" + r.c().words() + "', got " + r.message());
                // the memory's own name is the one part that differs ("belongs to backend X, not to Y")
                assertEquals(r.message().replace(reference.name(), "B").replace(device.name(), "B"),
                        d.message().replace(reference.name(), "B").replace(device.name(), "B"),
                        "the two backends' messages");
            }));
        }
        return tests;
    }
}
