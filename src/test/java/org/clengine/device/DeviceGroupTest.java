package org.clengine.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.jocl.CL.CL_DEVICE_REFERENCE_COUNT;
import static org.jocl.CL.clGetDeviceInfo;
import static org.jocl.CL.clReleaseDevice;
import static org.jocl.CL.clRetainDevice;

import java.util.List;
import java.util.Map;
import org.clengine.core.Tensor;
import org.clengine.testing.ChildJvm;
import org.clengine.testing.Checks;
import org.clengine.testing.TestBackends;
import org.jocl.Pointer;
import org.jocl.cl_device_id;
import org.junit.jupiter.api.Test;

/**
 * Device groups on PoCL's CPU device: {@code cpu/2} gives two sub-devices of one compute unit each
 * (CL_DEVICE_PARTITION_EQUALLY) that hold tensors of their own and are released on close (their reference count
 * returns to what it was); {@code POCL_DEVICES="pthread pthread"} gives two root devices (in a child JVM, since PoCL
 * reads it once); a split that does not fit is an error naming it.
 */
class DeviceGroupTest {

    @Test
    void cpuSlashTwoGivesTwoSubDevicesReleasedOnClose() {
        DeviceInfo parent = TestBackends.device().info();
        cl_device_id[] ids = new cl_device_id[2];
        try (DeviceGroup g = DeviceGroup.open("cpu/2", 2)) {
            assertEquals(2, g.devices().size());
            for (int i = 0; i < 2; i++) {
                Device d = g.devices().get(i);
                assertEquals(parent.computeUnits() / 2, d.info().computeUnits(), g.description());
                float[] values = {1, 2, 3, i};
                try (Tensor t = d.tensor(values, 4)) {
                    assertArrayEquals(values, t.toArray());
                }
                ids[i] = d.info().id();
                clRetainDevice(ids[i]); // ours: after close only this reference may be left
            }
        }
        for (cl_device_id id : ids) {
            int[] count = new int[1];
            clGetDeviceInfo(id, CL_DEVICE_REFERENCE_COUNT, 4, Pointer.to(count), null);
            clReleaseDevice(id);
            assertEquals(1, count[0], "a sub-device was not released on close");
        }
    }

    @Test
    void splitsThatDoNotFitAreErrors() {
        TestBackends.device();
        int units = TestBackends.device().info().computeUnits();
        Checks.rejects("do not split equally into " + (units + 1),
                () -> DeviceGroup.open("cpu/" + (units + 1), units + 1));
        Checks.rejects("gives 2 sub-devices, but 3 devices were asked for", () -> DeviceGroup.open("cpu/2", 3));
        Checks.rejects("'/x' must be a count of at least 1", () -> DeviceGroup.open("cpu/x", 2));
    }

    @Test
    void poclDevicesPthreadTwiceGivesTwoRootDevices() throws Exception {
        TestBackends.device();
        ChildJvm.Result r = ChildJvm.run(TwoRootDevices.class, Map.of("POCL_DEVICES", "pthread pthread"));
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("2 cpu devices"), r.output());
    }

    /** Opens two CPU devices (root devices when PoCL has two) and puts a tensor on each. */
    public static final class TwoRootDevices {
        public static void main(String[] args) {
            try (DeviceGroup g = DeviceGroup.open("cpu", 2)) {
                for (Device d : g.devices()) {
                    try (Tensor t = d.tensor(new float[] {1, 2}, 2)) {
                        if (t.toArray()[1] != 2) throw new AssertionError("wrong read back");
                    }
                }
                System.out.println(g.description() + " " + List.of(g.devices().get(0).name()));
            }
        }
    }
}
